//! Webhooks: signed as the API says (checked with an independent HMAC), retried on failure.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use kling_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use sha2::Sha256;

#[derive(Default)]
struct Received {
    calls: Vec<(HeaderMap, Vec<u8>)>,
    fail_first: usize,
}

async fn receiver(state: Arc<Mutex<Received>>) -> String {
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let state = state.clone();
            async move {
                let mut r = state.lock().unwrap();
                r.calls.push((headers, body.to_vec()));
                if r.calls.len() <= r.fail_first {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/hook")
}

fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let ts = headers["x-pixelbyte-timestamp"].to_str().unwrap();
    let sig = headers["x-pixelbyte-signature"].to_str().unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    sig == format!("sha256={expected}")
}

async fn submit(sandbox: &Sandbox, url: &str) -> String {
    let body = json!({"model": "kling-plus/kling-o3-standard/text-to-video", "input": {"prompt": "x"}, "webhookUrl": url});
    let response = reqwest::Client::new()
        .post(format!("{}/jobs/submit", sandbox.base_url()))
        .bearer_auth(sandbox.api_key())
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let job: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    job["jobId"].as_str().unwrap().to_string()
}

async fn wait_calls(state: &Arc<Mutex<Received>>, n: usize) {
    for _ in 0..1000 {
        if state.lock().unwrap().calls.len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "expected {n} webhook calls, got {}",
        state.lock().unwrap().calls.len()
    );
}

#[tokio::test]
async fn completed_jobs_send_a_signed_webhook() {
    let state = Arc::new(Mutex::new(Received::default()));
    let url = receiver(state.clone()).await;
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let id = submit(&sandbox, &url).await;
    wait_calls(&state, 1).await;
    let (headers, body) = state.lock().unwrap().calls[0].clone();
    assert!(
        verify("whsec_test_secret", &headers, &body),
        "signature verifies with an independent HMAC"
    );
    assert!(!verify("whsec_other", &headers, &body));
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(event["jobId"], id.as_str());
    assert_eq!(event["status"], "completed");
    assert!(event["output"].as_str().unwrap().ends_with("/output_0.mp4"));
    assert!(event.get("error").is_none());
    assert!(event["requestId"].as_str().unwrap().starts_with("req_"));
    let ts: u64 = headers["x-pixelbyte-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now.abs_diff(ts) < 5);
    eventually(|| sandbox.stats().webhooks_delivered == 1).await;
}

/// Waits (boundedly) for something the sandbox records right after a receiver answers.
async fn eventually(done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the sandbox never recorded it");
}

#[tokio::test]
async fn failed_deliveries_are_retried_on_the_schedule() {
    let state = Arc::new(Mutex::new(Received {
        fail_first: 2,
        ..Received::default()
    }));
    let url = receiver(state.clone()).await;
    let mut config = SandboxConfig::for_tests();
    config.speed = 1000.0; // the job ends after 0.24 s; retries follow after 1 ms and 4 ms
    config.faults.failed_generation = 1.0;
    let sandbox = Sandbox::start(config).await.unwrap();
    let id = submit(&sandbox, &url).await;
    wait_calls(&state, 3).await;
    let calls = state.lock().unwrap().calls.clone();
    let bodies: Vec<Value> = calls
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    assert!(
        bodies.iter().all(|b| b["jobId"] == id.as_str()),
        "the same job each time: de-duplicable by jobId"
    );
    assert_eq!(bodies[2]["status"], "failed");
    assert_eq!(bodies[2]["error"]["code"], "GENERATION_FAILED");
    // The sandbox records an attempt once the receiver's answer is back: wait for the third.
    eventually(|| sandbox.webhook_attempts().len() >= 3).await;
    let attempts: Vec<(u32, Option<u16>)> = sandbox
        .webhook_attempts()
        .iter()
        .map(|a| (a.attempt, a.status))
        .collect();
    assert_eq!(attempts, [(1, Some(500)), (2, Some(500)), (3, Some(200))]);
    assert_eq!(kling_sandbox::RETRY_SCHEDULE_SECS, [0, 1, 4, 16, 64, 256]);
}

#[tokio::test]
async fn the_signing_helper_matches_the_receiver_check() {
    let body = br#"{"jobId":"job_1","status":"completed"}"#;
    let sig = kling_sandbox::sign_webhook("s3cret", 1_700_000_000, body);
    let mut headers = HeaderMap::new();
    headers.insert("x-pixelbyte-timestamp", "1700000000".parse().unwrap());
    headers.insert("x-pixelbyte-signature", sig.parse().unwrap());
    assert!(verify("s3cret", &headers, body));
}
