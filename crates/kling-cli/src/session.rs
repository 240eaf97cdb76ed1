//! The client a command talks to: an embedded sandbox with `--sandbox`, else the API at
//! `--base-url` with `--api-key`.

use kling::client::Client;
use kling_sandbox::{Sandbox, SandboxConfig};

use crate::cli::Cli;
use crate::fail::Fail;

/// A client, and the embedded sandbox it talks to (kept alive for the command's duration).
pub struct Session {
    /// The configured client.
    pub client: Client,
    _sandbox: Option<Sandbox>,
}

impl Session {
    /// Sets up the client the global flags ask for.
    pub async fn start(cli: &Cli) -> Result<Session, Fail> {
        if cli.sandbox {
            return Session::embedded().await;
        }
        let Some(key) = cli.api_key.as_deref() else {
            return Err(Fail::Usage(
                "no API key: pass --api-key or set PIXELBYTE_API_KEY (or try --sandbox to run against a local sandbox)".into(),
            ));
        };
        let client = Client::builder()
            .api_key(key)
            .base_url(&cli.base_url)
            .build()?;
        Ok(Session {
            client,
            _sandbox: None,
        })
    }

    /// A fresh sandbox at 100x speed, so a demo job ends in seconds.
    async fn embedded() -> Result<Session, Fail> {
        let config = SandboxConfig {
            speed: 100.0,
            seed: kling_sandbox::random_seed(),
            ..Default::default()
        };
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| Fail::Other(e.to_string()))?;
        eprintln!(
            "Using an embedded sandbox at {} (jobs run 100x faster; nothing is charged).",
            sandbox.base_url()
        );
        let client = Client::builder()
            .api_key(sandbox.api_key())
            .base_url(sandbox.base_url())
            .build()?;
        Ok(Session {
            client,
            _sandbox: Some(sandbox),
        })
    }
}
