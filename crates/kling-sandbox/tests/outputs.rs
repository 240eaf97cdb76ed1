//! Output files as a CDN serves them, over real HTTP on loopback: length, ranges, validators,
//! downloads cut short on purpose and resumed, and a record of keys sent where none belongs.

use std::time::Duration;

use kling_sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_RANGE, LAST_MODIFIED,
    RANGE,
};
use serde_json::{Value, json};

const KEY: &str = "pb_test_key";

/// POSTs a JSON body with the test key and reads the JSON answer.
async fn post(http: &reqwest::Client, url: String, body: Value) -> Value {
    let response = http
        .post(url)
        .bearer_auth(KEY)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

fn job() -> Value {
    json!({"model": "kling-plus/kling-o3-standard/text-to-video", "input": {"prompt": "x"}})
}

/// A completed job's outputs entry (`url`, `thumbnail`, `posterImage`) and its id.
async fn completed_job(sandbox: &Sandbox, http: &reqwest::Client) -> (String, Value) {
    let base = sandbox.base_url();
    let submitted = post(http, format!("{base}/jobs/submit"), job()).await;
    let id = submitted["jobId"].as_str().unwrap().to_string();
    for _ in 0..200 {
        let response = http
            .get(format!("{base}/jobs/{id}"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        let job: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        if job["status"] == "completed" {
            return (id, job["outputs"][0].clone());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never completed");
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
}

/// Reads a body until it ends or breaks; true when it broke.
async fn read_until_cut(mut response: reqwest::Response, into: &mut Vec<u8>) -> bool {
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => into.extend_from_slice(&chunk),
            Ok(None) => return false,
            Err(_) => return true,
        }
    }
}

#[tokio::test]
async fn the_video_has_a_realistic_length_ranges_and_validators() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let http = reqwest::Client::new();
    let (id, output) = completed_job(&sandbox, &http).await;
    let url = output["url"].as_str().unwrap();
    assert!(
        url.ends_with(&format!("/outputs/{id}/output_0.mp4")),
        "{url}"
    );
    let expected = sandbox.output_file(&id, "output_0.mp4").unwrap();
    let len = expected.len();
    assert!((2 << 20..5 << 20).contains(&len), "a few MiB, got {len}");

    let whole = http.get(url).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(header(&whole, CONTENT_TYPE), "video/mp4");
    assert_eq!(header(&whole, CONTENT_LENGTH), len.to_string());
    assert_eq!(header(&whole, ACCEPT_RANGES), "bytes");
    assert!(httpdate::parse_http_date(header(&whole, LAST_MODIFIED)).is_ok());
    let etag = header(&whole, ETAG).to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a strong tag: {etag}"
    );
    let body = whole.bytes().await.unwrap();
    assert_eq!(body, expected, "the bytes the sandbox says it serves");
    assert_eq!(&body[4..8], b"ftyp");
    let again = http.get(url).send().await.unwrap();
    assert_eq!(header(&again, ETAG), etag, "the same file every time");

    for (asked, first, last) in [
        ("bytes=100-199".to_string(), 100, 199),
        ("bytes=-10".to_string(), len - 10, len - 1),
        (format!("bytes={}-", len - 1000), len - 1000, len - 1),
        (format!("bytes=5-{}", len + 50), 5, len - 1),
    ] {
        let part = http.get(url).header(RANGE, &asked).send().await.unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{asked}");
        assert_eq!(
            header(&part, CONTENT_RANGE),
            format!("bytes {first}-{last}/{len}")
        );
        assert_eq!(
            header(&part, CONTENT_LENGTH),
            (last + 1 - first).to_string()
        );
        assert_eq!(part.bytes().await.unwrap(), expected.slice(first..=last));
    }

    let past = http
        .get(url)
        .header(RANGE, format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(header(&past, CONTENT_RANGE), format!("bytes */{len}"));
    let error: Value = serde_json::from_slice(&past.bytes().await.unwrap()).unwrap();
    assert_eq!(error["error"]["code"], "RANGE_NOT_SATISFIABLE");

    // If-Range: the range only while the file is the one the client started with.
    let same = http
        .get(url)
        .header(RANGE, "bytes=10-19")
        .header(IF_RANGE, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::PARTIAL_CONTENT);
    let changed = http
        .get(url)
        .header(RANGE, "bytes=10-19")
        .header(IF_RANGE, "\"another-file\"")
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(header(&changed, CONTENT_LENGTH), len.to_string());
}

#[tokio::test]
async fn images_are_served_by_range_too_and_only_for_completed_jobs() {
    let mut config = SandboxConfig::for_tests();
    config.speed = 1.0; // the second job stays pending
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let http = reqwest::Client::new();
    let (id, output) = completed_job(&sandbox, &http).await;
    for (key, name) in [
        ("thumbnail", "thumb_0.jpg"),
        ("posterImage", "poster_0.jpg"),
    ] {
        let url = output[key].as_str().unwrap();
        assert!(url.ends_with(&format!("/outputs/{id}/{name}")), "{url}");
        let part = http
            .get(url)
            .header(RANGE, "bytes=0-1")
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(header(&part, CONTENT_TYPE), "image/jpeg");
        assert_eq!(
            &part.bytes().await.unwrap()[..],
            &[0xFF, 0xD8],
            "{key} is a JPEG"
        );
    }
    let elsewhere = output["url"]
        .as_str()
        .unwrap()
        .replace("output_0.mp4", "output_1.mp4");
    assert_eq!(
        http.get(elsewhere).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    let slow = Sandbox::start(config).await.unwrap();
    let job = post(&http, format!("{}/jobs/submit", slow.base_url()), job()).await;
    let pending = job["jobId"].as_str().unwrap();
    let url = format!(
        "http://{}/files/outputs/{pending}/output_0.mp4",
        slow.addr()
    );
    let response = http.get(url).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "not before completion"
    );
    assert!(slow.output_file(pending, "output_0.mp4").is_none());
}

#[tokio::test]
async fn cut_downloads_promise_the_whole_length_and_resume_with_range() {
    let mut config = SandboxConfig::for_tests();
    config.faults.cut_download = 1.0; // every response is cut, resumptions included
    let sandbox = Sandbox::start(config).await.unwrap();
    let http = reqwest::Client::new();
    let (id, output) = completed_job(&sandbox, &http).await;
    let url = output["url"].as_str().unwrap();
    let expected = sandbox.output_file(&id, "output_0.mp4").unwrap();
    let len = expected.len();

    let first = http.get(url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header(&first, CONTENT_LENGTH), len.to_string());
    let etag = header(&first, ETAG).to_string();
    let mut file = Vec::new();
    assert!(read_until_cut(first, &mut file).await, "the body breaks");
    // Half is sent; what the server had not flushed when the connection broke is lost.
    assert!(
        (1..=len / 2).contains(&file.len()),
        "after at most half of it: {}",
        file.len()
    );

    let mut responses = 1;
    while file.len() < len {
        let resumed = http
            .get(url)
            .header(RANGE, format!("bytes={}-", file.len()))
            .header(IF_RANGE, &etag)
            .send()
            .await
            .unwrap();
        responses += 1;
        assert_eq!(resumed.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            header(&resumed, CONTENT_RANGE),
            format!("bytes {}-{}/{len}", file.len(), len - 1)
        );
        read_until_cut(resumed, &mut file).await;
        assert!(responses < 200, "each response brings part of what is left");
    }
    assert_eq!(
        file, expected,
        "the resumed file is byte for byte the served one"
    );
    let stats = sandbox.stats();
    assert_eq!(stats.output_requests, responses);
    assert_eq!(
        stats.downloads_cut,
        responses - 1,
        "all but the last, one byte long"
    );
}

#[tokio::test]
async fn output_requests_that_carry_a_key_are_counted() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let http = reqwest::Client::new();
    let (_, output) = completed_job(&sandbox, &http).await;
    let url = output["url"].as_str().unwrap();
    let status = |response: reqwest::Response| response.status();
    assert_eq!(status(http.head(url).send().await.unwrap()), StatusCode::OK);
    let stats = sandbox.stats();
    assert_eq!(
        (
            stats.output_requests,
            stats.output_requests_with_credentials
        ),
        (1, 0)
    );
    http.get(url).bearer_auth(KEY).send().await.unwrap();
    http.get(url).header("x-api-key", KEY).send().await.unwrap();
    http.get(output["thumbnail"].as_str().unwrap())
        .bearer_auth("pb_not_even_valid")
        .send()
        .await
        .unwrap();
    let stats = sandbox.stats();
    assert_eq!(
        (
            stats.output_requests,
            stats.output_requests_with_credentials
        ),
        (4, 3)
    );
}

#[tokio::test]
async fn uploads_are_served_by_range() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let http = reqwest::Client::new();
    let slot = post(
        &http,
        format!("{}/uploads/presign", sandbox.base_url()),
        json!({"filename": "clip.mp4", "contentType": "video/mp4"}),
    )
    .await;
    let content: Vec<u8> = (0..=255).collect();
    let put = http
        .put(slot["uploadUrl"].as_str().unwrap())
        .body(content.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let part = http
        .get(slot["fileUrl"].as_str().unwrap())
        .header(RANGE, "bytes=250-")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&part, CONTENT_RANGE), "bytes 250-255/256");
    assert_eq!(&part.bytes().await.unwrap()[..], &content[250..]);
}
