//! Rows with `@path` local files: uploaded just before each row's submit, checked before anything
//! is sent, recognised by the ledger on the next run, refused when edited.

use std::path::Path;

use kling_sandbox::Faults;
use serde_json::Value;

use super::{batch_dir, kling, sandbox};

const IMAGE_MODEL: &str = "kling/kling-omni-o1/image-to-video";
const REFERENCE_MODEL: &str = "kling-plus/kling-o3-standard/reference-to-video";

fn image_row(id: &str, path: &Path) -> String {
    let input =
        serde_json::json!({"prompt": "it wakes up", "image_url": format!("@{}", path.display())});
    format!(
        "{}\n",
        serde_json::json!({"id": id, "model": IMAGE_MODEL, "input": input})
    )
}

fn events<'a>(lines: &'a [Value], name: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == name).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_with_local_files_run_and_the_same_command_continues_them() {
    let sandbox = sandbox(Faults::default()).await;
    let (dir, file, ledger) = batch_dir("");
    let (cat, dog) = (dir.path().join("cat.png"), dir.path().join("dog.png"));
    std::fs::write(&cat, b"\x89PNG\r\n\x1a\ncat").unwrap();
    std::fs::write(&dog, b"\x89PNG\r\n\x1a\ndog").unwrap();
    // One file in a URL field, two in a list with a URL beside them; a prompt stays text.
    let pets = serde_json::json!({"id": "pets", "model": REFERENCE_MODEL, "input": {
        "prompt": "@everyone plays",
        "video_url": "https://example.com/v.mp4",
        "images": [format!("@{}", dog.display()), "https://example.com/x.png", format!("@{}", cat.display())],
    }});
    let text = format!("{}{pets}\n", image_row("cat", &cat));
    std::fs::write(&file, &text).unwrap();
    let run = ["batch", "run", &file, "--ledger", &ledger, "--json"];
    let out = kling(&sandbox, &run).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = out.lines();
    let uploaded = events(&lines, "uploaded");
    assert_eq!(uploaded.len(), 2, "{lines:?}");
    let stats = sandbox.stats();
    assert_eq!((stats.presign_requests, stats.upload_puts), (3, 3));
    assert_eq!(stats.submit_requests, 2);
    for event in uploaded {
        let row = event["row"].as_str().unwrap();
        let submitted = events(&lines, "submitted");
        let job = submitted.iter().find(|s| s["row"] == row).unwrap()["job_id"]
            .as_str()
            .unwrap();
        let sent = sandbox.job_input(job).unwrap();
        for upload in event["uploaded"].as_array().unwrap() {
            let field = upload["field"].as_str().unwrap();
            let at = sent.pointer(&format!("/{field}")).unwrap();
            assert_eq!(at, &upload["url"], "{row} {field}: {sent}");
            let id = upload["url"].as_str().unwrap().rsplit('/').nth(1).unwrap();
            let path = upload["path"].as_str().unwrap();
            let stored = sandbox.uploaded_file(id).unwrap();
            assert_eq!(stored.as_ref(), std::fs::read(path).unwrap(), "{path}");
        }
        assert!(!sent.to_string().contains(".invalid"), "{sent}");
    }
    let pets_job = events(&lines, "submitted")
        .into_iter()
        .find(|s| s["row"] == "pets")
        .unwrap()["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let sent = sandbox.job_input(&pets_job).unwrap();
    assert_eq!(sent["prompt"], "@everyone plays");
    assert_eq!(sent["images"][1], "https://example.com/x.png");

    // The same command: the rows are recognised, nothing is uploaded or sent again.
    let again = kling(&sandbox, &run).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.summary()["completed"], 2);
    let stats = sandbox.stats();
    assert_eq!((stats.presign_requests, stats.submit_requests), (3, 2));

    // A row whose path changed is a changed input.
    let edited = text.replace(
        &format!("@{}\"", cat.display()),
        &format!("@{}\"", dog.display()),
    );
    assert_ne!(edited, text);
    std::fs::write(&file, &edited).unwrap();
    let out = kling(&sandbox, &run).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error: Value = serde_json::from_str(&out.stderr).unwrap();
    assert_eq!(error["error"]["code"], "ledger_mismatch", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("row `cat` (line 1): its input changed"),
        "{error}"
    );
    assert_eq!(sandbox.stats().submit_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_cannot_be_uploaded_stops_the_run_before_anything_is_sent() {
    let sandbox = sandbox(Faults::default()).await;
    let (dir, file, ledger) = batch_dir("");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a picture").unwrap();
    let huge = dir.path().join("huge.png");
    // Sparse: only the size is read before anything is sent.
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(10 * 1024 * 1024 + 1).unwrap();
    let cat = dir.path().join("cat.png");
    std::fs::write(&cat, b"\x89PNG\r\n\x1a\ncat").unwrap();
    let text = [
        image_row("fine", &cat),
        image_row("gone", &dir.path().join("gone.png")),
        image_row("notes", &notes),
        image_row("huge", &huge),
    ]
    .concat();
    std::fs::write(&file, &text).unwrap();
    let out = kling(
        &sandbox,
        &["batch", "run", &file, "--ledger", &ledger, "--json"],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error: Value = serde_json::from_str(&out.stderr).unwrap();
    let error = &error["error"];
    assert_eq!(error["code"], "invalid_batch");
    let problems: Vec<(u64, &str, &str, &str)> = error["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["row"].as_str().unwrap(),
                p["field"].as_str().unwrap(),
                p["message"].as_str().unwrap(),
            )
        })
        .collect();
    let expect = [
        (2, "gone", "gone.png"),
        (3, "notes", "unknown file type"),
        (4, "huge", "10485761 bytes"),
    ];
    assert_eq!(problems.len(), expect.len(), "{problems:?}");
    for ((line, row, field, message), (want_line, want_row, says)) in problems.iter().zip(expect) {
        assert_eq!(
            (*line, *row, *field),
            (want_line, want_row, "/input/image_url")
        );
        assert!(message.contains(says), "{message}");
    }
    let stats = sandbox.stats();
    assert_eq!(
        (
            stats.presign_requests,
            stats.upload_puts,
            stats.submit_requests
        ),
        (0, 0, 0)
    );
    assert!(!Path::new(&ledger).exists(), "no ledger for a refused plan");
}
