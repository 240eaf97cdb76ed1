//! `cargo xtask chaos`: the fault campaigns of `kling-bench` (see SECURITY.md): the client's, or
//! with `--batch` a `kling-batch` run killed with SIGKILL at random moments and resumed.

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
    /// Run a batch through kling-batch instead, its runner killed with SIGKILL at random moments
    /// and resumed; prove one job per row and the spend.
    #[arg(long)]
    pub batch: bool,
    /// Rows of the batch (with --batch).
    #[arg(long, default_value_t = 300)]
    pub rows: usize,
}

/// Runs a chaos campaign (release build of kling-bench); fails when a job is duplicated or lost.
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
        "--seed",
        &args.seed.to_string(),
    ]);
    if args.batch {
        cmd.args(["--batch", "--rows", &args.rows.to_string()]);
    } else {
        cmd.args(["--jobs", &args.jobs.to_string()]);
    }
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
