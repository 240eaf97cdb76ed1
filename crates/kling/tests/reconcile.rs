//! `Client::reconcile` against the sandbox over loopback: adopting the one unclaimed job,
//! ambiguity, a job still to appear, a job never created, the window's bounds and paging.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use kling::client::{Client, Error, ReconcileOptions, Reconciled, RetryPolicy, UnknownSubmit};
use kling::models::kling_plus::kling_o3_standard::text_to_video as o3;
use kling::models::kling_plus::kling_o3_standard::video_edit as edit;
use kling::prelude::*;
use kling_sandbox::gateway::{Answer, Gateway};
use kling_sandbox::{Faults, Sandbox, SandboxConfig};

fn client(base_url: &str, key: &str) -> Client {
    Client::builder()
        .api_key(key)
        .base_url(base_url)
        .request_timeout(Duration::from_secs(5))
        .retry(RetryPolicy {
            max_attempts: 20,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            max_retry_after: Duration::from_millis(5),
        })
        .build()
        .unwrap()
}

fn boat() -> o3::Input {
    o3::Input::new("a paper boat")
}

const BOAT: &str = <o3::Input as Model>::SLUG;

/// A gap every clock sees: jobs created before it are older than anything created after.
async fn gap() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

fn tight() -> ReconcileOptions {
    ReconcileOptions::default()
        .clock_skew(Duration::from_millis(5))
        .window(Duration::from_millis(10))
}

