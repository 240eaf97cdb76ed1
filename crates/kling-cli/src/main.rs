//! `kling`: price, submit and wait for Kling videos on PixelByte, or try everything against a
//! local sandbox (`--sandbox`).
//!
//! Exit codes: 0 ok; 1 other error; 2 invalid input or usage (nothing sent); 3 API error; 4 timed
//! out (job id printed); 5 the job failed; 6 a submit's outcome is unknown (a job may exist).

use std::process::ExitCode;

use clap::Parser;

mod catalog;
mod cli;
mod commands;
mod fail;
mod input;
mod journal;
mod local_inputs;
mod output;
mod session;
mod transfer_bar;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => {
            eprintln!("error: {}", fail.message());
            ExitCode::from(fail.code())
        }
    }
}
