//! Files in and out against the sandbox over loopback: streamed uploads, local files as inputs,
//! downloads that resume and never carry the key.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kling::client::{
    Client, Error, LocalFiles, Outcome, RetryPolicy, SubmitOptions, TransferProgress, WaitOptions,
};
use kling::models::kling::kling_omni_o1::image_to_video as omni_i2v;
use kling::prelude::*;
use kling_sandbox::{Sandbox, SandboxConfig};
use sha2::{Digest, Sha256};

/// Retries in milliseconds, not seconds.
fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn client_of(base_url: &str, key: &str) -> Client {
    Client::builder()
        .api_key(key)
        .base_url(base_url)
        .retry(fast_retries(5))
        .build()
        .expect("client")
}

async fn start(config: SandboxConfig) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let client = client_of(&sandbox.base_url(), sandbox.api_key());
    (sandbox, client)
}

/// A fresh directory of its own for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kling-files-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `len` bytes that are not all alike, so a misplaced chunk shows.
fn write_file(path: &Path, len: usize) -> Vec<u8> {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 997) as u8).collect();
    std::fs::write(path, &bytes).unwrap();
    bytes
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// The `fileId` the sandbox gives an upload, from its URL (`…/files/uploads/<id>/<name>`).
fn file_id(url: &str) -> &str {
    url.rsplit('/').nth(1).unwrap()
}

