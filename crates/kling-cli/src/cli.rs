//! The command line, as clap sees it.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};
use clap::{ArgAction, Args, Parser, Subcommand};

use crate::catalog;

/// Price, submit and wait for Kling videos on PixelByte, or try everything against a local sandbox.
#[derive(Debug, Parser)]
#[command(name = "kling", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The API base URL [else PIXELBYTE_BASE_URL, the profile's, or `https://api.muvi.video/v1`].
    #[arg(long, global = true)]
    pub base_url: Option<String>,
    /// The API key [else PIXELBYTE_API_KEY or the profile's]; prefer those, a flag shows in `ps`.
    #[arg(long, global = true)]
    pub api_key: Option<String>,
    /// The config file's profile to use [else KLING_PROFILE, else `default`].
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Run this one command against an embedded sandbox (jobs finish in seconds; nothing is charged).
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Print JSON instead of text (an error as one JSON object on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// Log the SDK's requests, retries and waits on stderr (-vv: everything; or RUST_LOG).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every model with its base price.
    Models,
    /// Show a model's fields and price table.
    Show {
        /// The model slug.
        #[arg(value_parser = Candidates(catalog::slug_candidates), hide_possible_values = true)]
        slug: String,
    },
    /// Validate an input and price it, without sending anything.
    Price(InputArgs),
    /// Print the JSON Schema of a model's input.
    Schema {
        /// The model slug.
        #[arg(value_parser = Candidates(catalog::slug_candidates), hide_possible_values = true)]
        slug: String,
    },
    /// Validate, price and submit a job; optionally wait for its video.
    Submit(SubmitArgs),
    /// Show a job's status.
    Status {
        /// The job id.
        id: String,
    },
    /// Wait for a job to end.
    Wait {
        /// The job id.
        id: String,
        /// Give up after this long (e.g. 90s, 10m).
        #[arg(long, default_value = "30m", value_parser = duration)]
        timeout: std::time::Duration,
        /// When the job completes, download its files into DIR/JOB_ID/.
        #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
        output_dir: Option<PathBuf>,
    },
    /// Download every output file of a completed job into DIR/JOB_ID/.
    Download {
        /// The job id.
        id: String,
        /// The directory the job's folder is made in.
        #[arg(
            short = 'o',
            long = "output-dir",
            value_name = "DIR",
            default_value = "."
        )]
        output_dir: PathBuf,
    },
    /// Cancel a pending job (refunded).
    Cancel {
        /// The job id.
        id: String,
    },
    /// List jobs, newest first.
    Jobs(JobsArgs),
    /// Upload a file and print the URL to use in an input.
    Upload {
        /// The file (jpg, png, webp, gif, mp4, webm, mp3, wav).
        file: PathBuf,
    },
    /// Run a JSONL batch of jobs under one budget, resumably; show or settle its ledger.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// Verify webhooks, or receive them locally.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Show the settings in effect and where each came from.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run a local PixelByte-compatible API in the foreground.
    Sandbox(kling_sandbox::SandboxArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// The model slug, e.g. kling-plus/kling-o3-standard/text-to-video.
    #[arg(value_parser = Candidates(catalog::slug_candidates), hide_possible_values = true)]
    pub slug: String,
    /// Input fields as field=value (values are checked against the model's fields); a URL field
    /// takes a local file as field=@path (submit uploads it once the input is checked and priced).
    #[arg(value_parser = Candidates(catalog::field_candidates), hide_possible_values = true)]
    pub fields: Vec<String>,
    /// A wire-format input object from a file, or - for stdin ("@path" strings in URL fields are
    /// local files); field=value arguments override it.
    #[arg(long)]
    pub input: Option<String>,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where the completion webhook goes (https, or http to a loopback host).
    #[arg(long)]
    pub webhook: Option<String>,
    /// Refuse to submit when the price is above this many US dollars [else the profile's max_cost].
    #[arg(long = "max-cost", value_parser = usd)]
    pub max_cost: Option<kling::MicroCents>,
    /// Send the input as given, for a model or an option this version does not know yet: nothing
    /// is checked here, the server's estimate is the price (and what --max-cost applies to).
    #[arg(long)]
    pub unchecked: bool,
    /// Wait for the job to end.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long (e.g. 90s, 10m).
    #[arg(long, default_value = "30m", value_parser = duration, requires = "wait")]
    pub timeout: std::time::Duration,
    /// With --wait: when the job completes, download its files into DIR/JOB_ID/.
    #[arg(
        short = 'o',
        long = "output-dir",
        value_name = "DIR",
        requires = "wait"
    )]
    pub output_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Only jobs in this status.
    #[arg(long)]
    pub status: Option<String>,
    /// Only jobs of this model slug.
    #[arg(long, value_parser = Candidates(catalog::slug_candidates), hide_possible_values = true)]
    pub model: Option<String>,
    /// How many jobs to show.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// List the jobs submitted from this machine (the local journal) instead.
    #[arg(long)]
    pub local: bool,
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Check and price every row, then submit them (at most N in flight), wait for them and
    /// download their files; run the same command again to continue.
    Run(BatchRunArgs),
    /// One line per row: id, status, job id, charge, model and files.
    Status {
        #[command(flatten)]
        ledger: LedgerArg,
    },
    /// Every row with everything the ledger knows, as CSV or JSON.
    Report {
        #[command(flatten)]
        ledger: LedgerArg,
        /// The format [default: json with --json, else csv].
        #[arg(long, value_enum)]
        format: Option<ReportFormat>,
    },
    /// Settle an unknown row by hand: JOB_ID is its job (checked with the API); the next run
    /// waits for it.
    Adopt {
        #[command(flatten)]
        ledger: LedgerArg,
        /// The row's id.
        row: String,
        /// Its job.
        job_id: String,
    },
    /// Settle an unknown row by hand: no job of it exists (you checked), so the next run submits
    /// it again. A wrong release pays twice.
    Release {
        #[command(flatten)]
        ledger: LedgerArg,
        /// The row's id.
        row: String,
    },
}

