//! Every documented answer shape, in both envelopes, and every missing required member.

use std::time::SystemTime;

use serde_json::{Value, json};

use super::*;
use crate::api::{ErrorCode, OutputType};

/// The same data as the API's two envelopes would carry it.
fn both(data: &Value) -> [Reply; 2] {
    let wrapped = json!({"success": true, "data": data, "requestId": "req_w"});
    [data.to_string(), wrapped.to_string()].map(|raw| {
        Reply::read(200, raw, None, SystemTime::UNIX_EPOCH)
            .unwrap_or_else(|u| panic!("{}", u.message))
    })
}

/// The message and body of the `Error::Decode` an answer gives.
fn decode_error<T: serde::de::DeserializeOwned>(reply: &Reply) -> (String, String) {
    match reply.decode::<T>("test") {
        Err(Error::Decode { message, body, .. }) => (message, body),
        Err(other) => panic!("not a decode error: {other:?}"),
        Ok(_) => panic!("decoded: {}", reply.raw),
    }
}

/// An answer read from both envelopes, which must agree.
fn read<A: serde::de::DeserializeOwned, T: PartialEq + std::fmt::Debug>(
    data: &Value,
    into: impl Fn(A, Value) -> T,
) -> T {
    let [bare, wrapped] = both(data).map(|reply| {
        let answer = reply.decode::<A>("test").unwrap();
        into(answer, reply.data)
    });
    assert_eq!(bare, wrapped, "both envelopes read alike");
    bare
}

fn state(data: &Value) -> JobState {
    read(data, JobAnswer::into_state)
}

#[test]
fn a_submit_answer_needs_only_its_job_id() {
    let full = json!({
        "jobId": "job_1", "requestId": "req_1", "status": "pending",
        "estimatedCompletionTime": "2026-11-22T00:30:46.783Z", "costMicroCents": 420000,
        "somethingNew": [1, 2]
    });
    for reply in both(&full) {
        let answer = SubmitAnswer::read(&reply).unwrap();
        assert_eq!(
            (
                answer.job_id.as_str(),
                answer.request_id.as_deref(),
                answer.status
            ),
            ("job_1", Some("req_1"), Some(JobStatus::Pending))
        );
        assert_eq!(answer.cost_micro_cents, Some(MicroCents::new(420_000)));
        assert!(answer.estimated_completion_time.is_some());
    }
    let bare = SubmitAnswer::read(&both(&json!({"jobId": "job_2"}))[0]).unwrap();
    assert_eq!(bare.job_id, "job_2");
    assert!(bare.status.is_none() && bare.cost_micro_cents.is_none());
    // A status this version does not know is kept as sent (and is not final for a waiter).
    let queued = SubmitAnswer::read(&both(&json!({"jobId": "job_5", "status": "queued"}))[1]);
    assert_eq!(
        queued.unwrap().status,
        Some(JobStatus::Unknown("queued".into()))
    );
}

#[test]
fn a_submit_answer_that_does_not_decode_says_why() {
    for data in [json!({"status": "pending"}), json!({"jobId": 5}), json!([])] {
        for reply in both(&data) {
            let reason = SubmitAnswer::read(&reply).err().unwrap();
            assert!(
                reason.starts_with("HTTP 200 arrived without a readable jobId ("),
                "{reason}"
            );
            assert!(
                reason.contains(reply.raw.trim()),
                "the body is quoted: {reason}"
            );
        }
    }
    let empty = Reply::read(201, String::new(), None, SystemTime::UNIX_EPOCH).unwrap();
    let reason = SubmitAnswer::read(&empty).err().unwrap();
    assert_eq!(
        reason,
        "HTTP 201 arrived without a readable jobId (the body is empty): HTTP 201 with an empty body"
    );
}

