//! `-v`, `-vv` and `RUST_LOG`: the SDK's tracing (requests, retries, waits) as lines on stderr.
//! The SDK never puts the key or a webhook secret in its events, so nothing here filters them.

use tracing_subscriber::EnvFilter;

/// The filter for `-v` (the SDK's and this command's debug events) and `-vv` (everything).
fn directives(verbose: u8) -> Option<String> {
    match verbose {
        0 => std::env::var("RUST_LOG")
            .ok()
            .filter(|s| !s.trim().is_empty()),
        1 => Some("kling=debug".into()),
        _ => Some("debug,kling=trace".into()),
    }
}

/// Turns logging on when `-v` or `RUST_LOG` asks for it (`-v` wins); otherwise it stays off.
pub fn init(verbose: u8) {
    let Some(directives) = directives(verbose) else {
        return;
    };
    let filter = match EnvFilter::builder().parse(&directives) {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("warning: RUST_LOG `{directives}` is not a log filter ({e}); logs stay off");
            return;
        }
    };
    // Fails only if a subscriber is already set, which nothing else in the command does.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
