//! Files in and out, measured: the peak memory of a process uploading a video as large as the
//! API takes, and the client's upload and download throughput against a bare reqwest stream of
//! the same bytes over loopback, the two interleaved in one run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use kling::client::{Client, Outcome, WaitOptions};
use kling::models::kling_plus::kling_o3_standard::text_to_video as t2v;
use kling_sandbox::{Sandbox, SandboxConfig};
use reqwest::header;
use serde_json::{Value, json};
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio_util::io::ReaderStream;

/// The largest video the API takes (100 MB, read as MiB).
pub const MAX_VIDEO: u64 = 100 * 1024 * 1024;

/// How the bare side reads and writes: the size the client uses, so that only the client's own
/// work differs.
const CHUNK: usize = 256 * 1024;

/// Writes `len` bytes of a varied pattern to `path`, a block at a time.
pub fn write_file(path: &Path, len: u64) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let block: Vec<u8> = (0..1_048_573u32)
        .map(|i| (i * 31 + i / 251) as u8)
        .collect();
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n])?;
        left -= n as u64;
    }
    file.flush()
}

/// A scratch directory of this process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kling-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Run in its own process: uploads `path` through the client and reports this process's peak
/// resident set size.
pub async fn upload_worker(base: &str, key: &str, path: &Path) -> Value {
    let client = Client::builder()
        .api_key(key)
        .base_url(base)
        .build()
        .expect("client");
    let uploaded = client.upload_path(path).await.expect("upload");
    json!({
        "url": uploaded.url,
        "peak_rss_mb": crate::workload::peak_rss_mb(),
    })
}

/// Uploads a file of `bytes` bytes from a separate process (`worker`, which runs
/// [`upload_worker`]) to a sandbox in this one, and checks what the sandbox stored.
pub async fn upload_rss(worker: &Path, bytes: u64) -> Value {
    let dir = scratch("upload-rss");
    let path = dir.join("clip.mp4");
    write_file(&path, bytes).expect("write the file");
    let sandbox = Sandbox::start(SandboxConfig::for_tests())
        .await
        .expect("sandbox");
    let out = tokio::process::Command::new(worker)
        .arg("upload-worker")
        .arg(sandbox.base_url())
        .arg(sandbox.api_key())
        .arg(&path)
        .output()
        .await
        .expect("worker");
    let text = String::from_utf8_lossy(&out.stdout);
    let report: Value = text
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    let stored = report["url"]
        .as_str()
        .and_then(|url| url.rsplit('/').nth(1))
        .and_then(|id| sandbox.uploaded_file(id))
        .map_or(0, |b| b.len() as u64);
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    json!({
        "peak_rss_mb": report["peak_rss_mb"],
        "bytes": bytes,
        "stored_intact": stored == bytes,
    })
}

/// A presign and a PUT streamed from the file, in bare reqwest.
async fn raw_upload(http: &reqwest::Client, sandbox: &Sandbox, path: &Path, len: u64) {
    let slot = http
        .post(format!("{}/uploads/presign", sandbox.base_url()))
        .bearer_auth(sandbox.api_key())
        .header(header::CONTENT_TYPE, "application/json")
        .body(r#"{"filename":"clip.mp4","contentType":"video/mp4"}"#)
        .send()
        .await
        .expect("presign");
    let slot: Value = serde_json::from_slice(&slot.bytes().await.expect("body")).expect("json");
    let file = tokio::fs::File::open(path).await.expect("open");
    let body = reqwest::Body::wrap_stream(ReaderStream::with_capacity(file, CHUNK));
    let put = http
        .put(slot["uploadUrl"].as_str().expect("uploadUrl"))
        .header(header::CONTENT_TYPE, "video/mp4")
        .header(header::CONTENT_LENGTH, len)
        .body(body)
        .send()
        .await
        .expect("put");
    assert!(put.status().is_success(), "{}", put.status());
    put.bytes().await.expect("body");
}

/// A GET streamed into a file, in bare reqwest.
async fn raw_download(http: &reqwest::Client, url: &str, path: &Path) {
    let mut response = http.get(url).send().await.expect("get");
    let file = tokio::fs::File::create(path).await.expect("create");
    let mut out = BufWriter::with_capacity(CHUNK, file);
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        out.write_all(&chunk).await.expect("write");
    }
    out.flush().await.expect("flush");
}

