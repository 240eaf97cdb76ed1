//! The client a command talks to: an embedded sandbox with `--sandbox`, else the API the
//! settings name (flags, environment, profile; see [`crate::config`]).

use kling::MicroCents;
use kling::client::Client;
use kling_sandbox::{Sandbox, SandboxConfig};

use crate::cli::Cli;
use crate::config::{Flags, Settings, Sourced};
use crate::fail::Fail;

/// A client, and the embedded sandbox it talks to (kept alive for the command's duration).
pub struct Session {
    /// The configured client.
    pub client: Client,
    /// The profile's `max_cost`, for submits without `--max-cost` (none with `--sandbox`).
    pub max_cost: Option<Sourced<MicroCents>>,
    _sandbox: Option<Sandbox>,
}

impl Session {
    /// Sets up the client the global flags ask for.
    pub async fn start(cli: &Cli) -> Result<Session, Fail> {
        if cli.sandbox {
            return Session::embedded(cli.json).await;
        }
        let settings = Settings::load(flags(cli))?;
        let Some(key) = settings.api_key else {
            return Err(Fail::usage(
                "no API key: set PIXELBYTE_API_KEY, give a profile an api_key_file (`kling config show` \
                 says what is in effect), or pass --api-key (or try --sandbox to run against a local sandbox)",
            )
            .with_code("no_api_key"));
        };
        let client = Client::builder()
            .api_key(key.value)
            .base_url(settings.base_url.value)
            .build()?;
        Ok(Session {
            client,
            max_cost: settings.max_cost,
            _sandbox: None,
        })
    }

    /// A fresh sandbox at 100x speed, so a demo job ends in seconds. The banner stays off stderr
    /// under `--json`, which keeps stderr for the error object.
    async fn embedded(json: bool) -> Result<Session, Fail> {
        let config = SandboxConfig {
            speed: 100.0,
            seed: kling_sandbox::random_seed(),
            ..Default::default()
        };
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| Fail::other("sandbox", e.to_string()))?;
        if !json {
            eprintln!(
                "Using an embedded sandbox at {} (jobs run 100x faster; nothing is charged).",
                sandbox.base_url()
            );
        }
        let client = Client::builder()
            .api_key(sandbox.api_key())
            .base_url(sandbox.base_url())
            .build()?;
        Ok(Session {
            client,
            max_cost: None,
            _sandbox: Some(sandbox),
        })
    }
}

/// The global flags settings can come from.
pub fn flags(cli: &Cli) -> Flags<'_> {
    Flags {
        base_url: cli.base_url.as_deref(),
        api_key: cli.api_key.as_deref(),
        profile: cli.profile.as_deref(),
    }
}
