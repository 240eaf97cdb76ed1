//! Every route and error code of the sandbox over real HTTP on loopback.

use std::time::Duration;

use kling_sandbox::{ApiKey, Envelope, Faults, Sandbox, SandboxConfig, Scope};
use serde_json::{Value, json};

const KEY: &str = "pb_test_key";
const O3_T2V: &str = "kling-plus/kling-o3-standard/text-to-video";

struct Api {
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl Api {
    async fn start(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start(config).await.expect("starts");
        Self {
            sandbox,
            http: reqwest::Client::new(),
        }
    }

    async fn fast() -> Self {
        Self::start(SandboxConfig::for_tests()).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<String>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, Some(KEY), None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(
            reqwest::Method::POST,
            path,
            Some(KEY),
            Some(body.to_string()),
        )
        .await
    }

    async fn submit(&self, input: Value) -> (u16, Value) {
        self.post("/jobs/submit", json!({"model": O3_T2V, "input": input}))
            .await
    }

    async fn wait_for(&self, id: &str, status: &str) -> Value {
        for _ in 0..200 {
            let (_, job) = self.get(&format!("/jobs/{id}")).await;
            if job["status"] == status {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("job {id} never reached {status}");
    }
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn auth_errors_follow_the_api() {
    let mut config = SandboxConfig::for_tests();
    config.api_keys.push(ApiKey {
        key: "pb_reader".into(),
        scopes: vec![Scope::CheckStatus],
    });
    config.api_keys.push(ApiKey {
        key: "pb_other".into(),
        scopes: vec![],
    });
    let api = Api::start(config).await;

    let (status, body) = api.send(reqwest::Method::GET, "/jobs", None, None).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHORIZED"));
    assert_eq!(body["success"], false);
    assert!(body["requestId"].as_str().unwrap().starts_with("req_"));

    let (status, body) = api
        .send(reqwest::Method::GET, "/jobs", Some("pb_wrong_secret"), None)
        .await;
    assert_eq!((status, code(&body)), (401, "INVALID_API_KEY"));
    assert!(
        !body.to_string().contains("pb_wrong_secret"),
        "the key is never echoed"
    );

    let submit = json!({"model": O3_T2V, "input": {"prompt": "x"}}).to_string();
    let (status, body) = api
        .send(
            reqwest::Method::POST,
            "/jobs/submit",
            Some("pb_reader"),
            Some(submit),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "OPERATION_NOT_ALLOWED"));
    let (status, _) = api
        .send(reqwest::Method::GET, "/models", Some("pb_reader"), None)
        .await;
    assert_eq!(status, 403);

    // x-api-key works too; another key's job is not yours.
    let (_, job) = api.submit(json!({"prompt": "x"})).await;
    let id = job["jobId"].as_str().unwrap();
    let response = api
        .http
        .get(api.url(&format!("/jobs/{id}")))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, body) = api
        .send(
            reqwest::Method::GET,
            &format!("/jobs/{id}"),
            Some("pb_other"),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (403, "UNAUTHORIZED_ACCESS"));
}

#[tokio::test]
async fn submit_validates_prices_and_refuses_bad_webhooks() {
    let api = Api::fast().await;
    let (status, body) = api
        .submit(json!({"prompt": "a kite", "duration": "10", "has_sound": "true"}))
        .await;
    assert_eq!(status, 202);
    assert_eq!(body["status"], "pending");
    assert_eq!(body["costMicroCents"], 84_000 * 10 * 3 / 2);
    assert!(body["jobId"].as_str().unwrap().starts_with("job_"));
    assert!(humantime::parse_rfc3339(body["estimatedCompletionTime"].as_str().unwrap()).is_ok());

    let (status, body) = api
        .post(
            "/jobs/submit",
            json!({"model": "kling/nope/text-to-video", "input": {}}),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "MODEL_NOT_FOUND"));

    let (status, body) = api
        .submit(json!({"duration": 10, "colour": "red", "prompt": "x".repeat(2501)}))
        .await;
    assert_eq!((status, code(&body)), (400, "INVALID_INPUT"));
    let paths: Vec<&str> = body["error"]["details"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/colour", "/prompt", "/duration"]);

    for url in [
        "http://example.com/hook",
        "ftp://127.0.0.1/hook",
        "not a url",
    ] {
        let (status, body) = api
            .post(
                "/jobs/submit",
                json!({"model": O3_T2V, "input": {"prompt": "x"}, "webhookUrl": url}),
            )
            .await;
        assert_eq!((status, code(&body)), (400, "INVALID_WEBHOOK_URL"), "{url}");
    }
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "https://example.com/hook",
    ] {
        let (status, _) = api
            .post(
                "/jobs/submit",
                json!({"model": O3_T2V, "input": {"prompt": "x"}, "webhookUrl": url}),
            )
            .await;
        assert_eq!(status, 202, "{url}");
    }
    let (status, body) = api
        .post(
            "/jobs/submit",
            json!({"model": O3_T2V, "version": "7", "input": {"prompt": "x"}}),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "MODEL_VERSION_NOT_FOUND"));
    assert_eq!(api.sandbox.stats().jobs_created, 4);
}