#[test]
fn a_submit_answer_naming_its_job_is_read_whatever_else_it_holds() {
    let garbled = json!({
        "jobId": "job_3", "requestId": 7, "status": ["pending"],
        "estimatedCompletionTime": "soon", "costMicroCents": "420000"
    });
    for reply in both(&garbled) {
        let answer = SubmitAnswer::read(&reply).unwrap();
        assert_eq!(answer.job_id, "job_3");
        assert!(answer.status.is_none() && answer.cost_micro_cents.is_none());
        assert!(answer.estimated_completion_time.is_none());
    }
    // The bare envelope has no other request id to fall back on.
    assert!(
        SubmitAnswer::read(&both(&garbled)[0])
            .unwrap()
            .request_id
            .is_none()
    );
}

#[test]
fn a_job_state_reads_every_output_shape() {
    let done = |output: Value, outputs: Value| {
        state(&json!({
            "jobId": "job_1", "status": "completed", "progress": 100, "model": "m",
            "output": output, "outputs": outputs, "error": null,
            "createdAt": "2026-11-22T00:30:46.783Z", "completedAt": "2026-11-22T00:34:46Z"
        }))
    };
    let cdn = "https://cdn.muvi.video/outputs/job_1";
    let listed = done(
        json!(format!("{cdn}/output_0.mp4")),
        json!([{"url": format!("{cdn}/output_0.mp4"), "type": "video",
                "thumbnail": format!("{cdn}/thumb_0.jpg"), "posterImage": format!("{cdn}/poster_0.jpg")}]),
    );
    assert_eq!(listed.outputs.len(), 1);
    let o = &listed.outputs[0];
    assert_eq!(
        (&o.kind, o.thumbnail.is_some(), o.poster_image.is_some()),
        (&OutputType::Video, true, true)
    );
    assert!(listed.created_at.is_some() && listed.completed_at.is_some());
    assert_eq!(
        (listed.progress, listed.model.as_deref()),
        (Some(100), Some("m"))
    );

    let url = done(json!(format!("{cdn}/output_0.mp4")), Value::Null);
    assert_eq!(url.outputs[0].url, format!("{cdn}/output_0.mp4"));
    let file = done(
        json!({"url": "v.mp4", "contentType": "video/mp4", "durationSeconds": 5.0}),
        Value::Null,
    );
    assert_eq!(
        (file.outputs[0].duration_seconds, &file.outputs[0].kind),
        (Some(5.0), &OutputType::Video)
    );
    let image = done(
        json!({"imageUrl": "i.png", "metadata": {"width": 1024}}),
        Value::Null,
    );
    assert_eq!(
        (image.outputs[0].url.as_str(), &image.outputs[0].kind),
        ("i.png", &OutputType::Image)
    );
    assert_eq!(
        image.raw["output"]["metadata"]["width"], 1024,
        "what is not modelled stays in raw"
    );
    let typed = done(
        Value::Null,
        json!([{"url": "a.mp3", "type": "audio"}, {"url": "t.txt", "type": "text"}]),
    );
    assert_eq!(
        typed
            .outputs
            .iter()
            .map(|o| o.kind.clone())
            .collect::<Vec<_>>(),
        [OutputType::Audio, OutputType::Text]
    );
}

#[test]
fn a_job_state_keeps_what_it_does_not_know_and_lets_optional_members_go() {
    let pending = state(&json!({"jobId": "job_1", "status": "pending"}));
    assert_eq!(
        (pending.progress, pending.model, pending.created_at),
        (None, None, None)
    );
    assert!(pending.outputs.is_empty() && pending.error.is_none());
    let paused = state(&json!({"id": "job_1", "status": "paused", "shard": 7}));
    assert_eq!(
        (paused.id.as_str(), &paused.status),
        ("job_1", &JobStatus::Unknown("paused".into()))
    );
    assert_eq!(paused.raw["shard"], 7);
    let failed = state(&json!({
        "jobId": "job_1", "status": "failed", "output": null, "outputs": null,
        "error": {"code": "GENERATION_FAILED", "message": "no"}, "completedAt": null
    }));
    let error = failed.error.unwrap();
    assert_eq!(
        (error.code, error.message.as_str()),
        (ErrorCode::GenerationFailed, "no")
    );
}

