//! The measurements behind `cargo xtask bench`. Every figure is a ratio or a per-unit cost
//! measured side by side in this one run, never compared with a number from another machine.
//!
//! `kling-bench [--quick]` prints one JSON object on its last line.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use kling::client::{Client, Outcome, WaitOptions};
use kling::models::kling_plus::kling_o3_standard::reference_to_video as r2v;
use kling::prelude::*;
use kling_bench::workload::{self, job_input, round};
use kling_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

fn typical_input() -> r2v::Input {
    r2v::Input::new()
        .prompt("A paper boat drifts down a rainy street at dusk, the camera following it low to the ground")
        .video_url("https://example.com/reference.mp4")
        .images(["https://example.com/a.png", "https://example.com/b.png"])
        .aspect_ratio(r2v::AspectRatio::Ratio9_16)
        .duration(r2v::Duration::Seconds10)
        .has_sound(true)
        .multishot([
            r2v::MultishotItem::new("the boat enters the frame").duration(r2v::MultishotDuration::Seconds4),
            r2v::MultishotItem::new("it spins in a puddle").duration(r2v::MultishotDuration::Seconds5),
        ])
}

/// Nanoseconds per call of `f`, the best of a few rounds (the least disturbed by the machine).
fn ns_per_call(iterations: u32, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..iterations {
            f();
        }
        best = best.min(start.elapsed().as_nanos() as f64 / f64::from(iterations));
    }
    best
}

fn micro(quick: bool) -> Value {
    let n = if quick { 20_000 } else { 200_000 };
    let input = typical_input();
    let cost_ns = ns_per_call(n, || {
        black_box(black_box(&input).cost());
    });
    let validate_ns = ns_per_call(n, || {
        let _ = black_box(black_box(&input).validate());
    });
    let serialize_ns = ns_per_call(n, || {
        black_box(serde_json::to_vec(black_box(&input)).ok());
    });
    let catalog = kling_sandbox::embedded_catalog().expect("catalog");
    let descriptor = &catalog[<r2v::Input as Model>::SLUG];
    let json = serde_json::to_value(&input).expect("json");
    let dynamic_ns = ns_per_call(n / 10, || {
        black_box(
            kling_descriptor::input::quote_input(black_box(descriptor), black_box(&json)).ok(),
        );
    });
    json!({
        "cost_ns": round(cost_ns),
        "validate_ns": round(validate_ns),
        "serialize_ns": round(serialize_ns),
        "dynamic_validate_and_price_ns": round(dynamic_ns),
        "typed_vs_dynamic_speedup": round(dynamic_ns / (cost_ns + validate_ns)),
    })
}

/// A synthetic catalog of `n` descriptors with the real catalog's variety: the real ones,
/// cycled, each under a new slug.
fn synthetic_catalog(n: usize, dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    let real = kling_sandbox::embedded_catalog().expect("catalog");
    let real: Vec<_> = real.values().collect();
    for i in 0..n {
        let mut d = real[i % real.len()].clone();
        let capability = d
            .slug
            .rsplit('/')
            .next()
            .unwrap_or("text-to-video")
            .to_string();
        d.slug = format!("synthetic/model-{i:04}/{capability}");
        d.model = format!("Synthetic {i}");
        let path = dir.join(format!("{}.json", d.slug));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, serde_json::to_string_pretty(&d).expect("json")).expect("write");
    }
}

fn expansion(quick: bool) -> Value {
    let base = std::env::temp_dir().join(format!("kling-bench-expand-{}", std::process::id()));
    let mut per_model = Vec::new();
    for n in [100usize, 1000] {
        let dir = base.join(n.to_string());
        synthetic_catalog(n, &dir);
        let rounds = if quick { 2 } else { 5 };
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let start = Instant::now();
            let tokens =
                kling_codegen::expand_dir(&dir, "synthetic", &kling_codegen::Options::default())
                    .expect("expands");
            black_box(tokens.to_string().len());
            best = best.min(start.elapsed().as_secs_f64() * 1000.0 / n as f64);
        }
        per_model.push(best);
    }
    let _ = std::fs::remove_dir_all(&base);
    json!({
        "expansion_ms_per_model": round(per_model[1]),
        "expansion_ms_per_model_at_100": round(per_model[0]),
        "expansion_scaling_1000_vs_100": round(per_model[1] / per_model[0]),
    })
}