#[tokio::test]
async fn a_streamed_upload_stores_exactly_the_file() {
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    let dir = scratch("upload");
    let path = dir.join("clip.mp4");
    let bytes = write_file(&path, 7 * 1024 * 1024 + 123);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let uploaded = client
        .upload_path_with_progress(&path, move |p: &TransferProgress<'_>| {
            record.lock().unwrap().push((p.done, p.total));
        })
        .await
        .unwrap();
    let stored = sandbox.uploaded_file(file_id(&uploaded.url)).unwrap();
    assert_eq!(stored.len(), bytes.len());
    assert_eq!(sha256(&stored), sha256(&bytes));
    let seen = seen.lock().unwrap();
    let total = Some(bytes.len() as u64);
    assert_eq!(seen.first(), Some(&(0, total)));
    assert_eq!(seen.last(), Some(&(bytes.len() as u64, total)));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert!(
        seen.len() > 10,
        "streamed a chunk at a time: {}",
        seen.len()
    );
    let stats = sandbox.stats();
    assert_eq!((stats.presign_requests, stats.upload_puts), (1, 1));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_put_whose_answer_is_lost_is_sent_again_from_the_file() {
    let mut config = SandboxConfig::for_tests();
    config.faults.drop_connection = 0.5;
    config.seed = 7;
    let (sandbox, client) = start(config).await;
    let dir = scratch("retry");
    let path = dir.join("cat.png");
    let bytes = write_file(&path, 300_000);
    for _ in 0..4 {
        let uploaded = client.upload_path(&path).await.unwrap();
        let stored = sandbox.uploaded_file(file_id(&uploaded.url)).unwrap();
        assert_eq!(sha256(&stored), sha256(&bytes));
    }
    let stats = sandbox.stats();
    assert!(stats.connections_dropped > 0, "{stats:?}");
    assert!(stats.upload_puts > 4, "some PUT was sent again: {stats:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn files_are_refused_by_type_and_size_before_any_request() {
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    let dir = scratch("refused");
    std::fs::write(dir.join("notes.txt"), "hello").unwrap();
    // One byte over the 10 MiB image cap, without writing 10 MiB: a sparse file.
    let big = std::fs::File::create(dir.join("big.png")).unwrap();
    big.set_len(10 * 1024 * 1024 + 1).unwrap();
    std::fs::create_dir(dir.join("folder.mp4")).unwrap();
    for name in ["notes.txt", "big.png", "folder.mp4"] {
        let Err(Error::FileNotAccepted { path, reason }) = client.upload_path(dir.join(name)).await
        else {
            panic!("{name}")
        };
        assert!(path.ends_with(name), "{path}");
        assert!(!reason.is_empty());
    }
    assert!(matches!(
        client.upload_path(dir.join("missing.png")).await,
        Err(Error::Io { .. })
    ));
    assert!(matches!(
        client
            .upload_bytes("a.exe", "application/x-msdownload", vec![1])
            .await,
        Err(Error::FileNotAccepted { .. })
    ));
    assert!(matches!(
        client
            .upload_bytes("song.mp3", "audio/mpeg", vec![0; 50 * 1024 * 1024 + 1])
            .await,
        Err(Error::FileNotAccepted { .. })
    ));
    let stats = sandbox.stats();
    assert_eq!((stats.presign_requests, stats.upload_puts), (0, 0));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn local_files_are_uploaded_only_for_an_input_that_would_be_sent() {
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    let dir = scratch("local");
    let cat = dir.join("cat.png");
    let bytes = write_file(&cat, 5000);

    let mut files = LocalFiles::new();
    let too_long = omni_i2v::Input::new("x".repeat(2501), files.path(&cat));
    let options = SubmitOptions::default();
    let Err(Error::InvalidInput(v)) = client
        .submit_with_files(&too_long, &files, options.clone())
        .await
    else {
        panic!()
    };
    assert_eq!(v[0].path, "/prompt");
    let input = omni_i2v::Input::new("the cat wakes up", files.path(&cat));
    let poor = SubmitOptions {
        budget: Some(MicroCents::new(1)),
        ..SubmitOptions::default()
    };
    assert!(matches!(
        client.submit_with_files(&input, &files, poor).await,
        Err(Error::OverBudget { .. })
    ));
    let mut missing = LocalFiles::new();
    let lost = omni_i2v::Input::new("x", missing.path(dir.join("gone.png")));
    assert!(matches!(missing.check().await, Err(Error::Io { .. })));
    assert!(matches!(
        client
            .submit_with_files(&lost, &missing, options.clone())
            .await,
        Err(Error::Io { .. })
    ));
    let stats = sandbox.stats();
    assert_eq!(
        (stats.presign_requests, stats.submit_requests),
        (0, 0),
        "nothing is sent for an input that would be refused"
    );

    let (job, uploaded) = client
        .submit_with_files(&input, &files, options)
        .await
        .unwrap();
    assert!(job.id.starts_with("job_"));
    assert_eq!(uploaded.len(), 1);
    assert_eq!(uploaded[0].fields, ["/image_url"]);
    assert_eq!(
        (uploaded[0].path.as_path(), uploaded[0].bytes),
        (cat.as_path(), 5000)
    );
    let stored = sandbox
        .uploaded_file(file_id(&uploaded[0].file.url))
        .unwrap();
    assert_eq!(&stored[..], &bytes[..]);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A completed job of the sandbox, as the client sees it.
async fn completed(client: &Client) -> kling::client::JobState {
    let input = omni_i2v::Input::new("a cat", "https://example.com/cat.png");
    let job = client.submit(&input).await.unwrap();
    let options = WaitOptions {
        min_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(100),
        ..WaitOptions::default()
    };
    match client.wait(&job, options).await.unwrap() {
        Outcome::Completed(state) => state,
        other => panic!("{other:?}"),
    }
}

/// Whether `dir` holds anything but the named files.
fn leftovers(dir: &Path, expected: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !expected.contains(&name.as_str()))
        .collect()
}

#[tokio::test]
async fn downloads_resume_after_cuts_and_never_carry_the_key() {
    let mut config = SandboxConfig::for_tests();
    config.faults.cut_download = 1.0; // every answer is cut, resumptions included
    let (sandbox, client) = start(config).await;
    let state = completed(&client).await;
    let files = state.output_files();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["output_0.mp4", "thumb_0.jpg", "poster_0.jpg"]);
    let dir = scratch("download").join(&state.id);
    for file in &files {
        let mut last = 0;
        let downloaded = client
            .download_to_with_progress(&file.url, dir.join(&file.name), |p| {
                assert!(p.done >= last, "progress never goes back on a resume");
                last = p.done;
            })
            .await
            .unwrap();
        let want = sandbox.output_file(&state.id, &file.name).unwrap();
        let got = std::fs::read(&downloaded.path).unwrap();
        assert_eq!(got.len(), want.len());
        assert_eq!(sha256(&got), sha256(&want), "{}", file.name);
        assert_eq!(downloaded.bytes, want.len() as u64);
        assert!(downloaded.fetched);
        assert!(downloaded.resumes > 0, "{downloaded:?}");
        assert_eq!(last, want.len() as u64);
    }
    assert!(leftovers(&dir, &names).is_empty());
    let stats = sandbox.stats();
    assert!(stats.downloads_cut >= 3, "{stats:?}");
    assert_eq!(stats.output_requests_with_credentials, 0);
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_complete_file_is_kept_and_a_short_one_fetched_again() {
    let (sandbox, client) = start(SandboxConfig::for_tests()).await;
    let state = completed(&client).await;
    let video = &state.outputs[0];
    let dir = scratch("existing");
    let path = dir.join("video.mp4");
    let first = video.download_to(&client, &path).await.unwrap();
    assert!(first.fetched);
    let want = sandbox.output_file(&state.id, "output_0.mp4").unwrap();
    // Same length, other bytes: a complete copy is trusted by its length and left alone.
    std::fs::write(&path, vec![0u8; want.len()]).unwrap();
    let again = video.download_to(&client, &path).await.unwrap();
    assert!(!again.fetched);
    assert_eq!(again.bytes, want.len() as u64);
    assert!(std::fs::read(&path).unwrap().iter().all(|b| *b == 0));
    // A short copy (a power loss before the data reached the disk) is fetched again.
    std::fs::write(&path, b"short").unwrap();
    let fixed = video.download_to(&client, &path).await.unwrap();
    assert!(fixed.fetched);
    assert_eq!(sha256(&std::fs::read(&path).unwrap()), sha256(&want));
    assert_eq!(sandbox.stats().output_requests_with_credentials, 0);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_partial_file_never_has_the_final_name() {
    use axum::body::Body;
    use axum::http::header;

    // A file server that promises 1000 bytes, sends 500 and breaks the connection, with no
    // validator to resume by.
    let app = axum::Router::new().route(
        "/out.mp4",
        axum::routing::get(|| async {
            let half =
                futures_util::stream::iter([Ok(bytes_of(500)), Err(std::io::Error::other("cut"))]);
            ([(header::CONTENT_LENGTH, "1000")], Body::from_stream(half))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::builder()
        .api_key("pb_x")
        .base_url(format!("http://{addr}/v1"))
        .retry(fast_retries(3))
        .build()
        .unwrap();
    let dir = scratch("partial");
    let url = format!("http://{addr}/out.mp4");
    let fresh = dir.join("fresh.mp4");
    let Err(Error::Transport { operation, .. }) = client.download_to(&url, &fresh).await else {
        panic!()
    };
    assert_eq!(operation, "download");
    assert!(!fresh.exists());
    // An older file under the final name is left as it was, never replaced by a partial one.
    let old = dir.join("old.mp4");
    std::fs::write(&old, b"previous").unwrap();
    assert!(client.download_to(&url, &old).await.is_err());
    assert_eq!(std::fs::read(&old).unwrap(), b"previous");
    assert!(leftovers(&dir, &["old.mp4"]).is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

fn bytes_of(n: usize) -> axum::body::Bytes {
    axum::body::Bytes::from(vec![7u8; n])
}
