//! The client against the sandbox over loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use kling::api::{ErrorCode, JobStatus};
use kling::client::{
    Charge, Client, Error, JobFilter, Outcome, RetryPolicy, SubmitOptions, WaitOptions,
};
use kling::models::kling::kling_omni_o1::image_to_video as omni_i2v;
use kling::models::kling_plus::kling_o3_standard::text_to_video as o3;
use kling::prelude::*;
use kling_sandbox::{ApiKey, Envelope, Sandbox, SandboxConfig, Scope};

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_millis(50),
    }
}

fn quick_wait() -> WaitOptions {
    WaitOptions {
        min_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(100),
        ..WaitOptions::default()
    }
}

async fn start(config: SandboxConfig) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(sandbox.base_url())
        .retry(fast_retries(5))
        .build()
        .expect("client");
    (sandbox, client)
}

#[tokio::test]
async fn typed_and_dynamic_submits_wait_to_completion() {
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    let input = o3::Input::new("a paper boat")
        .duration(o3::Duration::Seconds8)
        .has_sound(true);
    let job = client.submit(&input).await.unwrap();
    assert!(job.id.starts_with("job_"));
    assert_eq!(job.status, JobStatus::Pending);
    assert_eq!(job.cost, input.cost());
    assert_eq!(job.charge(), Charge::AsEstimated);
    assert!(job.estimated_completion.is_some());
    assert!(
        job.request_id
            .as_deref()
            .is_some_and(|r| r.starts_with("req_"))
    );

    let outcome = client.wait(&job, quick_wait()).await.unwrap();
    let Outcome::Completed(done) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(done.outputs[0].kind, kling::api::OutputType::Video);
    assert!(done.outputs[0].url.ends_with("/output_0.mp4"));
    assert!(done.outputs[0].thumbnail.is_some() && done.outputs[0].poster_image.is_some());
    let polls = sandbox.stats().status_requests;
    assert!(
        polls <= 3,
        "the first poll comes near the ETA: {polls} status requests"
    );

    let id: ModelId = "kling/kling-omni-o1/image-to-video".parse().unwrap();
    let json = serde_json::json!({"prompt": "a cat", "image_url": "https://example.com/cat.png", "quality": "pro"});
    let job = client
        .submit_json(id, json, SubmitOptions::default())
        .await
        .unwrap();
    assert_eq!(job.cost, MicroCents::new(70_000 * 5 * 3 / 2));
    assert!(matches!(
        client.wait_id(&job.id, quick_wait(), |_| {}).await.unwrap(),
        Outcome::Completed(_)
    ));

    let typed = omni_i2v::Input::new("a cat", "https://example.com/cat.png");
    assert_eq!(
        client.estimate(&typed).await.unwrap().estimated,
        typed.cost()
    );
}

#[tokio::test]
async fn nothing_is_sent_for_invalid_or_over_budget_inputs() {
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    let too_long = o3::Input::new("x".repeat(2501));
    let Err(Error::InvalidInput(v)) = client.submit(&too_long).await else {
        panic!()
    };
    assert_eq!(v[0].path, "/prompt");
    let pricey = o3::Input::new("x")
        .duration(o3::Duration::Seconds15)
        .has_sound(true);
    let options = SubmitOptions {
        budget: Some(MicroCents::from_usd("1").unwrap()),
        ..SubmitOptions::default()
    };
    let Err(Error::OverBudget { cost, budget }) = client.submit_with(&pricey, options).await else {
        panic!()
    };
    assert_eq!((cost.get(), budget.get()), (1_890_000, 1_000_000));
    let id: ModelId = "kling-plus/kling-o3-standard/text-to-video"
        .parse()
        .unwrap();
    let Err(Error::InvalidInput(v)) = client
        .submit_json(
            id,
            serde_json::json!({"prompt": 5}),
            SubmitOptions::default(),
        )
        .await
    else {
        panic!()
    };
    assert_eq!(v[0].path, "/prompt");
    let options = SubmitOptions {
        webhook_url: Some("http://example.com/hook".into()),
        ..SubmitOptions::default()
    };
    assert!(matches!(
        client.submit_with(&o3::Input::new("x"), options).await,
        Err(Error::Config(_))
    ));
    assert_eq!(sandbox.stats().submit_requests, 0);
}