async fn client_overhead(quick: bool) -> Value {
    let config = SandboxConfig {
        max_jobs: 1_000_000,
        ..SandboxConfig::for_tests()
    };
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let http = reqwest::Client::new();
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(sandbox.base_url())
        .http_client(http.clone())
        .build()
        .expect("client");
    let input = r2v::Input::new()
        .prompt("a kite")
        .duration(r2v::Duration::Seconds5);
    let body = json!({"model": <r2v::Input as Model>::SLUG, "input": serde_json::to_value(&input).expect("json")}).to_string();
    let base = sandbox.base_url();
    let key = sandbox.api_key().to_string();
    let (mut sdk, mut raw) = (Vec::new(), Vec::new());
    let rounds = if quick { 1500 } else { 6000 };
    // Interleave single round trips, alternating which side goes first, so slow drifts of a
    // shared machine (and the sandbox's growing job store) hit both sides alike.
    for round_no in 0..rounds {
        for side in [round_no % 2 == 0, round_no % 2 != 0] {
            let start = Instant::now();
            if side {
                let job = client.submit(&input).await.expect("submit");
                black_box(client.job(&job.id).await.expect("status"));
                sdk.push(start.elapsed().as_secs_f64());
            } else {
                let answer = http
                    .post(format!("{base}/jobs/submit"))
                    .bearer_auth(&key)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .expect("send");
                let job: Value =
                    serde_json::from_slice(&answer.bytes().await.expect("body")).expect("json");
                let id = job["jobId"].as_str().expect("id");
                let state = http
                    .get(format!("{base}/jobs/{id}"))
                    .bearer_auth(&key)
                    .send()
                    .await
                    .expect("send");
                black_box(
                    serde_json::from_slice::<Value>(&state.bytes().await.expect("body"))
                        .expect("json"),
                );
                raw.push(start.elapsed().as_secs_f64());
            }
        }
    }
    sandbox.shutdown().await;
    // Medians: a round trip disturbed by the shared machine does not move them.
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (sdk, raw) = (median(&mut sdk), median(&mut raw));
    json!({
        "client_overhead_ratio": round(raw / sdk),
        "round_trips_per_s_client": round(1.0 / sdk),
        "round_trips_per_s_raw": round(1.0 / raw),
    })
}

async fn polling(quick: bool) -> Value {
    let speed = 100.0;
    let jobs = if quick { 100 } else { 200 };
    let mut figures = Vec::new();
    for fixed in [false, true] {
        let config = SandboxConfig {
            speed,
            completion_factor: (0.8, 1.3),
            seed: 42,
            ..SandboxConfig::for_tests()
        };
        let sandbox = Sandbox::start(config).await.expect("sandbox");
        let client = Client::builder()
            .api_key(sandbox.api_key())
            .base_url(sandbox.base_url())
            .build()
            .expect("client");
        let mut waits = Vec::new();
        for i in 0..jobs {
            let (id, input) = job_input(i);
            let job = client
                .submit_json(id, input, Default::default())
                .await
                .expect("submit");
            let client = client.clone();
            waits.push(tokio::spawn(async move {
                if fixed {
                    // The quick-start's baseline: every 5 s (scaled by the clock).
                    loop {
                        tokio::time::sleep(Duration::from_secs_f64(5.0 / speed)).await;
                        if client
                            .job(&job.id)
                            .await
                            .expect("status")
                            .status
                            .is_terminal()
                        {
                            return true;
                        }
                    }
                } else {
                    let options = WaitOptions {
                        min_interval: Duration::from_secs_f64(1.0 / speed),
                        max_interval: Duration::from_secs_f64(60.0 / speed),
                        ..WaitOptions::default()
                    };
                    matches!(
                        client.wait(&job, options).await.expect("wait"),
                        Outcome::Completed(_)
                    )
                }
            }));
        }
        let mut completed = 0;
        for w in waits {
            completed += usize::from(w.await.expect("join"));
        }
        figures.push(sandbox.stats().status_requests as f64 / completed as f64);
        sandbox.shutdown().await;
    }
    json!({
        "status_requests_per_job": round(figures[0]),
        "status_requests_per_job_fixed_5s": round(figures[1]),
        "wait_jobs": jobs,
    })
}

/// Run in its own process: submit `jobs` jobs and wait for all of them at once.
async fn wait_worker(base: &str, key: &str, jobs: usize) -> Value {
    let client = Client::builder()
        .api_key(key)
        .base_url(base)
        .build()
        .expect("client");
    let mut waits = Vec::new();
    for i in 0..jobs {
        let (id, input) = job_input(i);
        let job = client
            .submit_json(id, input, Default::default())
            .await
            .expect("submit");
        let client = client.clone();
        waits.push(tokio::spawn(async move {
            matches!(
                client
                    .wait(&job, workload::worker_wait())
                    .await
                    .expect("wait"),
                Outcome::Completed(_)
            )
        }));
    }
    let mut completed = 0usize;
    for w in waits {
        completed += usize::from(w.await.expect("join"));
    }
    json!({
        "completed": completed,
        "peak_rss_mb": workload::peak_rss_mb(),
        "cpu_s": workload::cpu_seconds(),
    })
}

