//! The file measurements run end to end on small sizes: what they measure arrives intact (their
//! figures are for `cargo xtask bench`; nothing here is timed).

use std::path::Path;

use kling_bench::files::{Rounds, throughput, upload_rss};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_in_its_own_process_arrives_intact() {
    let worker = Path::new(env!("CARGO_BIN_EXE_kling-bench"));
    let report = upload_rss(worker, 8 * 1024 * 1024 + 5).await;
    assert_eq!(report["stored_intact"], true, "{report}");
    assert!(
        report["peak_rss_mb"].as_f64().is_some_and(|mb| mb > 0.0),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_of_the_throughput_run_move_the_same_bytes() {
    let figures = throughput(Rounds {
        rounds: 1,
        upload_bytes: 1024 * 1024,
        uploads: 1,
        downloads: 2,
    })
    .await;
    for key in ["upload_throughput_ratio", "download_throughput_ratio"] {
        assert!(
            figures[key]
                .as_f64()
                .is_some_and(|x| x.is_finite() && x > 0.0),
            "{key}: {figures}"
        );
    }
    assert!(
        figures["download_mib"].as_f64().unwrap() >= 2.0,
        "{figures}"
    );
}
