//! `Client::submit_raw` against the sandbox: nothing is checked locally, the server's estimate
//! is the price, and a model or an option this crate does not know still works.

use std::time::Duration;

use kling::api::ErrorCode;
use kling::client::{Client, Error, Outcome, SubmitOptions, WaitOptions};
use kling::prelude::*;
use kling_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

const O3_T2V: &str = "kling-plus/kling-o3-standard/text-to-video";

async fn start(config: SandboxConfig) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(sandbox.base_url())
        .build()
        .expect("client");
    (sandbox, client)
}

fn quick_wait() -> WaitOptions {
    WaitOptions {
        min_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(100),
        ..WaitOptions::default()
    }
}

fn api_code(err: &Error) -> &ErrorCode {
    match err {
        Error::Api(api) => &api.code,
        other => panic!("not an API refusal: {other:?}"),
    }
}

#[tokio::test]
async fn an_option_the_types_refuse_is_left_to_the_server() {
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    let input = json!({"prompt": "a kite", "aspect_ratio": "21:9"});
    let model: ModelId = O3_T2V.parse().unwrap();
    assert!(
        model.validate_json(input.clone()).is_err(),
        "the typed layer refuses 21:9"
    );
    let err = client
        .submit_raw(O3_T2V, input, SubmitOptions::default())
        .await
        .unwrap_err();
    assert_eq!(api_code(&err), &ErrorCode::InvalidInput, "{err:?}");
    let stats = sandbox.stats();
    assert_eq!(
        (stats.submit_requests, stats.jobs_created),
        (0, 0),
        "refused by the estimate: nothing was submitted"
    );

    // A missing prompt does not stop an estimate, only the submit: refused all the same.
    let err = client
        .submit_raw(O3_T2V, json!({"duration": "5"}), SubmitOptions::default())
        .await
        .unwrap_err();
    assert_eq!(api_code(&err), &ErrorCode::InvalidInput, "{err:?}");
    let stats = sandbox.stats();
    assert_eq!((stats.submit_requests, stats.jobs_created), (1, 0));

    let err = client
        .submit_raw(
            "kling/kling-from-the-future/text-to-video",
            json!({"prompt": "x"}),
            SubmitOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(&err), &ErrorCode::ModelNotFound, "{err:?}");
}

#[tokio::test]
async fn a_valid_raw_input_is_priced_by_the_server_and_completes() {
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    let input = json!({"prompt": "a kite", "duration": "10", "has_sound": "true"});
    let job = client
        .submit_raw(O3_T2V, input.clone(), SubmitOptions::default())
        .await
        .unwrap();
    let typed = O3_T2V
        .parse::<ModelId>()
        .unwrap()
        .validate_json(input.clone());
    let list = typed.unwrap().cost();
    assert_eq!((job.estimated_cost, job.cost), (list, list));
    assert_eq!(
        job.processing_time,
        Duration::from_secs(240),
        "a known model"
    );
    assert!(matches!(
        client.wait(&job, quick_wait()).await.unwrap(),
        Outcome::Completed(_)
    ));

    // The budget applies to the server's estimate, before anything is submitted.
    let options = SubmitOptions {
        budget: Some(MicroCents::new(1_000_000)),
        ..SubmitOptions::default()
    };
    let Err(Error::OverBudget { cost, budget }) = client.submit_raw(O3_T2V, input, options).await
    else {
        panic!("over budget")
    };
    assert_eq!((cost, budget.get()), (list, 1_000_000));
    assert_eq!(sandbox.stats().jobs_created, 1, "the second was not sent");
}

/// A catalog for the sandbox with a model this crate has never heard of: o3's text-to-video
/// under a new slug, with a fourth aspect ratio.
fn future_catalog(dir: &std::path::Path, slug: &str) {
    let mut d = kling_sandbox::embedded_catalog()
        .unwrap()
        .remove(O3_T2V)
        .unwrap();
    d.slug = slug.to_string();
    d.model = "Kling Future".into();
    let mut text = serde_json::to_value(&d).unwrap();
    let fields = text["fields"].as_array_mut().unwrap();
    let ratio = fields
        .iter_mut()
        .find(|f| f["name"] == "aspect_ratio")
        .unwrap();
    ratio["options"].as_array_mut().unwrap().push(json!("21:9"));
    let path = dir.join(format!("{slug}.json"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(&text).unwrap()).unwrap();
}

#[tokio::test]
async fn a_model_and_an_option_this_crate_does_not_know_still_work() {
    let slug = "kling-plus/kling-o9-future/text-to-video";
    let dir = std::env::temp_dir().join(format!("kling-raw-{}", std::process::id()));
    future_catalog(&dir, slug);
    let config = SandboxConfig {
        schemas_dir: Some(dir.clone()),
        ..SandboxConfig::for_tests()
    };
    let (sandbox, client) = start(config).await;
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(slug.parse::<ModelId>().is_err(), "unknown to this crate");
    let input = json!({"prompt": "a kite", "aspect_ratio": "21:9"});
    let job = client
        .submit_raw(slug, input, SubmitOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (job.model.as_str(), job.cost.get(), job.processing_time),
        (slug, 420_000, Duration::ZERO)
    );
    let Outcome::Completed(done) = client.wait(&job, quick_wait()).await.unwrap() else {
        panic!("completes")
    };
    assert_eq!(done.model.as_deref(), Some(slug));
    assert_eq!(sandbox.stats().jobs_created, 1);
}