async fn wait_many(jobs: usize) -> Value {
    let me = std::env::current_exe().expect("exe");
    let worker = workload::in_own_process(&me, "wait-worker", &[jobs.to_string()]).await;
    json!({
        "wait_1000_jobs_peak_rss_mb": worker["peak_rss_mb"],
        "wait_1000_jobs_cpu_s": worker["cpu_s"],
        "wait_1000_jobs_completed": worker["completed"],
    })
}

/// 1,000 rows through kling-batch in their own process; the batch's own cost per row is its
/// CPU time beyond the plain waiter's for the same 1,000 jobs.
async fn batch_many(rows: usize, wait_cpu_s: Option<f64>) -> Value {
    let me = std::env::current_exe().expect("exe");
    let worker = workload::in_own_process(&me, "batch-load-worker", &[rows.to_string()]).await;
    let overhead = worker["cpu_s"]
        .as_f64()
        .zip(wait_cpu_s)
        .map(|(batch, wait)| (batch - wait) / rows as f64);
    json!({
        "batch_1000_rows_peak_rss_mb": worker["peak_rss_mb"],
        "batch_1000_rows_cpu_s": worker["cpu_s"],
        "batch_1000_rows_completed": worker["completed"],
        "batch_overhead_s_per_row": overhead.map(|s| (s * 1e6).round() / 1e6),
    })
}

/// `kling-bench chaos --batch`: the batch campaign, with this binary as the killed worker.
async fn chaos_batch(rows: usize, seed: u64, kills: usize, json_only: bool) {
    let me = std::env::current_exe().expect("exe");
    match kling_bench::chaos_batch::run(&me, rows, seed, kills).await {
        Ok(report) => {
            if !json_only {
                eprintln!("{report:#?}");
            }
            println!("{}", report.to_json());
            if !report.ok() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("chaos") {
        let flag = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .and_then(|v| v.parse::<u64>().ok())
        };
        let seed = flag("--seed").unwrap_or(1);
        if args.iter().any(|a| a == "--batch") {
            let rows = flag("--rows").unwrap_or(300) as usize;
            let kills = flag("--kills").unwrap_or(6) as usize;
            chaos_batch(rows, seed, kills, args.iter().any(|a| a == "--json")).await;
            return;
        }
        let jobs = flag("--jobs").unwrap_or(200) as usize;
        let report = kling_bench::chaos::run(jobs, seed).await;
        if !args.iter().any(|a| a == "--json") {
            eprintln!("{report:#?}");
        }
        println!("{}", report.to_json());
        let accounted = report.completed + report.failed + report.unknown == report.jobs;
        if !accounted || report.duplicates > 0 || report.lost > 0 {
            std::process::exit(1);
        }
        return;
    }
    if args.first().map(String::as_str) == Some("synthetic") {
        let n = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100);
        let dir = args
            .get(2)
            .map_or_else(|| std::env::temp_dir().join("kling-synthetic"), Into::into);
        synthetic_catalog(n, &dir);
        println!("wrote {n} descriptors under {}", dir.display());
        return;
    }
    if args.first().map(String::as_str) == Some("batch-worker") {
        let (Some(base), Some(key), Some(ledger)) = (args.get(1), args.get(2), args.get(3)) else {
            eprintln!("usage: kling-bench batch-worker BASE_URL KEY LEDGER");
            std::process::exit(2);
        };
        match kling_bench::chaos_batch::worker(base, key, Path::new(ledger)).await {
            Ok(summary) => println!("{}", json!(summary)),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    if args.first().map(String::as_str) == Some("batch-load-worker") {
        let rows = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1000);
        println!(
            "{}",
            kling_bench::batch_load::worker(&args[1], &args[2], rows).await
        );
        return;
    }
    if args.first().map(String::as_str) == Some("wait-worker") {
        let jobs = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1000);
        println!("{}", wait_worker(&args[1], &args[2], jobs).await);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let mut out = json!({});
    eprintln!("micro-benchmarks…");
    merge(&mut out, micro(quick));
    eprintln!("macro expansion on synthetic catalogs…");
    merge(&mut out, expansion(quick));
    eprintln!("client overhead against raw reqwest…");
    merge(&mut out, client_overhead(quick).await);
    eprintln!("status requests per job…");
    merge(&mut out, polling(quick).await);
    eprintln!("1,000 jobs waited on at once…");
    let waited = wait_many(1000).await;
    let wait_cpu_s = waited["wait_1000_jobs_cpu_s"].as_f64();
    merge(&mut out, waited);
    eprintln!("1,000 rows through kling-batch…");
    merge(&mut out, batch_many(1000, wait_cpu_s).await);
    println!("{out}");
}