#[tokio::test]
async fn api_errors_map_to_typed_codes() {
    let mut config = SandboxConfig::for_tests();
    config.api_keys.push(ApiKey {
        key: "pb_reader".into(),
        scopes: vec![Scope::CheckStatus],
    });
    config.balance = Some(MicroCents::new(500_000));
    let (sandbox, client) = start(config).await;
    let input = o3::Input::new("x");

    let wrong = Client::builder()
        .api_key("pb_wrong")
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let err = wrong.submit(&input).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidApiKey));
    assert_eq!(err.api().unwrap().status, 401);
    assert!(err.api().unwrap().request_id.is_some());

    let reader = Client::builder()
        .api_key("pb_reader")
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    assert_eq!(
        reader.submit(&input).await.unwrap_err().code(),
        Some(&ErrorCode::OperationNotAllowed)
    );

    client.submit(&input).await.unwrap();
    let err = client.submit(&input).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InsufficientBalance));
    assert_eq!(err.api().unwrap().status, 402);

    let err = client.job("job_nope").await.unwrap_err();
    assert_eq!(
        (err.code(), err.api().map(|e| e.status)),
        (Some(&ErrorCode::JobNotFound), Some(404))
    );
    assert_eq!(sandbox.stats().jobs_created, 1);

    let mut config = SandboxConfig::for_tests();
    config.faults.submit_unavailable = 1.0;
    let (sandbox, _) = start(config).await;
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(sandbox.base_url())
        .retry(fast_retries(2))
        .build()
        .unwrap();
    let err = client.submit(&input).await.unwrap_err();
    assert_eq!(
        (err.code(), err.api().map(|e| e.status)),
        (Some(&ErrorCode::PubsubPublishFailed), Some(503))
    );
    assert_eq!(
        (
            sandbox.stats().submit_requests,
            sandbox.stats().jobs_created
        ),
        (2, 0)
    );
}

#[tokio::test]
async fn concurrency_429_is_retried_with_a_capped_retry_after() {
    let mut config = SandboxConfig::for_tests();
    config.max_concurrent = Some(1);
    config.speed = 1.0; // the first job runs for minutes: the server asks to retry much later
    let (sandbox, client) = start(config).await;
    client.submit(&o3::Input::new("x")).await.unwrap();
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(sandbox.base_url())
        .retry(fast_retries(3))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.submit(&o3::Input::new("x")).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::ConcurrentJobsExceeded));
    assert!(err.api().unwrap().retry_after().unwrap() > Duration::from_secs(60));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "retryAfter is capped, not waited in full"
    );
    assert_eq!(
        sandbox.stats().submit_requests,
        4,
        "one first job, then three attempts"
    );
    assert_eq!(sandbox.stats().jobs_created, 1);
}

#[tokio::test]
async fn submits_are_retried_only_where_no_job_can_exist() {
    let mut config = SandboxConfig::for_tests();
    config.seed = 11;
    config.faults.submit_unavailable = 0.5;
    let (sandbox, client) = start(config).await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        match client.submit(&o3::Input::new("x")).await {
            Ok(job) => ids.push(job.id),
            Err(e) => assert_eq!(
                e.code(),
                Some(&ErrorCode::PubsubPublishFailed),
                "only exhausted 503s fail"
            ),
        }
    }
    let stats = sandbox.stats();
    assert!(stats.submits_refused_unavailable > 0, "faults happened");
    assert_eq!(stats.jobs_created as usize, ids.len(), "no duplicate job");
    assert_eq!(sandbox.job_ids(), ids, "and no job unaccounted for");
}

#[tokio::test]
async fn a_dropped_submit_reports_an_unknown_outcome() {
    let mut config = SandboxConfig::for_tests();
    config.faults.drop_connection = 1.0;
    let (sandbox, client) = start(config).await;
    let err = client.submit(&o3::Input::new("x")).await.unwrap_err();
    let Error::SubmitOutcomeUnknown {
        model,
        estimated_cost,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (model.as_str(), estimated_cost.get()),
        ("kling-plus/kling-o3-standard/text-to-video", 420_000)
    );
    assert!(err.to_string().contains("list your recent jobs"));
    assert_eq!(sandbox.stats().submit_requests, 1, "never retried");
    assert_eq!(
        sandbox.stats().jobs_created,
        1,
        "the job does exist: the outcome really was unknown"
    );

    // Reads retry through drops and injected 500s.
    let mut config = SandboxConfig::for_tests();
    config.seed = 3;
    config.faults.read_error = 0.5;
    let (sandbox, client) = start(config).await;
    let job = client.submit(&o3::Input::new("x")).await.unwrap();
    assert!(matches!(
        client.wait(&job, quick_wait()).await.unwrap(),
        Outcome::Completed(_)
    ));
    assert!(sandbox.stats().read_errors_injected > 0 || sandbox.stats().status_requests == 1);
}