#[tokio::test]
async fn balance_and_concurrency_limits() {
    let mut config = SandboxConfig::for_tests();
    config.balance = Some(kling_descriptor::MicroCents::new(1_000_000));
    config.max_concurrent = Some(2);
    config.speed = 1.0; // jobs stay running during the test
    let api = Api::start(config).await;
    assert_eq!(api.submit(json!({"prompt": "x"})).await.0, 202); // 420,000
    assert_eq!(api.submit(json!({"prompt": "x"})).await.0, 202); // 840,000 spent
    let (status, body) = api.submit(json!({"prompt": "x"})).await;
    assert_eq!((status, code(&body)), (429, "CONCURRENT_JOBS_EXCEEDED"));
    let retry = body["error"]["details"]["retryAfter"].as_u64().unwrap();
    assert!((1..=240).contains(&retry), "{retry}");
    assert_eq!(api.sandbox.balance().unwrap().get(), 160_000);

    let mut config = SandboxConfig::for_tests();
    config.balance = Some(kling_descriptor::MicroCents::new(500_000));
    let api = Api::start(config).await;
    assert_eq!(api.submit(json!({"prompt": "x"})).await.0, 202);
    let (status, body) = api.submit(json!({"prompt": "x"})).await;
    assert_eq!((status, code(&body)), (402, "INSUFFICIENT_BALANCE"));
    assert_eq!(body["error"]["details"]["availableMicroCents"], 80_000);
    assert_eq!(api.sandbox.stats().jobs_created, 1);
}

