//! `kling`: price, submit and wait for Kling videos on PixelByte, or try everything against a
//! local sandbox (`--sandbox`).
//!
//! Exit codes: 0 ok; 1 other error; 2 invalid input or usage (nothing sent); 3 API error; 4 timed
//! out (job id printed); 5 the job failed (a batch: some rows failed); 6 a submit's outcome is
//! unknown, a job may exist (a batch: some rows are unknown or pending).

use std::process::ExitCode;

use clap::Parser;

mod catalog;
mod cli;
mod commands;
mod config;
mod fail;
mod input;
mod journal;
mod local_inputs;
mod logs;
mod output;
mod session;
mod transfer_bar;

use fail::Fail;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(e),
    };
    logs::init(cli.verbose);
    match commands::run(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => report(&fail, cli.json),
    }
}

/// Prints a failure: `error: …`, or with `--json` one JSON object; exits with its code.
fn report(fail: &Fail, json: bool) -> ExitCode {
    if json {
        match serde_json::to_string(&fail::ErrorView::from(fail)) {
            Ok(text) => eprintln!("{text}"),
            Err(_) => eprintln!("error: {}", fail.message()),
        }
    } else {
        eprintln!("error: {}", fail.message());
    }
    ExitCode::from(fail.exit_code())
}

/// A command line clap refused (or `--help`/`--version`, which are not failures). With `--json`
/// anywhere on the line, the refusal is a `usage` error object like any other failure.
fn usage(e: clap::Error) -> ExitCode {
    let json = std::env::args_os().any(|a| a == "--json");
    if !json || !e.use_stderr() {
        e.exit();
    }
    let rendered = e.render().to_string();
    let first = rendered.split("\n\n").next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first).trim();
    report(&Fail::usage(message), true)
}
