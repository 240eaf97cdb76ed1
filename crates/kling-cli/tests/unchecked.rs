//! `kling submit --unchecked`: the input goes as given and the server is its only judge and its
//! price, against an in-process sandbox whose counters show what was sent.

use kling_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

mod support;
use support::kling;

const MODEL: &str = "kling-plus/kling-o3-standard/text-to-video";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_crate_refuses_is_left_to_the_server() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let ratio = ["submit", MODEL, "prompt=x", "aspect_ratio=21:9"];
    let (code, _, stderr) = kling(&sandbox, &ratio).await;
    assert_eq!(code, 2, "checked: refused here: {stderr}");
    assert_eq!(sandbox.stats().submit_requests, 0);

    let (code, _, stderr) = kling(&sandbox, &[&ratio[..], &["--unchecked"]].concat()).await;
    assert_eq!(code, 3, "unchecked: refused by the API: {stderr}");
    assert!(stderr.contains("INVALID_INPUT"), "{stderr}");
    assert!(stderr.contains("the input is sent as given"), "{stderr}");
    assert_eq!(
        sandbox.stats().submit_requests,
        0,
        "refused by the estimate, never submitted"
    );

    let future = [
        "submit",
        "kling/kling-from-the-future/text-to-video",
        "prompt=x",
    ];
    let (code, _, stderr) = kling(&sandbox, &future).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown model"), "{stderr}");
    let (code, _, stderr) = kling(&sandbox, &[&future[..], &["--unchecked"]].concat()).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("MODEL_NOT_FOUND"), "{stderr}");

    // --max-cost applies to the server's estimate: $1.26 for 10 s with sound.
    let pricey = [
        "submit",
        MODEL,
        "prompt=x",
        "duration=10",
        "has_sound=true",
        "--unchecked",
    ];
    let (code, _, stderr) = kling(&sandbox, &[&pricey[..], &["--max-cost", "1"]].concat()).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("costs $1.26"), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert_eq!(sandbox.stats().jobs_created, 0);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchecked_submit_is_priced_by_the_server_and_waited_for() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let args = ["submit", MODEL, "prompt=x", "duration=10", "--unchecked"];
    let (code, stdout, stderr) =
        kling(&sandbox, &[&args[..], &["--wait", "--json"]].concat()).await;
    assert_eq!(code, 0, "{stderr}");
    let out: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (
            &out["model"],
            &out["estimated_cost_micro_cents"],
            &out["status"]
        ),
        (
            &Value::from(MODEL),
            &Value::from(840_000),
            &Value::from("completed")
        )
    );
    let (code, stdout, stderr) = kling(&sandbox, &args).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.trim().starts_with("job_"), "{stdout}");
    assert!(
        stderr.contains("Price (the server's estimate): $0.84"),
        "{stderr}"
    );
    assert_eq!(sandbox.stats().jobs_created, 2);
    sandbox.shutdown().await;
}
