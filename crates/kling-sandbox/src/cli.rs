//! Command-line flags for running a sandbox in the foreground (`kling sandbox …`).

use std::net::SocketAddr;
use std::time::Duration;

use kling_descriptor::MicroCents;

use crate::config::{ApiKey, Envelope, Faults, SandboxConfig, random_seed, random_token};
use crate::{Sandbox, SandboxError};

fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("`{text}` is not a rate between 0 and 1 (e.g. 0.2)")),
    }
}

fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

fn jitter(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(j) if (0.0..1.0).contains(&j) => Ok(j),
        _ => Err(format!(
            "`{text}` is not a jitter between 0 and 1 (0.2 means ±20% around the ETA)"
        )),
    }
}

fn usd(text: &str) -> Result<MicroCents, String> {
    MicroCents::from_usd(text).map_err(|e| e.to_string())
}

/// Flags of a foreground sandbox.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Port to listen on (loopback only).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// The API key to accept (default: a fresh random one, printed at start).
    #[arg(long = "api-key")]
    pub api_key: Option<String>,
    /// The webhook signing secret (default: a fresh random one, printed at start).
    #[arg(long = "webhook-secret")]
    pub webhook_secret: Option<String>,
    /// Clock speed: 100 makes a 240 s job take 2.4 s.
    #[arg(long, default_value = "1", value_parser = positive)]
    pub speed: f64,
    /// Spread of actual durations around the ETA (0.2 = ±20%).
    #[arg(long, default_value = "0", value_parser = jitter)]
    pub jitter: f64,
    /// Account balance in US dollars (default: unlimited).
    #[arg(long, value_parser = usd)]
    pub balance: Option<MicroCents>,
    /// Most jobs running at once (default: no cap).
    #[arg(long = "max-concurrent")]
    pub max_concurrent: Option<usize>,
    /// Response envelope.
    #[arg(long, value_enum, default_value = "bare")]
    pub envelope: EnvelopeArg,
    /// Rate of submits refused with 503 PUBSUB_PUBLISH_FAILED.
    #[arg(long = "fail-submit", default_value = "0", value_parser = rate)]
    pub fail_submit: f64,
    /// Rate of reads answered with 500.
    #[arg(long = "fail-read", default_value = "0", value_parser = rate)]
    pub fail_read: f64,
    /// Rate of responses whose connection is dropped.
    #[arg(long = "drop", default_value = "0", value_parser = rate)]
    pub drop: f64,
    /// Latency added to every API request, in milliseconds.
    #[arg(long = "latency-ms", default_value_t = 0)]
    pub latency_ms: u64,
    /// Rate of jobs that fail with GENERATION_FAILED (refunded).
    #[arg(long = "fail-jobs", default_value = "0", value_parser = rate)]
    pub fail_jobs: f64,
    /// Rate of output downloads cut off halfway (the client must resume with Range).
    #[arg(long = "cut-downloads", default_value = "0", value_parser = rate)]
    pub cut_downloads: f64,
    /// Seed for ids, faults and durations (default: a fresh random one).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `--envelope` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvelopeArg {
    /// Fields at the top level.
    Bare,
    /// Fields under `data`.
    Wrapped,
}

impl SandboxArgs {
    /// The configuration these flags describe.
    pub fn config(&self) -> SandboxConfig {
        SandboxConfig {
            api_keys: vec![ApiKey::new(
                self.api_key
                    .clone()
                    .unwrap_or_else(|| random_token("pb_sandbox_")),
            )],
            webhook_secret: self
                .webhook_secret
                .clone()
                .unwrap_or_else(|| random_token("whsec_")),
            speed: self.speed,
            completion_factor: (1.0 - self.jitter, 1.0 + self.jitter),
            seed: self.seed.unwrap_or_else(random_seed),
            balance: self.balance,
            max_concurrent: self.max_concurrent,
            envelope: match self.envelope {
                EnvelopeArg::Bare => Envelope::Bare,
                EnvelopeArg::Wrapped => Envelope::Wrapped,
            },
            faults: Faults {
                submit_unavailable: self.fail_submit,
                read_error: self.fail_read,
                drop_connection: self.drop,
                latency: Duration::from_millis(self.latency_ms),
                failed_generation: self.fail_jobs,
                cut_download: self.cut_downloads,
            },
            ..SandboxConfig::default()
        }
    }

    /// Runs the sandbox until Ctrl-C, printing where it listens and with which key.
    pub async fn run(&self) -> Result<(), SandboxError> {
        let sandbox =
            Sandbox::bind(self.config(), SocketAddr::from(([127, 0, 0, 1], self.port))).await?;
        println!("PixelByte sandbox listening on {}", sandbox.base_url());
        println!("  api key:        {}", sandbox.api_key());
        println!("  webhook secret: {}", sandbox.webhook_secret());
        println!("  models:         {}", sandbox.models().count());
        println!("  clock speed:    {}x", self.speed);
        println!("Press Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
        println!("stopping…");
        sandbox.shutdown().await;
        Ok(())
    }
}
