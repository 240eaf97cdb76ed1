//! Rows with local files: uploaded just before their submit, their URLs sent in place of the
//! placeholders; a placeholder without its files never sent; a failed upload never `unknown`.
//! Real files in a temporary directory, the sandbox over loopback, a real SQLite ledger.

mod common;

use std::path::Path;

use common::{fast, ledger, one_job_per_row, run_logged, sandbox_client};
use kling::client::LocalFiles;
use kling_batch::{Event, RowStatus, Runner};
use kling_sandbox::{Sandbox, SandboxConfig};

const IMAGE_MODEL: &str = "kling/kling-omni-o1/image-to-video";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\na cat";

/// A row of `id` whose `image_url` is the placeholder of `path` in a set keyed by the id.
fn image_row(id: &str, path: &Path) -> (String, LocalFiles) {
    let mut files = LocalFiles::keyed(id);
    let input = serde_json::json!({"prompt": "the cat wakes up", "image_url": files.path(path)});
    let line = serde_json::json!({"id": id, "model": IMAGE_MODEL, "input": input});
    (format!("{line}\n"), files)
}

fn plain_row(id: &str) -> String {
    format!(
        "{{\"id\": \"{id}\", \"model\": \"kling-plus/kling-o3-standard/text-to-video\", \"input\": {{\"prompt\": \"a boat\", \"duration\": \"5\"}}}}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_files_are_uploaded_just_before_the_submit_and_their_urls_sent() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("cat.png");
    std::fs::write(&cat, PNG).unwrap();
    let (cat_row, cat_files) = image_row("cat", &cat);
    let text = format!("{cat_row}{}", plain_row("boat"));
    let mut ledger = ledger(&dir, &text);
    let runner = Runner::new(sandbox_client(&sandbox, 5), fast().concurrency(1))
        .with_local_files([("cat".to_string(), cat_files)]);
    let (summary, log) = run_logged(&runner, &mut ledger).await;

    assert_eq!((summary.rows, summary.completed), (2, 2), "{summary:?}");
    one_job_per_row(&ledger, &sandbox);
    let uploads: Vec<_> = log
        .0
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Uploaded { row, files } => Some((row.clone(), files.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(uploads.len(), 1, "only the row with a file uploads");
    let (row, files) = &uploads[0];
    assert_eq!((row.as_str(), files.len()), ("cat", 1));
    assert_eq!(files[0].fields, ["/image_url"]);
    assert_eq!(files[0].bytes, PNG.len() as u64);
    let url = &files[0].file.url;
    let file_id = url.rsplit('/').nth(1).unwrap();
    assert_eq!(sandbox.uploaded_file(file_id).unwrap().as_ref(), PNG);
    let stats = sandbox.stats();
    assert_eq!((stats.presign_requests, stats.upload_puts), (1, 1));
    // The job got the uploaded URL; the ledger keeps the placeholder it recognises the row by.
    let rows = ledger.rows().unwrap();
    let job = rows[0].job_id.as_deref().unwrap();
    let sent = sandbox.job_input(job).unwrap();
    assert_eq!(sent["image_url"], url.as_str());
    assert!(LocalFiles::placeholder_in(&sent).is_none(), "{sent}");
    // The upload came after the ledger's plan and before the submit, in one place in flight.
    let order: Vec<&str> = log
        .0
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Uploaded { row, .. } => Some(row.as_str()),
            Event::Submitted { row, .. } if row == "cat" => Some("submitted"),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["cat", "submitted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placeholder_without_its_files_is_never_sent() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cat_row, _) = image_row("cat", &dir.path().join("cat.png"));
    let mut ledger = ledger(&dir, &format!("{cat_row}{}", plain_row("boat")));
    // The files of another row only.
    let runner = Runner::new(sandbox_client(&sandbox, 5), fast())
        .with_local_files([("boat".to_string(), LocalFiles::keyed("boat"))]);
    let (summary, _) = run_logged(&runner, &mut ledger).await;

    assert_eq!((summary.completed, summary.failed), (1, 1), "{summary:?}");
    let rows = ledger.rows().unwrap();
    assert_eq!(rows[0].status, RowStatus::Failed);
    assert_eq!(rows[0].error_code.as_deref(), Some("LOCAL_FILE_MISSING"));
    let message = rows[0].error_message.as_deref().unwrap();
    assert!(message.contains("/image_url"), "{message}");
    let stats = sandbox.stats();
    assert_eq!((stats.submit_requests, stats.presign_requests), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_cannot_be_uploaded_fails_its_row_and_sends_nothing() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Gone since it was planned.
    let (cat_row, cat_files) = image_row("cat", &dir.path().join("gone.png"));
    let mut ledger = ledger(&dir, &cat_row);
    let runner = Runner::new(sandbox_client(&sandbox, 5), fast())
        .with_local_files([("cat".to_string(), cat_files)]);
    let (summary, log) = run_logged(&runner, &mut ledger).await;

    assert_eq!((summary.failed, summary.unknown), (1, 0), "{summary:?}");
    assert_eq!(log.count(|e| matches!(e, Event::OutcomeUnknown { .. })), 0);
    let rows = ledger.rows().unwrap();
    assert_eq!(rows[0].error_code.as_deref(), Some("LOCAL_FILE"));
    assert!(
        rows[0]
            .error_message
            .as_deref()
            .unwrap()
            .contains("gone.png"),
        "{:?}",
        rows[0].error_message
    );
    let stats = sandbox.stats();
    assert_eq!((stats.submit_requests, stats.presign_requests), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_fails_for_now_leaves_the_row_planned_not_unknown() {
    // The API is gone: the presign cannot be sent, so no upload and no submit happened.
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let client = sandbox_client(&sandbox, 2);
    sandbox.shutdown().await;
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("cat.png");
    std::fs::write(&cat, PNG).unwrap();
    let (cat_row, cat_files) = image_row("cat", &cat);
    let mut ledger = ledger(&dir, &cat_row);
    let runner = Runner::new(client, fast()).with_local_files([("cat".to_string(), cat_files)]);
    let stop = runner.stop_handle();
    let mut requeued = Vec::new();
    let summary = runner
        .run(&mut ledger, |event, _| {
            if let Event::Requeued { code, .. } = event {
                requeued.push(code.clone());
                // Once is enough: the row would be tried again after a pause.
                stop.drain(false);
            }
            assert!(
                !matches!(event, Event::OutcomeUnknown { .. } | Event::Failed { .. }),
                "{event:?}"
            );
        })
        .await
        .unwrap();

    assert_eq!(requeued, ["UPLOAD"]);
    assert_eq!((summary.pending, summary.unknown), (1, 0), "{summary:?}");
    let rows = ledger.rows().unwrap();
    assert_eq!(rows[0].status, RowStatus::Planned);
    assert_eq!(rows[0].error_code.as_deref(), Some("UPLOAD"));
    assert_eq!(rows[0].attempts, 0, "no submit was begun");
}
