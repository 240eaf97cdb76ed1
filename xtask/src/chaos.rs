//! `cargo xtask chaos`: the fault campaign of `kling-bench` (see SECURITY.md).

use crate::process::cargo;

/// The flags of `cargo xtask chaos`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many jobs.
    #[arg(long, default_value_t = 200)]
    pub jobs: usize,
    /// The fault generator's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print only the JSON line.
    #[arg(long)]
    pub json: bool,
}

/// Runs the chaos campaign (release build of kling-bench); fails when a job is duplicated or lost.
pub fn run(args: &Args) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.current_dir(crate::paths::workspace_root()).args([
        "run",
        "--quiet",
        "--release",
        "-p",
        "kling-bench",
        "--",
        "chaos",
        "--jobs",
        &args.jobs.to_string(),
        "--seed",
        &args.seed.to_string(),
    ]);
    if args.json {
        cmd.arg("--json");
    }
    let status = cmd
        .status()
        .map_err(|e| format!("error: cannot run kling-bench: {e}"))?;
    if !status.success() {
        return Err("error: the chaos campaign failed".into());
    }
    Ok(())
}