#[tokio::test]
async fn failed_cancelled_and_timed_out_jobs_are_distinct_outcomes() {
    let mut config = SandboxConfig::for_tests();
    config.faults.failed_generation = 1.0;
    let (_sandbox, client) = start(config).await;
    let job = client.submit(&o3::Input::new("x")).await.unwrap();
    let Outcome::Failed { error, .. } = client.wait(&job, quick_wait()).await.unwrap() else {
        panic!()
    };
    assert_eq!(error.code, ErrorCode::GenerationFailed);

    let mut config = SandboxConfig::for_tests();
    config.speed = 1.0; // pending for 24 s
    config.balance = Some(MicroCents::new(1_000_000));
    let (sandbox, client) = start(config).await;
    let job = client.submit(&o3::Input::new("x")).await.unwrap();
    let options = WaitOptions {
        timeout: Duration::from_millis(200),
        cancel_if_pending: true,
        ..quick_wait()
    };
    let outcome = client.wait(&job, options).await.unwrap();
    let Outcome::TimedOut {
        job_id,
        last,
        cancelled,
    } = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        (job_id.as_str(), &last.status, *cancelled),
        (job.id.as_str(), &JobStatus::Pending, true)
    );
    assert_eq!(sandbox.balance().unwrap().get(), 1_000_000, "refunded");

    let job = client.submit(&o3::Input::new("x")).await.unwrap();
    let options = WaitOptions {
        timeout: Duration::from_millis(50),
        ..quick_wait()
    };
    let Outcome::TimedOut {
        cancelled: false, ..
    } = client.wait(&job, options).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(
        client.cancel(&job.id).await.unwrap().refunded.get(),
        420_000
    );
    assert!(matches!(
        client.wait_id(&job.id, quick_wait(), |_| {}).await.unwrap(),
        Outcome::Cancelled(_)
    ));
}

#[tokio::test]
async fn progress_events_follow_the_job() {
    let (_sandbox, client) = start(SandboxConfig::for_tests()).await;
    let job = client.submit(&o3::Input::new("x")).await.unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    client
        .wait_with_progress(&job, quick_wait(), move |p| {
            sink.lock().unwrap().push(p.clone())
        })
        .await
        .unwrap();
    let events = events.lock().unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (&last.status, last.progress, last.polls as usize),
        (&JobStatus::Completed, Some(100), events.len())
    );
}

#[tokio::test]
async fn listing_streams_every_page() {
    let (_sandbox, client) = start(SandboxConfig::for_tests()).await;
    for i in 0..23 {
        if i % 4 == 0 {
            client
                .submit(&omni_i2v::Input::new("x", "https://example.com/a.png"))
                .await
                .unwrap();
        } else {
            client.submit(&o3::Input::new("x")).await.unwrap();
        }
    }
    let all: Vec<_> = client
        .jobs(JobFilter {
            page_size: Some(5),
            ..JobFilter::default()
        })
        .collect()
        .await;
    assert_eq!(all.len(), 23);
    assert!(all.iter().all(Result::is_ok));
    let filter = JobFilter {
        model: Some("kling/kling-omni-o1/image-to-video".into()),
        ..JobFilter::default()
    };
    assert_eq!(client.jobs(filter).count().await, 6);
}

#[tokio::test]
async fn both_envelopes_are_understood() {
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    sandbox.set_envelope(Envelope::Wrapped);
    let job = client.submit(&o3::Input::new("x")).await.unwrap();
    assert!(job.id.starts_with("job_"));
    assert!(matches!(
        client.wait(&job, quick_wait()).await.unwrap(),
        Outcome::Completed(_)
    ));
    assert_eq!(client.jobs(JobFilter::default()).count().await, 1);
}