#[tokio::test]
async fn the_one_job_of_a_lost_answer_is_adopted() {
    let config = SandboxConfig {
        seed: 3,
        faults: Faults {
            drop_connection: 0.5,
            ..Faults::default()
        },
        ..SandboxConfig::for_tests()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = client(&sandbox.base_url(), sandbox.api_key());
    let mut known = HashSet::new();
    let mut lost = None;
    for _ in 0..64 {
        match client.submit(&boat()).await {
            Ok(job) => {
                known.insert(job.id);
            }
            Err(e @ Error::SubmitOutcomeUnknown { .. }) => {
                lost = Some(e);
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let lost = lost.expect("half the answers are dropped: one submit's outcome is unknown");
    let submit = UnknownSubmit::from_error(&lost).unwrap();
    assert_eq!(submit.model, BOAT);
    assert_eq!(submit.list_price, Some(boat().cost()));
    let answer = client
        .reconcile(
            &submit,
            |id| known.contains(id),
            ReconcileOptions::default(),
        )
        .await
        .unwrap();
    let Reconciled::Adopted {
        job,
        assumed_charge,
    } = answer
    else {
        panic!("{answer:?}");
    };
    assert_eq!(assumed_charge, Some(boat().cost()));
    // The sandbox's own records: every job it created is known or the adopted one.
    let created: HashSet<String> = sandbox.job_ids().into_iter().collect();
    assert!(created.contains(&job.id) && !known.contains(&job.id));
    assert_eq!(created.len(), known.len() + 1);
}

#[tokio::test]
async fn only_unclaimed_jobs_of_the_model_inside_the_window_are_candidates() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let client = client(&sandbox.base_url(), sandbox.api_key());
    for _ in 0..12 {
        client.submit(&boat()).await.unwrap();
    }
    gap().await;
    let sent_at = SystemTime::now();
    let mine = client.submit(&boat()).await.unwrap();
    let other_model = edit::Input::new("make it snow", "https://example.com/v.mp4");
    client.submit(&other_model).await.unwrap();
    let until = SystemTime::now();
    gap().await;
    let later = client.submit(&boat()).await.unwrap();

    // The window ends right after `mine`: `later` is past it by more than the skew.
    let submit = UnknownSubmit::new(BOAT, sent_at);
    let window = until.duration_since(sent_at).unwrap() + Duration::from_millis(1);
    let tight = tight().window(window);
    let lists = sandbox.stats().list_requests;
    let answer = client
        .reconcile(&submit, |_| false, tight.page_size(5))
        .await
        .unwrap();
    assert!(
        matches!(&answer, Reconciled::Adopted { job, assumed_charge: None } if job.id == mine.id),
        "{answer:?}"
    );
    // Newest first: the first page already reaches the jobs before the window; paging stops.
    assert_eq!(sandbox.stats().list_requests - lists, 1);

    // Claimed jobs are never candidates.
    let answer = client
        .reconcile(&submit, |id| id == mine.id, tight)
        .await
        .unwrap();
    assert_eq!(answer, Reconciled::NotCreated);

    // A window reaching back over every job finds them all (three pages of five), newest first.
    let wide = UnknownSubmit::new(BOAT, SystemTime::now() - Duration::from_secs(3600));
    let lists = sandbox.stats().list_requests;
    let answer = client
        .reconcile(
            &wide,
            |_| false,
            ReconcileOptions::default()
                .window(Duration::from_secs(7200))
                .page_size(5),
        )
        .await
        .unwrap();
    let Reconciled::Ambiguous { candidates } = answer else {
        panic!("{answer:?}");
    };
    assert_eq!(candidates.len(), 14);
    assert_eq!(candidates[0].id, later.id);
    assert_eq!(sandbox.stats().list_requests - lists, 3);
}

#[tokio::test]
async fn two_unclaimed_jobs_are_ambiguous_and_listed() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let client = client(&sandbox.base_url(), sandbox.api_key());
    let sent_at = SystemTime::now();
    let first = client.submit(&boat()).await.unwrap();
    let second = client.submit(&boat()).await.unwrap();
    let answer = client
        .reconcile(
            &UnknownSubmit::new(BOAT, sent_at),
            |_| false,
            ReconcileOptions::default(),
        )
        .await
        .unwrap();
    let Reconciled::Ambiguous { candidates } = answer else {
        panic!("{answer:?}");
    };
    let ids: Vec<&str> = candidates.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, [second.id.as_str(), first.id.as_str()]);
}

#[tokio::test]
async fn a_request_lost_before_the_api_is_none_yet_then_not_created() {
    // A gateway in front of the API answers 502: the API never saw the request.
    let gateway = Gateway::start(Answer::html(502, "<html>Bad Gateway</html>"))
        .await
        .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let key = sandbox.api_key().to_string();
    let lost = client(&gateway.base_url(), &key)
        .submit(&boat())
        .await
        .unwrap_err();
    gateway.shutdown().await;
    let client = client(&sandbox.base_url(), &key);
    let submit = UnknownSubmit::from_error(&lost).unwrap();

    let hour = ReconcileOptions::default().window(Duration::from_secs(3600));
    let answer = client.reconcile(&submit, |_| false, hour).await.unwrap();
    let Reconciled::NoneYet { window_ends } = answer else {
        panic!("{answer:?}");
    };
    assert_eq!(
        window_ends,
        submit.sent_at + submit.sent_within + Duration::from_secs(3600)
    );

    let long_ago = UnknownSubmit::new(BOAT, SystemTime::now() - Duration::from_secs(10));
    let answer = client
        .reconcile(&long_ago, |_| false, tight())
        .await
        .unwrap();
    assert_eq!(answer, Reconciled::NotCreated);
    assert_eq!(sandbox.stats().jobs_created, 0);
}

#[tokio::test]
async fn a_listing_that_fails_proves_nothing() {
    let gateway = Gateway::start(Answer::api_error(500, "INTERNAL_ERROR"))
        .await
        .unwrap();
    let client = client(&gateway.base_url(), "pb_test");
    let result = client
        .reconcile(
            &UnknownSubmit::new(BOAT, SystemTime::now()),
            |_| false,
            ReconcileOptions::default(),
        )
        .await;
    assert!(
        matches!(result, Err(Error::ServerFailed { .. })),
        "{result:?}"
    );
    gateway.shutdown().await;
}

#[test]
fn only_unknown_outcomes_describe_a_submit() {
    assert!(UnknownSubmit::from_error(&Error::Config("x".into())).is_none());
    let sent_at = SystemTime::now();
    let unknown = Error::SubmitOutcomeUnknown {
        model: BOAT.into(),
        estimated_cost: MicroCents::new(7),
        status: Some(502),
        reason: "lost".into(),
        sent_at,
    };
    let submit = UnknownSubmit::from_error(&unknown).unwrap();
    // The error's time is when the request left, so the window starts there.
    assert_eq!(submit.sent_at, sent_at);
    assert_eq!(submit.sent_within, Duration::ZERO);
    assert_eq!(submit.list_price, Some(MicroCents::new(7)));
}

#[tokio::test]
async fn an_unknown_outcome_is_dated_when_the_request_left_not_when_it_failed() {
    // A gateway that never answers: the failure is seen a request timeout after sending.
    let gateway = Gateway::start(Answer::Silence).await.unwrap();
    let timeout = Duration::from_millis(400);
    let client = Client::builder()
        .api_key("pb_test")
        .base_url(gateway.base_url())
        .request_timeout(timeout)
        .build()
        .unwrap();
    let before = SystemTime::now();
    let lost = client.submit(&boat()).await.unwrap_err();
    let seen = SystemTime::now();
    gateway.shutdown().await;
    let Error::SubmitOutcomeUnknown { sent_at, .. } = lost else {
        panic!("{lost:?}");
    };
    assert!(sent_at >= before, "stamped during the call");
    // The timer cannot fire before the timeout, so a time stamped when the failure was seen
    // would be less than `timeout` before `seen`.
    assert!(
        seen.duration_since(sent_at).unwrap() >= timeout,
        "stamped before sending: {:?} before the failure was seen",
        seen.duration_since(sent_at)
    );
}
