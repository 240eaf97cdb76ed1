//! `cargo xtask`: the maintainers' tasks for this workspace. This file reads the command line and
//! hands each command to its module in the `xtask` library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{
    bench, catalog, chaos, check, deny, expand, fuzz, import, new_model, schema, verify_import,
};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Maintainer tasks for the kling workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate every descriptor; fail on errors or on a stale descriptor.schema.json.
    Check(check::Args),
    /// Print the formatted Rust generated for one model.
    Expand(expand::Args),
    /// Scaffold a valid descriptor from flags.
    NewModel(Box<new_model::Args>),
    /// Draft descriptors from PixelByte model pages (MDX source or rendered text) or docs trees.
    Import(import::Args),
    /// Regenerate docs/MODELS.md from the descriptors.
    Catalog,
    /// Drive many jobs through the client against a sandbox injecting every fault; prove none is
    /// duplicated or lost.
    Chaos(chaos::Args),
    /// Run the fuzz targets (needs a nightly toolchain and cargo-fuzz).
    Fuzz(fuzz::Args),
    /// Run the benchmarks; every figure is a ratio or per-unit cost measured in this one run.
    Bench(bench::Args),
    /// Compare pages (or docs trees) with the committed descriptors and report what changed
    /// upstream; fails on any drift (CI runs it on the original seed pages).
    VerifyImport(verify_import::Args),
    /// Check advisories, licenses, bans and sources with cargo-deny, as CI does.
    Deny(deny::Args),
    /// Regenerate descriptor.schema.json from the descriptor types.
    Schema(schema::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Check(args) => check::run(args),
        Command::Expand(args) => expand::run(&args),
        Command::NewModel(args) => new_model::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Catalog => catalog::run(),
        Command::Chaos(args) => chaos::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::VerifyImport(args) => verify_import::run(&args),
        Command::Deny(args) => deny::run(&args),
        Command::Schema(args) => schema::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