#[test]
fn a_job_state_without_its_id_or_status_is_a_decode_error_with_the_body() {
    for (data, expected) in [
        (json!({"status": "completed"}), "missing field `jobId`"),
        (
            json!({"jobId": "job_1", "progress": 50}),
            "missing field `status`",
        ),
        (
            json!({"jobId": "job_1", "status": "completed", "outputs": [{"type": "video"}]}),
            "outputs[0]: an output: a URL",
        ),
        (
            json!({"jobId": "job_1", "status": "completed", "output": {"contentType": "video/mp4"}}),
            "output: an output: a URL",
        ),
        (
            json!({"jobId": "job_1", "status": "failed", "error": {"message": "no"}}),
            "error: missing field `code`",
        ),
        (
            json!({"jobId": "job_1", "status": "pending", "progress": "half"}),
            "progress: invalid type",
        ),
        (
            json!({"jobId": "job_1", "status": "pending", "createdAt": "yesterday"}),
            "createdAt: `yesterday` is not an RFC 3339",
        ),
        (
            json!({"jobId": 1, "status": "pending"}),
            "jobId: invalid type",
        ),
    ] {
        for reply in both(&data) {
            let (message, body) = decode_error::<JobAnswer>(&reply);
            assert!(message.starts_with(expected), "{data}: {message}");
            assert_eq!(body, reply.raw);
        }
    }
}

/// A page read from both envelopes, which must agree; an error as its message and body.
fn page(
    data: &Value,
    cursor: Option<&str>,
) -> Result<(Vec<JobSummary>, Option<String>), (String, String)> {
    let read = |reply: Reply| {
        let page = reply.decode::<ListAnswer>("jobs")?;
        page.into_page(&reply, cursor)
    };
    let [bare, wrapped] = both(data).map(read).map(|r| {
        r.map_err(|e| match e {
            Error::Decode { message, body, .. } => (message, body),
            other => panic!("not a decode error: {other:?}"),
        })
    });
    assert_eq!(
        bare.clone().map_err(|(m, _)| m),
        wrapped.map_err(|(m, _)| m),
        "both envelopes read alike"
    );
    bare
}

#[test]
fn a_list_page_needs_its_jobs_and_a_cursor_it_can_follow() {
    let job = json!({"jobId": "job_1", "status": "completed", "progress": 100, "model": "m",
                     "createdAt": "2026-11-22T00:30:46Z", "completedAt": null});
    let (jobs, next) = page(
        &json!({"jobs": [job], "nextCursor": "c2", "hasMore": true}),
        Some("c1"),
    )
    .unwrap();
    assert_eq!(
        (jobs[0].id.as_str(), &jobs[0].status, next.as_deref()),
        ("job_1", &JobStatus::Completed, Some("c2"))
    );
    assert!(jobs[0].created_at.is_some() && jobs[0].completed_at.is_none());
    let last = page(
        &json!({"jobs": [], "nextCursor": "c9", "hasMore": false}),
        None,
    )
    .unwrap();
    assert_eq!(last, (Vec::new(), None), "hasMore decides");
    let no_flag = page(&json!({"jobs": [], "nextCursor": "c3"}), None).unwrap();
    assert_eq!(
        no_flag.1.as_deref(),
        Some("c3"),
        "without hasMore the cursor decides"
    );
    assert_eq!(
        page(&json!({"jobs": [], "nextCursor": null}), None)
            .unwrap()
            .1,
        None
    );
    for (data, expected) in [
        (
            json!({"nextCursor": "c", "hasMore": true}),
            "missing field `jobs`",
        ),
        (
            json!({"jobs": [], "hasMore": true}),
            "`hasMore` is true but there is no `nextCursor`",
        ),
        (
            json!({"jobs": [job, {"jobId": "job_2"}]}),
            "jobs[1]: missing field `status`",
        ),
        (
            json!({"jobs": [], "nextCursor": "c1", "hasMore": true}),
            "`nextCursor` is the cursor this page was fetched with",
        ),
    ] {
        let (message, body) = page(&data, Some("c1")).unwrap_err();
        assert_eq!((message.as_str(), body), (expected, data.to_string()));
    }
}

