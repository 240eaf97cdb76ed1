//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Price, submit and wait for Kling videos on PixelByte, or try everything against a local sandbox.
#[derive(Debug, Parser)]
#[command(name = "kling", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The API base URL.
    #[arg(long, global = true, env = "PIXELBYTE_BASE_URL", hide_env_values = true, default_value = kling::client::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// The API key.
    #[arg(long, global = true, env = "PIXELBYTE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Run this one command against an embedded sandbox (jobs finish in seconds; nothing is charged).
    #[arg(long, global = true)]
    pub sandbox: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every model with its base price.
    Models(JsonFlag),
    /// Show a model's fields and price table.
    Show {
        /// The model slug.
        slug: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Validate an input and price it, without sending anything.
    Price(InputArgs),
    /// Print the JSON Schema of a model's input.
    Schema {
        /// The model slug.
        slug: String,
    },
    /// Validate, price and submit a job; optionally wait for its video.
    Submit(SubmitArgs),
    /// Show a job's status.
    Status {
        /// The job id.
        id: String,
        #[command(flatten)]
        json: JsonFlag,
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
        #[command(flatten)]
        json: JsonFlag,
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
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Cancel a pending job (refunded).
    Cancel {
        /// The job id.
        id: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// List jobs, newest first.
    Jobs(JobsArgs),
    /// Upload a file and print the URL to use in an input.
    Upload {
        /// The file (jpg, png, webp, gif, mp4, webm, mp3, wav).
        file: PathBuf,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Verify webhooks, or receive them locally.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Run a local PixelByte-compatible API in the foreground.
    Sandbox(kling_sandbox::SandboxArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args, Clone, Copy)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// The model slug, e.g. kling-plus/kling-o3-standard/text-to-video.
    pub slug: String,
    /// Input fields as field=value (values are checked against the model's fields); a URL field
    /// takes a local file as field=@path (submit uploads it once the input is checked and priced).
    pub fields: Vec<String>,
    /// A wire-format input object from a file, or - for stdin ("@path" strings in URL fields are
    /// local files); field=value arguments override it.
    #[arg(long)]
    pub input: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where the completion webhook goes (https, or http to a loopback host).
    #[arg(long)]
    pub webhook: Option<String>,
    /// Refuse to submit when the price is above this many US dollars.
    #[arg(long = "max-cost", value_parser = usd)]
    pub max_cost: Option<kling::MicroCents>,
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
    #[arg(long)]
    pub model: Option<String>,
    /// How many jobs to show.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// List the jobs submitted from this machine (the local journal) instead.
    #[arg(long)]
    pub local: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Verify one delivery: exit 0 when valid, 1 with the reason when not.
    Verify {
        /// The account's webhook secret.
        #[arg(long)]
        secret: String,
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
        /// The account's webhook secret.
        #[arg(long)]
        secret: String,
    },
}

fn duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration like 90s or 10m: {e}"))
}

fn usd(text: &str) -> Result<kling::MicroCents, String> {
    kling::MicroCents::from_usd(text).map_err(|e| e.to_string())
}