/// The output video's URL of a completed job.
async fn completed_video(client: &Client) -> String {
    let job = client
        .submit(&t2v::Input::new("a kite"))
        .await
        .expect("submit");
    match client
        .wait(&job, WaitOptions::default())
        .await
        .expect("wait")
    {
        Outcome::Completed(state) => state.outputs[0].url.clone(),
        other => panic!("the job did not complete: {other:?}"),
    }
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Seconds of one run of `f`.
async fn timed(f: impl std::future::Future<Output = ()>) -> f64 {
    let start = Instant::now();
    f.await;
    start.elapsed().as_secs_f64()
}

/// How much [`throughput`] measures.
#[derive(Debug, Clone, Copy)]
pub struct Rounds {
    /// Rounds, each with a fresh sandbox (its upload store only grows).
    pub rounds: usize,
    /// The size of the uploaded file.
    pub upload_bytes: u64,
    /// Uploads per side and round.
    pub uploads: usize,
    /// Downloads of a job's video per side and round.
    pub downloads: usize,
}

/// The client against bare reqwest, one transfer at a time, the side that goes first
/// alternating; both sides share one `reqwest::Client`. Ratios are of median times.
pub async fn throughput(plan: Rounds) -> Value {
    let Rounds {
        rounds,
        upload_bytes,
        uploads,
        downloads,
    } = plan;
    let dir = scratch("throughput");
    let source = dir.join("clip.mp4");
    write_file(&source, upload_bytes).expect("write the file");
    // The bare side's client needs the TLS provider the SDK installs for its own.
    kling::client::prepare_tls();
    let http = reqwest::Client::new();
    let (mut up_sdk, mut up_raw, mut down_sdk, mut down_raw) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut video_bytes = 0;
    for _ in 0..rounds {
        // The round's uploads of both sides are all kept.
        let config = SandboxConfig {
            max_upload_bytes: usize::try_from(2 * uploads as u64 * upload_bytes)
                .unwrap_or(usize::MAX),
            ..SandboxConfig::for_tests()
        };
        let sandbox = Sandbox::start(config).await.expect("sandbox");
        let client = Client::builder()
            .api_key(sandbox.api_key())
            .base_url(sandbox.base_url())
            .http_client(http.clone())
            .build()
            .expect("client");
        let url = completed_video(&client).await;
        let (sdk_path, raw_path) = (dir.join("sdk.mp4"), dir.join("raw.mp4"));
        for sdk in (0..uploads).flat_map(|i| [i % 2 == 0, i % 2 != 0]) {
            if sdk {
                up_sdk.push(
                    timed(async { client.upload_path(&source).await.map(drop).expect("upload") })
                        .await,
                );
            } else {
                up_raw.push(timed(raw_upload(&http, &sandbox, &source, upload_bytes)).await);
            }
        }
        for sdk in (0..downloads).flat_map(|i| [i % 2 == 0, i % 2 != 0]) {
            // A complete copy in place would be kept, not fetched.
            let _ = std::fs::remove_file(if sdk { &sdk_path } else { &raw_path });
            if sdk {
                let fetch = async {
                    video_bytes = client
                        .download_to(&url, &sdk_path)
                        .await
                        .expect("download")
                        .bytes;
                };
                down_sdk.push(timed(fetch).await);
            } else {
                down_raw.push(timed(raw_download(&http, &url, &raw_path)).await);
            }
        }
        let same = std::fs::read(&sdk_path).ok() == std::fs::read(&raw_path).ok();
        assert!(same, "both sides got the same bytes");
        sandbox.shutdown().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (up_sdk, up_raw) = (median(&mut up_sdk), median(&mut up_raw));
    let (down_sdk, down_raw) = (median(&mut down_sdk), median(&mut down_raw));
    let mib_per_s = |bytes: u64, secs: f64| bytes as f64 / secs / (1024.0 * 1024.0);
    json!({
        "upload_throughput_ratio": up_raw / up_sdk,
        "upload_mib_per_s_client": mib_per_s(upload_bytes, up_sdk),
        "upload_mib_per_s_raw": mib_per_s(upload_bytes, up_raw),
        "download_throughput_ratio": down_raw / down_sdk,
        "download_mib_per_s_client": mib_per_s(video_bytes, down_sdk),
        "download_mib_per_s_raw": mib_per_s(video_bytes, down_raw),
        "upload_mib": upload_bytes as f64 / (1024.0 * 1024.0),
        "download_mib": video_bytes as f64 / (1024.0 * 1024.0),
    })
}