#[derive(Debug, Args)]
pub struct LedgerArg {
    /// The batch's ledger file (SQLite).
    #[arg(long, value_name = "PATH")]
    pub ledger: PathBuf,
}

#[derive(Debug, Args)]
pub struct BatchRunArgs {
    /// The batch: one row a line, {"id": "…", "model": "SLUG", "input": {…}}; a URL field
    /// may name a local file as "@path", uploaded just before the row's submit.
    pub file: PathBuf,
    /// The batch's ledger file (SQLite), created if missing; the same one to continue.
    #[arg(long, value_name = "PATH")]
    pub ledger: PathBuf,
    /// Most jobs in flight [default: the cap learnt from the API's 429 answers, else 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub concurrency: Option<u32>,
    /// Never spend more than this many US dollars; a batch priced above it is refused.
    #[arg(long = "max-total", value_name = "USD", value_parser = usd)]
    pub max_total: Option<kling::MicroCents>,
    /// Download each completed row's files into DIR/ROW_ID/.
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// On Ctrl-C, also cancel the jobs still pending (refunded).
    #[arg(long)]
    pub cancel_pending: bool,
}

/// How `kling batch report` writes the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A header line, then one record per row.
    Csv,
    /// One JSON array of rows.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Verify one delivery: exit 0 when valid, 1 with the reason when not.
    Verify {
        #[command(flatten)]
        secrets: SecretArgs,
        /// The X-PixelByte-Timestamp header.
        #[arg(long)]
        timestamp: String,
        /// The X-PixelByte-Signature header.
        #[arg(long)]
        signature: String,
        /// The raw body, as received.
        #[arg(long = "body-file")]
        body_file: PathBuf,
    },
    /// Receive webhooks on a local port, verify them and print the events.
    Listen {
        /// The port (loopback only).
        #[arg(long, default_value_t = 8788)]
        port: u16,
        #[command(flatten)]
        secrets: SecretArgs,
        /// Forward each verified delivery, with its original headers and raw body, to this URL
        /// (your app), and answer the sender with the app's status.
        #[arg(long = "forward-to", value_name = "URL")]
        forward_to: Option<String>,
    },
}

/// The webhook secrets to verify with: any one may match (for a rotation).
#[derive(Debug, Args)]
pub struct SecretArgs {
    /// A webhook secret, repeatable for a rotation [else PIXELBYTE_WEBHOOK_SECRET, comma-separated];
    /// prefer the variable or --secret-file, a flag shows in `ps`.
    #[arg(long = "secret", value_name = "SECRET")]
    pub secrets: Vec<String>,
    /// A file holding secrets, one per line; may be repeated.
    #[arg(long = "secret-file", value_name = "FILE")]
    pub secret_files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective settings, secrets masked, each with where it came from.
    Show,
}

/// A parser that takes any text but offers candidates to shell completions (hidden from help);
/// the command checks the value itself, for messages with a "did you mean".
#[derive(Clone)]
pub struct Candidates(pub fn() -> Vec<PossibleValue>);

impl TypedValueParser for Candidates {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new((self.0)().into_iter()))
    }
}

fn duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration like 90s or 10m: {e}"))
}

fn usd(text: &str) -> Result<kling::MicroCents, String> {
    kling::MicroCents::from_usd(text).map_err(|e| e.to_string())
}
