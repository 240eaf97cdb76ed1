//! Every row of the "what an answer to a submit proves" table in `kling::client`'s docs, against
//! a loopback gateway that gives the answer the row describes.

use std::time::Duration;

use kling::client::{Client, Error, RetryPolicy};
use kling::models::kling_plus::kling_o3_standard::text_to_video as o3;
use kling_sandbox::gateway::{Answer, Gateway};

const ATTEMPTS: u32 = 3;

fn client(base_url: &str) -> Client {
    Client::builder()
        .api_key("pb_test")
        .base_url(base_url)
        .request_timeout(Duration::from_millis(500))
        .retry(RetryPolicy {
            max_attempts: ATTEMPTS,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            max_retry_after: Duration::from_millis(2),
        })
        .build()
        .unwrap()
}

fn envelope(code: &str) -> String {
    format!(
        r#"{{"success":false,"error":{{"code":"{code}","message":"said by the API","details":{{"retryAfter":0}}}},"requestId":"req_1"}}"#
    )
}

/// Submits once through a gateway giving `answer`; returns the result and how many requests it saw.
async fn submit_through(answer: Answer) -> (Result<kling::client::Job, Error>, u64) {
    let gateway = Gateway::start(answer).await.unwrap();
    let result = client(&gateway.base_url())
        .submit(&o3::Input::new("a paper boat"))
        .await;
    let requests = gateway.requests();
    gateway.shutdown().await;
    (result, requests)
}

#[tokio::test]
async fn answers_that_prove_no_job_are_refusals() {
    for (status, code) in [
        (400, "INVALID_INPUT"),
        (401, "INVALID_API_KEY"),
        (402, "INSUFFICIENT_BALANCE"),
        (403, "MODEL_ACCESS_DENIED"),
        (404, "MODEL_NOT_FOUND"),
    ] {
        let (result, requests) = submit_through(Answer::json(status, envelope(code))).await;
        let err = result.unwrap_err();
        let api = err.api().unwrap_or_else(|| panic!("{status}: {err:?}"));
        assert_eq!((api.status, api.code.as_str()), (status, code));
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert_eq!(requests, 1, "{status} is never retried");
    }
    // The two refusals the API documents as temporary are retried until the attempts run out.
    for (status, code) in [
        (429, "CONCURRENT_JOBS_EXCEEDED"),
        (503, "PUBSUB_PUBLISH_FAILED"),
    ] {
        let (result, requests) = submit_through(Answer::json(status, envelope(code))).await;
        let err = result.unwrap_err();
        assert_eq!(err.api().map(|e| e.status), Some(status), "{err:?}");
        assert_eq!(requests, u64::from(ATTEMPTS), "{code} is retried");
    }
}

#[tokio::test]
async fn a_refused_connection_proves_no_job_and_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let err = client(&url)
        .submit(&o3::Input::new("a paper boat"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn a_decodable_2xx_proves_a_job() {
    let body =
        r#"{"jobId":"job_1","requestId":"req_1","status":"pending","costMicroCents":420000}"#;
    let (result, requests) = submit_through(Answer::json(200, body)).await;
    let job = result.unwrap();
    assert_eq!(
        (job.id.as_str(), job.cost.get(), requests),
        ("job_1", 420_000, 1)
    );
}

#[tokio::test]
async fn answers_that_prove_nothing_are_unknown_outcomes_never_retried() {
    let rows = [
        (
            Answer::json(500, envelope("INTERNAL_ERROR")),
            Some(500),
            "INTERNAL_ERROR",
        ),
        (
            Answer::json(500, envelope("CONFIG_ERROR")),
            Some(500),
            "CONFIG_ERROR",
        ),
        (
            Answer::json(503, envelope("INTERNAL_ERROR")),
            Some(503),
            "INTERNAL_ERROR",
        ),
        (
            Answer::html(502, "<html>Bad Gateway</html>"),
            Some(502),
            "<html>Bad Gateway</html>",
        ),
        (Answer::html(504, ""), Some(504), "empty body"),
        (
            Answer::html(503, "Service Unavailable"),
            Some(503),
            "Service Unavailable",
        ),
        (
            Answer::html(408, "<html>Request Timeout</html>"),
            Some(408),
            "Request Timeout",
        ),
        (
            Answer::html(413, "<html>Payload Too Large</html>"),
            Some(413),
            "Payload Too Large",
        ),
        (
            Answer::html(200, "<html>welcome</html>"),
            Some(200),
            "<html>welcome</html>",
        ),
        (
            Answer::json(200, r#"{"status":"pending"}"#),
            Some(200),
            "no jobId",
        ),
        (Answer::json(201, ""), Some(201), "no jobId"),
        (Answer::Reset, None, "after the request was sent"),
        (Answer::Silence, None, "timed out"),
    ];
    for (answer, status, shown) in rows {
        let described = format!("{answer:?}");
        let (result, requests) = submit_through(answer).await;
        let err = result.unwrap_err();
        let Error::SubmitOutcomeUnknown {
            model,
            estimated_cost,
            status: got,
            reason,
            ..
        } = &err
        else {
            panic!("{described}: {err:?}")
        };
        assert_eq!(
            (model.as_str(), estimated_cost.get(), *got),
            (
                "kling-plus/kling-o3-standard/text-to-video",
                420_000,
                status
            ),
            "{described}"
        );
        assert!(reason.contains(shown), "{described}: {reason}");
        if let Some(status) = status {
            assert!(reason.contains(&format!("HTTP {status}")), "{reason}");
        }
        assert_eq!(requests, 1, "{described} is never retried");
        assert!(err.to_string().contains("a job may have been created"));
    }
}

#[tokio::test]
async fn reads_retry_server_errors_and_say_nothing_was_charged() {
    let gateway = Gateway::start(Answer::html(502, "<html>Bad Gateway</html>"))
        .await
        .unwrap();
    let err = client(&gateway.base_url()).job("job_1").await.unwrap_err();
    assert_eq!(gateway.requests(), u64::from(ATTEMPTS));
    let Error::ServerFailed {
        operation,
        attempts,
        error,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*operation, *attempts, error.status),
        ("job", ATTEMPTS, 502)
    );
    let message = err.to_string();
    assert!(message.contains("502"), "{message}");
    assert!(message.contains("nothing was charged"), "{message}");
    gateway.shutdown().await;
}
