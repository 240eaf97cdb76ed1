//! `kling webhook`: `verify` with one secret or several (flags, files, the variable), and
//! `listen --forward-to`: the sandbox delivers a webhook signed with the second of two secrets,
//! the listener verifies it and forwards it, headers and raw body intact, to a small app on
//! loopback, and prints one line with the app's status.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assert_cmd::prelude::*;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use kling::client::{Client, SubmitOptions};
use kling::models::kling_plus::kling_o3_standard::text_to_video::Input;
use kling::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, sign};
use kling_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

/// The command without the user's webhook secret.
fn kling() -> Command {
    let mut cmd = Command::cargo_bin("kling").unwrap();
    cmd.env_remove("PIXELBYTE_WEBHOOK_SECRET");
    cmd
}

#[test]
fn webhook_verify_cases() {
    let dir = std::env::temp_dir().join(format!("kling-cli-hook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body_file = dir.join("body.json");
    let body = br#"{"jobId":"job_1","status":"completed"}"#;
    std::fs::write(&body_file, body).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let sig = kling::webhook::sign("whsec_t", now, body);
    let verify = |secrets: &[&str], env: Option<&str>, ts: u64, sig: &str| {
        let mut cmd = kling();
        cmd.args(["webhook", "verify"]);
        for secret in secrets {
            cmd.args(["--secret", secret]);
        }
        if let Some(env) = env {
            cmd.env("PIXELBYTE_WEBHOOK_SECRET", env);
        }
        cmd.args(["--timestamp", &ts.to_string(), "--signature", sig])
            .args(["--body-file", body_file.to_str().unwrap()]);
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, _) = verify(&["whsec_t"], None, now, &sig);
    assert_eq!((code, stdout.trim()), (0, "valid"));
    let (code, _, stderr) = verify(&["whsec_other"], None, now, &sig);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("invalid: the signature does not match"),
        "{stderr}"
    );
    let out = kling()
        .args(["webhook", "verify", "--secret", "whsec_other", "--json"])
        .args(["--timestamp", &now.to_string(), "--signature", &sig])
        .args(["--body-file", body_file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["code"], "invalid_signature");
    let old = now - 1000;
    let (code, _, stderr) = verify(
        &["whsec_t"],
        None,
        old,
        &kling::webhook::sign("whsec_t", old, body),
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("s old, more than the 300 s allowed"),
        "{stderr}"
    );
    let (code, _, stderr) = verify(&["whsec_t"], None, now, "md5=abc");
    assert_eq!(code, 1);
    assert!(stderr.contains("not `sha256=<hex>`"), "{stderr}");

    // A rotation: signed with the second of two secrets, given as flags or in the variable.
    let (code, stdout, stderr) = verify(&["whsec_old", "whsec_t"], None, now, &sig);
    assert_eq!((code, stdout.trim()), (0, "valid"), "{stderr}");
    let (code, stdout, stderr) = verify(&[], Some("whsec_old, whsec_t"), now, &sig);
    assert_eq!((code, stdout.trim()), (0, "valid"), "{stderr}");
    let (code, _, _) = verify(&["whsec_old"], Some("whsec_t"), now, &sig);
    assert_eq!(code, 1, "flags beat the variable");
    let secret_file = dir.join("secrets");
    std::fs::write(&secret_file, "whsec_old\n\nwhsec_t\n").unwrap();
    let out = kling()
        .args([
            "webhook",
            "verify",
            "--secret-file",
            secret_file.to_str().unwrap(),
        ])
        .args(["--timestamp", &now.to_string(), "--signature", &sig])
        .args(["--body-file", body_file.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict, serde_json::json!({"valid": true}));

    let (code, _, stderr) = verify(&[], None, now, &sig);
    assert_eq!(code, 2);
    assert!(stderr.contains("PIXELBYTE_WEBHOOK_SECRET"), "{stderr}");
}

/// A `kling webhook listen` process, its stdout lines, killed and reaped on drop.
struct Listen {
    child: Child,
    lines: Receiver<String>,
    url: String,
}

impl Drop for Listen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts a listener verifying with the secrets of `PIXELBYTE_WEBHOOK_SECRET` and forwarding
/// to `forward_to`; returns once it accepts connections.
async fn listen(secrets: &str, forward_to: &str, extra: &[&str]) -> Listen {
    let port = free_port();
    let mut child = kling()
        .env("PIXELBYTE_WEBHOOK_SECRET", secrets)
        .args(["webhook", "listen", "--port", &port.to_string()])
        .args(["--forward-to", forward_to])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    let listen = Listen {
        child,
        lines,
        url: format!("http://127.0.0.1:{port}/hook"),
    };
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return listen;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the listener did not start");
}

type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// The app the listener forwards to: records each request and answers 202.
async fn app() -> (String, Seen) {
    let seen = Seen::default();
    let sink = seen.clone();
    let app = axum::Router::new().route(
        "/app",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| async move {
            sink.lock().unwrap().push((headers, body));
            StatusCode::ACCEPTED
        }),
    );
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/app", socket.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(socket, app).await });
    (url, seen)
}

/// The next line the listener prints, waiting up to ten seconds.
async fn next_line(listen: &Listen) -> String {
    for _ in 0..400 {
        if let Ok(line) = listen.lines.try_recv() {
            return line;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the listener printed nothing");
}

/// Posts `body` to the listener signed with `secret` now, as a sender would; answers the status.
async fn deliver(listen: &Listen, secret: &str, body: &[u8]) -> u16 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    reqwest::Client::new()
        .post(&listen.url)
        .header(TIMESTAMP_HEADER, now.to_string())
        .header(SIGNATURE_HEADER, sign(secret, now, body))
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_deliveries_are_forwarded_with_their_headers_and_body() {
    let mut config = SandboxConfig::for_tests();
    config.webhook_secret = "whsec_new".into();
    let sandbox = Sandbox::start(config).await.unwrap();
    let (app_url, seen) = app().await;
    let listen = listen("whsec_old,whsec_new", &app_url, &[]).await;

    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let options = SubmitOptions {
        webhook_url: Some(listen.url.clone()),
        ..SubmitOptions::default()
    };
    let job = client
        .submit_with(&Input::new("a paper boat"), options)
        .await
        .unwrap();
    let line = next_line(&listen).await;
    assert!(
        line.starts_with(&format!("{} completed http", job.id)),
        "{line}"
    );
    assert!(line.ends_with(" -> forwarded, 202"), "{line}");

    let (headers, body) = seen.lock().unwrap()[0].clone();
    let event = Verifier::new("whsec_new")
        .verify_headers(&headers, &body)
        .expect("the original signature still holds: same headers, same bytes");
    assert_eq!(event.job_id, job.id);
    assert_eq!(headers["content-type"], "application/json");

    // A forged delivery is refused with 401 and reaches neither the app nor stdout.
    let forged = br#"{"jobId":"job_forged","status":"completed"}"#;
    let answer = deliver(&listen, "whsec_guess", forged).await;
    assert_eq!(answer, 401);
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(listen.lines.try_recv().is_err());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_app_gets_the_sender_a_502() {
    let dead = format!("http://127.0.0.1:{}/app", free_port());
    let listen = listen("whsec_a", &dead, &["--json"]).await;
    let body = br#"{"jobId":"job_1","status":"failed","error":{"code":"GENERATION_FAILED","message":"no"}}"#;
    let answer = deliver(&listen, "whsec_a", body).await;
    assert_eq!(answer, 502, "the sender will retry");
    let line: Value = serde_json::from_str(&next_line(&listen).await).unwrap();
    assert_eq!(line["job_id"], "job_1");
    assert_eq!(line["error"]["code"], "GENERATION_FAILED");
    let why = line["forwarded"]["error"].as_str().unwrap();
    assert!(why.contains("refused"), "the cause is named: {why}");
}