#[tokio::test]
async fn uploads_return_a_url_for_inputs() {
    let (_sandbox, client) = start(SandboxConfig::for_tests()).await;
    let file = client
        .upload_bytes("cat.png", "image/png", vec![137, 80, 78, 71])
        .await
        .unwrap();
    let bytes = reqwest::get(&file.url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], &[137, 80, 78, 71]);
    let job = client
        .submit(&omni_i2v::Input::new("a cat", file.url.clone()))
        .await
        .unwrap();
    assert!(job.id.starts_with("job_"));

    let dir = std::env::temp_dir().join(format!("kling-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("clip.mp4");
    std::fs::write(&path, b"not really a video").unwrap();
    assert!(
        client
            .upload_path(&path)
            .await
            .unwrap()
            .url
            .ends_with("/clip.mp4")
    );
    assert!(matches!(
        client.upload_path(dir.join("notes.txt")).await,
        Err(Error::Config(_))
    ));
    assert!(matches!(
        client.upload_path(dir.join("missing.png")).await,
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A client of a hand-made API on loopback, for answers the sandbox never gives.
async fn serve(app: axum::Router) -> Client {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Client::builder()
        .api_key("pb_x")
        .base_url(format!("http://{addr}/v1"))
        .retry(fast_retries(2))
        .build()
        .unwrap()
}

#[tokio::test]
async fn unreadable_answers_keep_the_raw_body() {
    let app = axum::Router::new()
        .route(
            "/v1/jobs/{id}",
            axum::routing::get(|| async { "<html>maintenance</html>" }),
        )
        .route(
            "/v1/jobs/submit",
            axum::routing::post(|| async {
                (axum::http::StatusCode::BAD_GATEWAY, "upstream down")
            }),
        );
    let client = serve(app).await;
    let Err(Error::Decode { body, status, .. }) = client.job("job_1").await else {
        panic!()
    };
    assert_eq!((body.as_str(), status), ("<html>maintenance</html>", 200));
    // A gateway's 502 on a submit proves nothing: the body is kept in the unknown outcome.
    let err = client.submit(&o3::Input::new("x")).await.unwrap_err();
    let Error::SubmitOutcomeUnknown { status, reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*status, Some(502));
    assert!(reason.contains("upstream down"), "{reason}");
}

#[tokio::test]
async fn answers_missing_a_required_member_are_decode_errors_with_the_body() {
    let app = axum::Router::new()
        .route(
            "/v1/jobs/{id}",
            axum::routing::get(
                |axum::extract::Path(id): axum::extract::Path<String>| async move {
                    // No `status`: the client must not guess one.
                    axum::Json(serde_json::json!({"jobId": id, "progress": 50}))
                },
            ),
        )
        .route(
            "/v1/jobs",
            axum::routing::get(|| async {
                axum::Json(serde_json::json!({"success": true, "data": {"hasMore": false}}))
            }),
        );
    let client = serve(app).await;
    // The id travels as one percent-encoded segment and comes back whole.
    let Err(Error::Decode {
        operation,
        message,
        body,
        ..
    }) = client.job("job 1/../x").await
    else {
        panic!()
    };
    assert_eq!(
        (operation, message.as_str(), body.as_str()),
        (
            "job",
            "missing field `status`",
            r#"{"jobId":"job 1/../x","progress":50}"#
        )
    );
    let listed: Vec<_> = client.jobs(JobFilter::default()).collect().await;
    let [Err(Error::Decode { message, body, .. })] = &listed[..] else {
        panic!("{listed:?}")
    };
    assert_eq!(message, "missing field `jobs`");
    assert!(body.contains(r#""hasMore":false"#), "{body}");
    assert!(matches!(
        client.cancel("..").await,
        Err(Error::Encode {
            operation: "cancel",
            ..
        })
    ));
}

#[tokio::test]
async fn plain_http_is_refused_for_remote_hosts() {
    let err = Client::builder()
        .api_key("pb_x")
        .base_url("http://api.muvi.video/v1")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("refusing the plain-http base URL"),
        "{err}"
    );
}

#[tokio::test]
async fn webhooks_from_the_sandbox_verify_with_the_sdk() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    sink.lock().unwrap().push((
                        header(kling::webhook::TIMESTAMP_HEADER),
                        header(kling::webhook::SIGNATURE_HEADER),
                        body.to_vec(),
                    ));
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    let options = SubmitOptions {
        webhook_url: Some(format!("http://{addr}/hook")),
        ..SubmitOptions::default()
    };
    let job = client
        .submit_with(&o3::Input::new("x"), options)
        .await
        .unwrap();
    for _ in 0..500 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (ts, sig, body) = received.lock().unwrap()[0].clone();
    let verifier = kling::webhook::Verifier::new(sandbox.webhook_secret());
    let event = verifier.verify_and_parse(&ts, &sig, &body).unwrap();
    assert_eq!(
        (event.job_id.as_str(), &event.status),
        (job.id.as_str(), &JobStatus::Completed)
    );
    assert!(event.outputs[0].url.ends_with("output_0.mp4"));
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("completed", "failed");
    assert!(verifier.verify(&ts, &sig, tampered.as_bytes()).is_err());
    assert!(
        kling::webhook::Verifier::new("whsec_wrong")
            .verify(&ts, &sig, &body)
            .is_err()
    );
}
