//! `-v`, `-vv` and `RUST_LOG`: the SDK's tracing (requests, retries, waits) as lines on stderr.
//! The SDK never puts the key or a webhook secret in its events, so nothing here filters them.
//!
//! `RUST_LOG` is read as comma-separated `target=level` directives (`kling=debug`, `debug`), as
//! tracing-subscriber's `Targets` parses them: its `env-filter` feature would add span and field
//! filters, and the regex crates with them, for nothing this command needs.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The directives for `-v` (the SDK's and this command's debug events), `-vv` (everything), or
/// else `RUST_LOG`.
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
    let targets: Targets = match directives.parse() {
        Ok(targets) => targets,
        Err(e) => {
            eprintln!("warning: RUST_LOG `{directives}` is not a log filter ({e}); logs stay off");
            return;
        }
    };
    // Fails only if a subscriber is already set, which nothing else in the command does.
    let _ = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_writer(std::io::stderr)
        .finish()
        .with(targets)
        .try_init();
}