#[test]
fn a_cancel_answer_needs_its_refund() {
    let full = json!({"jobId": "job_1", "status": "cancelled", "refundedMicroCents": 420000});
    for reply in both(&full) {
        let c = reply
            .decode::<CancelAnswer>("cancel")
            .unwrap()
            .into_cancelled("job_1");
        assert_eq!((c.id.as_str(), c.refunded.get()), ("job_1", 420_000));
    }
    let unnamed = both(&json!({"refundedMicroCents": 0}))[0].decode::<CancelAnswer>("cancel");
    assert_eq!(unnamed.unwrap().into_cancelled("job_asked").id, "job_asked");
    let (message, _) =
        decode_error::<CancelAnswer>(&both(&json!({"jobId": "job_1", "status": "cancelled"}))[1]);
    assert_eq!(message, "missing field `refundedMicroCents`");
}

fn estimate(data: &Value) -> Estimate {
    read(data, EstimateAnswer::into_estimate)
}

#[test]
fn an_estimate_reads_in_both_documented_shapes() {
    let itemised = estimate(&json!({
        "baseCostMicroCents": 84000, "estimatedCostMicroCents": 1008000,
        "breakdown": [{"component": "base", "costMicroCents": 84000}],
        "hasDiscount": true, "discounted": 907200
    }));
    assert_eq!(
        (itemised.base, itemised.estimated.get(), itemised.discounted),
        (Some(MicroCents::new(84_000)), 1_008_000, true)
    );
    assert_eq!(itemised.raw["breakdown"][0]["component"], "base");
    let total = estimate(&json!({"costMicroCents": 420000, "discounted": true}));
    assert_eq!(
        (total.base, total.estimated.get(), total.discounted),
        (None, 420_000, true)
    );
    let total = estimate(&json!({"totalMicroCents": 420000}));
    assert_eq!((total.estimated.get(), total.discounted), (420_000, false));
    for data in [
        json!({"baseCostMicroCents": 84000, "hasDiscount": false}),
        json!({"estimatedCostMicroCents": "lots"}),
    ] {
        let (message, body) = decode_error::<EstimateAnswer>(&both(&data)[0]);
        assert!(
            message.starts_with("an estimated cost: `estimatedCostMicroCents`"),
            "{message}"
        );
        assert_eq!(body, data.to_string());
    }
}

#[test]
fn a_presign_answer_needs_both_urls() {
    let full = json!({
        "uploadUrl": "https://up/x?sig=1", "fileUrl": "https://cdn/x.png", "fileId": "up_1",
        "expiresAt": "2026-11-22T01:30:46Z", "maxSize": 10485760
    });
    for reply in both(&full) {
        let answer = reply.decode::<PresignAnswer>("presign").unwrap();
        assert_eq!(
            (answer.upload_url.as_str(), answer.max_size),
            ("https://up/x?sig=1", Some(10_485_760))
        );
        let file = answer.into_uploaded();
        assert_eq!(
            (
                file.url.as_str(),
                file.id.as_deref(),
                file.expires_at.is_some()
            ),
            ("https://cdn/x.png", Some("up_1"), true)
        );
    }
    let minimal =
        both(&json!({"uploadUrl": "u", "fileUrl": "f"}))[0].decode::<PresignAnswer>("presign");
    assert!(minimal.unwrap().into_uploaded().id.is_none());
    let (message, _) = decode_error::<PresignAnswer>(&both(&json!({"uploadUrl": "u"}))[0]);
    assert_eq!(message, "missing field `fileUrl`");
}
