//! `cargo xtask bench`: runs `kling-bench` (release) for the run-time figures and measures the
//! build cost of the generated code itself, in a scratch copy of the workspace.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use crate::process::{cargo, run_ok};

/// The flags of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A shorter run (under 15 minutes on 2 cores).
    #[arg(long)]
    pub quick: bool,
    /// Print one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

/// Copies the tracked files of the workspace (not `target/`) into `to`.
fn copy_workspace(root: &Path, to: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(to);
    let files = run_ok(
        Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["ls-files", "-z"]),
        "git ls-files",
    )?;
    for rel in files.split('\0').filter(|f| !f.is_empty()) {
        let from = root.join(rel);
        let dest = to.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let meta = std::fs::symlink_metadata(&from).map_err(|e| e.to_string())?;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&from).map_err(|e| e.to_string())?;
            std::os::unix::fs::symlink(target, &dest).map_err(|e| e.to_string())?;
        } else {
            std::fs::copy(&from, &dest).map_err(|e| format!("{}: {e}", from.display()))?;
        }
    }
    Ok(())
}

/// Seconds to build the `kling` crate alone (its dependencies already built) with `n` models.
fn build_seconds(bench_bin: &Path, ws: &Path, target: &Path, n: usize) -> Result<f64, String> {
    let schemas = ws.join("schemas");
    let _ = std::fs::remove_dir_all(&schemas);
    run_ok(
        Command::new(bench_bin)
            .args(["synthetic", &n.to_string()])
            .arg(&schemas),
        "kling-bench synthetic",
    )?;
    let build = |c: &mut Command| {
        c.current_dir(ws).env("CARGO_TARGET_DIR", target).args([
            "build",
            "--quiet",
            "-p",
            "kling",
            "--offline",
        ]);
    };
    let mut warm = cargo();
    build(&mut warm);
    run_ok(&mut warm, "cargo build (warm-up)")?;
    let mut best = f64::MAX;
    for _ in 0..2 {
        run_ok(
            cargo()
                .current_dir(ws)
                .env("CARGO_TARGET_DIR", target)
                .args(["clean", "--quiet", "-p", "kling", "--offline"]),
            "cargo clean",
        )?;
        let mut cmd = cargo();
        build(&mut cmd);
        let start = Instant::now();
        run_ok(&mut cmd, "cargo build -p kling")?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// Runs `kling-bench` and measures the generated code's build cost; prints every figure.
pub fn run(args: &Args) -> Result<(), String> {
    let root = &crate::paths::workspace_root();
    let (quick, json_out) = (args.quick, args.json);
    eprintln!("building kling-bench (release)…");
    run_ok(
        cargo()
            .current_dir(root)
            .args(["build", "--quiet", "--release", "-p", "kling-bench"]),
        "cargo build -p kling-bench",
    )?;
    let target_dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let bench_bin = target_dir.join("release").join("kling-bench");
    let mut args = Vec::new();
    if quick {
        args.push("--quick");
    }
    let out = Command::new(&bench_bin)
        .args(&args)
        .output()
        .map_err(|e| format!("error: cannot run kling-bench: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "error: kling-bench failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut figures: Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or("error: kling-bench printed no JSON")?;

    eprintln!("build cost of the generated code (10 vs 100 synthetic models)…");
    let scratch = std::env::temp_dir().join("kling-bench-build");
    let ws = scratch.join("workspace");
    copy_workspace(root, &ws)?;
    let target = scratch.join("target");
    let small = build_seconds(&bench_bin, &ws, &target, 10)?;
    let large = build_seconds(&bench_bin, &ws, &target, 100)?;
    let _ = std::fs::remove_dir_all(&ws);
    if let Value::Object(map) = &mut figures {
        let r = |x: f64| (x * 1000.0).round() / 1000.0;
        map.insert("build_s_kling_10_models".into(), json!(r(small)));
        map.insert("build_s_kling_100_models".into(), json!(r(large)));
        map.insert("build_s_per_model".into(), json!(r((large - small) / 90.0)));
        map.insert("quick".into(), json!(quick));
    }
    if json_out {
        println!("{figures}");
    } else if let Value::Object(map) = &figures {
        for (k, v) in map {
            println!("{k:<40} {v}");
        }
    }
    Ok(())
}
