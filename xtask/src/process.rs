//! Running cargo and other tools as child processes.

use std::process::Command;

/// The cargo that runs this task (so `cargo +toolchain xtask` stays on its toolchain).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `cmd` and returns its standard output, or an error naming `what` with its standard error.
pub fn run_ok(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("error: cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "error: {what} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
