//! `cargo xtask fuzz`: the fuzz targets under `fuzz/` (a separate cargo-fuzz workspace built with
//! nightly), each for a while, keeping its corpus.

use std::process::Command;

/// The flags of `cargo xtask fuzz`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seconds per target.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Only this target.
    #[arg(long)]
    pub target: Option<String>,
}

/// The fuzz targets under `fuzz/fuzz_targets`.
pub const FUZZ_TARGETS: [&str; 6] = [
    "descriptor",
    "dynamic_input",
    "response",
    "webhook",
    "cli_fields",
    "importer",
];

/// Runs each fuzz target for `seconds`, keeping its corpus under `fuzz/corpus/<target>`, and reports
/// executions and crashes.
pub fn run(args: &Args) -> Result<(), String> {
    let (seconds, only) = (args.seconds, args.target.as_deref());
    if let Some(name) = only
        && !FUZZ_TARGETS.contains(&name)
    {
        return Err(format!(
            "error: no fuzz target `{name}` (targets: {})",
            FUZZ_TARGETS.join(", ")
        ));
    }
    let fuzz_dir = crate::paths::workspace_root().join("fuzz");
    let mut failed = Vec::new();
    for target in FUZZ_TARGETS
        .iter()
        .filter(|t| only.is_none_or(|o| o == **t))
    {
        let out = Command::new("cargo")
            .current_dir(&fuzz_dir)
            .args([
                "+nightly",
                "fuzz",
                "run",
                "-O",
                target,
                "--",
                &format!("-max_total_time={seconds}"),
                "-print_final_stats=1",
            ])
            .output()
            .map_err(|e| {
                format!(
                    "error: cannot run cargo fuzz (install it with `cargo install cargo-fuzz`): {e}"
                )
            })?;
        let log = String::from_utf8_lossy(&out.stderr);
        let execs = log
            .lines()
            .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
            .map(|n| n.trim().to_string())
            .unwrap_or_else(|| "?".into());
        let crashed = !out.status.success();
        println!(
            "{target:<14} {execs:>12} executions in {seconds} s  {}",
            if crashed {
                "CRASH (see fuzz/artifacts)"
            } else {
                "no crash"
            }
        );
        if crashed {
            failed.push(target.to_string());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("error: crashes in {}", failed.join(", ")))
    }
}
