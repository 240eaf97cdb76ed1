//! A whole client session, failures included, never shows the API key or the webhook secret in
//! Debug, Display, errors or tracing output.

use std::time::Duration;

use kling::client::{Client, RetryPolicy, WaitOptions};
use kling::models::kling_plus::kling_o3_standard::text_to_video::Input;
use kling_sandbox::{ApiKey, Sandbox, SandboxConfig};

mod support;

#[tokio::test]
async fn secrets_never_appear_in_output() {
    const KEY: &str = "pb_live_7f3a9c_super_secret";
    const SECRET: &str = "whsec_do_not_print_me";
    let (logs, _guard) = support::Logs::capture();

    let mut config = SandboxConfig::for_tests();
    config.api_keys = vec![ApiKey::new(KEY)];
    config.webhook_secret = SECRET.into();
    config.faults.read_error = 0.3;
    let sandbox = Sandbox::start(config).await.unwrap();
    let retry = RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    let client = Client::builder()
        .api_key(KEY)
        .base_url(sandbox.base_url())
        .retry(retry)
        .build()
        .unwrap();
    let mut shown = vec![
        format!("{client:?}"),
        format!("{sandbox:?}"),
        format!("{:?}", kling::webhook::Verifier::new(SECRET)),
    ];

    let job = client.submit(&Input::new("x")).await.unwrap();
    shown.push(format!("{job:?}"));
    let options = WaitOptions {
        min_interval: Duration::from_millis(5),
        ..WaitOptions::default()
    };
    shown.push(format!("{:?}", client.wait(&job, options).await));
    let wrong = Client::builder()
        .api_key(format!("{KEY}_x"))
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let err = wrong.submit(&Input::new("x")).await.unwrap_err();
    shown.push(format!("{err:?}"));
    shown.push(err.to_string());
    let refused = Client::builder()
        .api_key(KEY)
        .base_url("http://example.com/v1")
        .build()
        .unwrap_err();
    shown.push(format!("{refused:?} {refused}"));
    let unreachable = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9/v1")
        .retry(RetryPolicy {
            max_attempts: 1,
            ..retry
        })
        .build()
        .unwrap();
    let err = unreachable.job("job_1").await.unwrap_err();
    shown.push(format!("{err:?} {err}"));

    let logs = logs.text();
    assert!(logs.contains("pixelbyte"), "tracing output was captured");
    shown.push(logs);
    for text in &shown {
        assert!(
            !text.contains("super_secret") && !text.contains(KEY),
            "the key leaked in: {text}"
        );
        assert!(
            !text.contains(SECRET),
            "the webhook secret leaked in: {text}"
        );
    }
}