#[tokio::test]
async fn jobs_complete_on_the_fast_clock_with_served_outputs() {
    let api = Api::fast().await; // 240 s at 1000x: 0.24 s
    let (_, job) = api.submit(json!({"prompt": "x"})).await;
    let id = job["jobId"].as_str().unwrap();
    let (_, first) = api.get(&format!("/jobs/{id}")).await;
    assert!(
        ["pending", "processing"].contains(&first["status"].as_str().unwrap()),
        "{first}"
    );
    let done = api.wait_for(id, "completed").await;
    assert_eq!(done["progress"], 100);
    assert!(done["completedAt"].is_string());
    let output = &done["outputs"][0];
    assert_eq!(output["type"], "video");
    assert_eq!(done["output"], output["url"]);
    let video = api
        .http
        .get(output["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(video.headers()["content-type"], "video/mp4");
    assert_eq!(&video.bytes().await.unwrap()[4..8], b"ftyp");
    for key in ["thumbnail", "posterImage"] {
        let image = api
            .http
            .get(output[key].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&image[..2], &[0xFF, 0xD8], "{key} is a JPEG");
    }
}

#[tokio::test]
async fn cancel_only_pending_jobs_and_refund_them() {
    let mut config = SandboxConfig::for_tests();
    config.balance = Some(kling_descriptor::MicroCents::new(10_000_000));
    config.speed = 1.0; // pending lasts 24 s here
    let api = Api::start(config).await;
    let (_, job) = api.submit(json!({"prompt": "x"})).await;
    let id = job["jobId"].as_str().unwrap();
    assert_eq!(api.sandbox.balance().unwrap().get(), 10_000_000 - 420_000);
    let (status, body) = api.post(&format!("/jobs/{id}/cancel"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"jobId": id, "status": "cancelled", "refundedMicroCents": 420_000, "requestId": body["requestId"]})
    );
    assert_eq!(api.sandbox.balance().unwrap().get(), 10_000_000);
    let (status, body) = api.post(&format!("/jobs/{id}/cancel"), json!({})).await;
    assert_eq!((status, code(&body)), (400, "JOB_CANNOT_BE_CANCELLED"));
    let (status, body) = api.post("/jobs/job_missing/cancel", json!({})).await;
    assert_eq!((status, code(&body)), (404, "JOB_NOT_FOUND"));
    let (status, body) = api.get("/jobs/job_missing").await;
    assert_eq!((status, code(&body)), (404, "JOB_NOT_FOUND"));
}

#[tokio::test]
async fn listing_pages_with_cursors_and_filters() {
    let api = Api::fast().await;
    let mut ids = Vec::new();
    for i in 0..25 {
        let model = if i % 5 == 0 {
            "kling/kling-omni-o1/text-to-video"
        } else {
            O3_T2V
        };
        let (_, job) = api
            .post(
                "/jobs/submit",
                json!({"model": model, "input": {"prompt": "x"}}),
            )
            .await;
        ids.push(job["jobId"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/jobs?limit=10&cursor={c}"),
            None => "/jobs?limit=10".to_string(),
        };
        let (status, page) = api.get(&path).await;
        assert_eq!(status, 200);
        seen.extend(
            page["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["jobId"].as_str().unwrap().to_string()),
        );
        if page["hasMore"] == false {
            assert!(page["nextCursor"].is_null());
            break;
        }
        cursor = Some(page["nextCursor"].as_str().unwrap().to_string());
    }
    ids.reverse();
    assert_eq!(seen, ids, "newest first, each job once");

    let (_, page) = api
        .get("/jobs?modelId=kling/kling-omni-o1/text-to-video")
        .await;
    assert_eq!(page["jobs"].as_array().unwrap().len(), 5);
    let (_, page) = api.get("/jobs?limit=100").await;
    assert_eq!(page["jobs"].as_array().unwrap().len(), 25);
    let (_, page) = api.get("/jobs?status=cancelled").await;
    assert!(page["jobs"].as_array().unwrap().is_empty());
    for bad in [
        "/jobs?limit=101",
        "/jobs?limit=0",
        "/jobs?status=done",
        "/jobs?cursor=xyz",
    ] {
        let (status, body) = api.get(bad).await;
        assert_eq!((status, code(&body)), (400, "INVALID_INPUT"), "{bad}");
    }
}

#[tokio::test]
async fn estimates_use_the_descriptor_price() {
    let api = Api::fast().await;
    let (status, body) = api
        .post(
            "/jobs/estimate",
            json!({"model": O3_T2V, "input": {"duration": "8", "has_sound": "true"}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["baseCostMicroCents"], 84_000);
    assert_eq!(body["estimatedCostMicroCents"], 84_000 * 8 * 3 / 2);
    assert_eq!(body["hasDiscount"], false);
    let last = body["breakdown"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["costMicroCents"], 84_000 * 8 * 3 / 2);
    let (_, body) = api.post("/jobs/estimate", json!({"model": O3_T2V})).await;
    assert_eq!(body["estimatedCostMicroCents"], 420_000);
    let (status, body) = api
        .post(
            "/jobs/estimate",
            json!({"model": O3_T2V, "input": {"duration": "99"}}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "INVALID_INPUT"));
}

#[tokio::test]
async fn uploads_presign_put_and_serve() {
    let api = Api::fast().await;
    let (status, slot) = api
        .post(
            "/uploads/presign",
            json!({"filename": "cat.png", "contentType": "image/png"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(slot["maxSize"], 10 * 1024 * 1024);
    let put = api
        .http
        .put(slot["uploadUrl"].as_str().unwrap())
        .body(vec![1u8, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let bytes = api
        .http
        .get(slot["fileUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], &[1, 2, 3]);
    let (status, info) = api
        .get(&format!("/uploads/{}", slot["fileId"].as_str().unwrap()))
        .await;
    assert_eq!((status, info["status"].as_str()), (200, Some("pending")));
    assert_eq!(info["contentType"], "image/png");

    let (status, body) = api
        .post(
            "/uploads/presign",
            json!({"filename": "x.exe", "contentType": "application/x-msdownload"}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "INVALID_CONTENT_TYPE"));
    let forged = slot["uploadUrl"]
        .as_str()
        .unwrap()
        .replace("token=", "token=x");
    assert_eq!(
        api.http
            .put(forged)
            .body("x")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let big = vec![0u8; 10 * 1024 * 1024 + 1];
    let response = api
        .http
        .put(slot["uploadUrl"].as_str().unwrap())
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let (status, body) = api.get("/uploads/file_missing").await;
    assert_eq!((status, code(&body)), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn models_are_listed_from_the_descriptors() {
    let api = Api::fast().await;
    let (status, body) = api.get("/models").await;
    assert_eq!(status, 200);
    assert_eq!(body["models"].as_array().unwrap().len(), 66);
    let (status, model) = api.get(&format!("/models/{O3_T2V}")).await;
    assert_eq!(status, 200);
    let version = &model["versions"][0];
    assert_eq!(version["pricing"]["baseCostMicroCents"], 84_000);
    assert_eq!(
        version["inputSchema"]["properties"]["duration"]["default"],
        "5"
    );
    assert!(version["rateLimits"]["requestsPerMinute"].is_u64());
    let (status, body) = api.get("/models/kling/none/at-all").await;
    assert_eq!((status, code(&body)), (404, "MODEL_NOT_FOUND"));
}

#[tokio::test]
async fn both_envelopes_are_served() {
    let api = Api::fast().await;
    let (_, bare) = api.submit(json!({"prompt": "x"})).await;
    assert!(bare["jobId"].is_string() && bare.get("data").is_none());
    api.sandbox.set_envelope(Envelope::Wrapped);
    let (_, wrapped) = api.submit(json!({"prompt": "x"})).await;
    assert_eq!(wrapped["success"], true);
    assert!(wrapped["data"]["jobId"].is_string());
    assert!(wrapped["requestId"].as_str().unwrap().starts_with("req_"));
    let (_, error) = api.get("/jobs/job_missing").await;
    assert_eq!(error["success"], false, "errors keep their envelope");
}

#[tokio::test]
async fn bad_bodies_and_routes_get_the_error_envelope() {
    let api = Api::fast().await;
    let cases = [
        ("{not json", 400, "INVALID_INPUT"),
        ("[1, 2]", 400, "INVALID_INPUT"),
        (r#"{"model": 5, "input": {}}"#, 400, "INVALID_INPUT"),
        (
            r#"{"model": "kling-plus/kling-o3-standard/text-to-video", "input": "x"}"#,
            400,
            "INVALID_INPUT",
        ),
        (r#"{"input": {}}"#, 400, "INVALID_INPUT"),
    ];
    for (body, status, expected) in cases {
        let (got, response) = api
            .send(
                reqwest::Method::POST,
                "/jobs/submit",
                Some(KEY),
                Some(body.into()),
            )
            .await;
        assert_eq!((got, code(&response)), (status, expected), "{body}");
    }
    let huge = format!(
        r#"{{"model": "{O3_T2V}", "input": {{"prompt": "{}"}}}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let (status, body) = api
        .send(reqwest::Method::POST, "/jobs/submit", Some(KEY), Some(huge))
        .await;
    assert_eq!((status, code(&body)), (413, "VALIDATION_ERROR"));
    let (status, body) = api.get("/nowhere").await;
    assert_eq!((status, code(&body)), (404, "NOT_FOUND"));
    let (status, body) = api
        .send(reqwest::Method::DELETE, "/jobs", Some(KEY), None)
        .await;
    assert_eq!((status, body["success"].as_bool()), (405, Some(false)));
    assert_eq!(api.sandbox.stats().jobs_created, 0);
}

#[tokio::test]
async fn the_job_store_is_bounded() {
    let mut config = SandboxConfig::for_tests();
    config.max_jobs = 3;
    config.speed = 1.0;
    let api = Api::start(config).await;
    for _ in 0..3 {
        assert_eq!(api.submit(json!({"prompt": "x"})).await.0, 202);
    }
    let (status, body) = api.submit(json!({"prompt": "x"})).await;
    assert_eq!(
        (status, code(&body)),
        (500, "INTERNAL_ERROR"),
        "all kept jobs are running"
    );

    let mut config = SandboxConfig::for_tests();
    config.max_jobs = 3;
    let api = Api::start(config).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            api.submit(json!({"prompt": "x"})).await.1["jobId"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    api.wait_for(&ids[0], "completed").await;
    api.wait_for(&ids[2], "completed").await;
    assert_eq!(api.submit(json!({"prompt": "x"})).await.0, 202);
    assert_eq!(
        api.sandbox.job_ids().len(),
        3,
        "the oldest finished job was forgotten"
    );
    assert!(!api.sandbox.job_ids().contains(&ids[0]));
}

#[tokio::test]
async fn shutdown_closes_the_port() {
    let api = Api::fast().await;
    let url = api.url("/models");
    let Api { sandbox, http } = api;
    sandbox.shutdown().await;
    assert!(http.get(url).send().await.is_err());
}

#[tokio::test]
async fn faults_are_injected_at_their_seeded_rates() {
    let mut config = SandboxConfig::for_tests();
    config.seed = 7;
    config.faults = Faults {
        submit_unavailable: 0.3,
        read_error: 0.2,
        failed_generation: 0.25,
        ..Faults::default()
    };
    let api = Api::start(config).await;
    let (mut refused, mut created) = (0, Vec::new());
    for _ in 0..200 {
        let (status, body) = api.submit(json!({"prompt": "x"})).await;
        match status {
            503 => {
                assert_eq!(code(&body), "PUBSUB_PUBLISH_FAILED");
                refused += 1;
            }
            202 => created.push(body["jobId"].as_str().unwrap().to_string()),
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        (40..=80).contains(&refused),
        "about 30% of 200 refused, got {refused}"
    );
    let stats = api.sandbox.stats();
    assert_eq!(
        stats.jobs_created as usize,
        created.len(),
        "a refused submit creates no job"
    );
    assert_eq!(stats.submits_refused_unavailable, refused);

    tokio::time::sleep(Duration::from_secs(1)).await; // every job has ended (240 ms at 1000x)
    let (mut errors, mut failed) = (0, 0);
    for id in &created {
        let (status, job) = api.get(&format!("/jobs/{id}")).await;
        match status {
            500 => errors += 1,
            200 if job["status"] == "failed" => {
                assert_eq!(job["error"]["code"], "GENERATION_FAILED");
                failed += 1;
            }
            200 => assert_eq!(job["status"], "completed"),
            other => panic!("unexpected {other}"),
        }
    }
    let n = created.len() as f64;
    assert!(
        (errors as f64) > 0.1 * n && (errors as f64) < 0.3 * n,
        "about 20% read errors, got {errors} of {n}"
    );
    assert!(failed > 0, "some generations fail");
}

#[tokio::test]
async fn dropped_connections_cut_responses() {
    let mut config = SandboxConfig::for_tests();
    config.faults.drop_connection = 1.0;
    let api = Api::start(config).await;
    let result = async {
        api.http
            .get(api.url("/models"))
            .bearer_auth(KEY)
            .send()
            .await?
            .bytes()
            .await
    }
    .await;
    assert!(result.is_err(), "the body never arrives");
    assert_eq!(api.sandbox.stats().connections_dropped, 1);
}

#[tokio::test]
async fn failed_generations_are_refunded() {
    let mut config = SandboxConfig::for_tests();
    config.balance = Some(kling_descriptor::MicroCents::new(1_000_000));
    config.faults.failed_generation = 1.0;
    let api = Api::start(config).await;
    let (_, job) = api.submit(json!({"prompt": "x"})).await;
    assert_eq!(api.sandbox.balance().unwrap().get(), 580_000);
    let failed = api.wait_for(job["jobId"].as_str().unwrap(), "failed").await;
    assert_eq!(failed["error"]["code"], "GENERATION_FAILED");
    assert!(failed["outputs"].is_null());
    assert_eq!(api.sandbox.balance().unwrap().get(), 1_000_000);
}

#[tokio::test]
async fn every_answer_carries_its_request_id_and_refusals_are_counted() {
    let mut config = SandboxConfig::for_tests();
    config.faults.read_error = 1.0;
    let api = Api::start(config).await;
    let requests = [
        (reqwest::Method::POST, "/jobs/submit", None),
        (reqwest::Method::POST, "/jobs/submit", Some(KEY)),
        (reqwest::Method::POST, "/jobs/estimate", Some(KEY)),
        (reqwest::Method::GET, "/jobs", Some(KEY)),
        (reqwest::Method::GET, "/nowhere", Some(KEY)),
        (reqwest::Method::DELETE, "/models", Some(KEY)),
    ];
    for (method, path, key) in requests {
        let mut request = api.http.request(method.clone(), api.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let body = json!({"model": O3_T2V, "input": {"prompt": "x"}}).to_string();
        let response = request.body(body).send().await.unwrap();
        let header = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(body["requestId"], header.as_str(), "{method} {path}");
        assert!(header.starts_with("req_"));
    }
    let stats = api.sandbox.stats();
    assert_eq!(
        (stats.submit_requests, stats.jobs_created),
        (2, 1),
        "the refused submit is counted, and creates nothing"
    );
    assert_eq!(stats.read_errors_injected, 1, "only the GET under /v1");
    assert_eq!(
        stats.list_requests, 0,
        "a read that failed early never reached the route"
    );
}
