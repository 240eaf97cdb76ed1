//! `kling webhook`: verify one delivery, or receive deliveries on a loopback port and optionally
//! forward them to a local app (like `stripe listen`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kling::webhook::axum::WebhookRejection;
use kling::webhook::{Verifier, WebhookError};

use crate::cli::SecretArgs;
use crate::fail::Fail;
use crate::output::{EventView, Forwarded, VALID, emit, print_json_line};

/// The variable that holds the webhook secrets (comma-separated) when no flag gives them.
const SECRET_ENV: &str = "PIXELBYTE_WEBHOOK_SECRET";

/// PixelByte waits this long for an answer; the app gets as long.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(30);

/// `kling webhook verify`: exit 0 when the delivery is valid, 1 with the reason when not.
pub fn verify(
    secrets: &SecretArgs,
    timestamp: &str,
    signature: &str,
    body_file: &Path,
    json: bool,
) -> Result<(), Fail> {
    let verifier = verifier(secrets)?;
    let body = std::fs::read(body_file)
        .map_err(|e| Fail::usage(format!("cannot read {}: {e}", body_file.display())))?;
    verifier
        .verify(timestamp, signature, &body)
        .map_err(|e| Fail::other(code_of(&e), format!("invalid: {e}")))?;
    emit(&VALID, json)
}

/// The secrets of `--secret` and `--secret-file` (one per line), else of
/// `PIXELBYTE_WEBHOOK_SECRET` (comma-separated); any one may match.
fn verifier(args: &SecretArgs) -> Result<Verifier, Fail> {
    let mut secrets = args.secrets.clone();
    for file in &args.secret_files {
        let text = std::fs::read_to_string(file).map_err(|e| {
            Fail::usage(format!("cannot read --secret-file {}: {e}", file.display()))
        })?;
        let before = secrets.len();
        secrets.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
        if secrets.len() == before {
            return Err(Fail::usage(format!(
                "--secret-file {} holds no secret",
                file.display()
            )));
        }
    }
    if secrets.is_empty()
        && let Ok(list) = std::env::var(SECRET_ENV)
    {
        secrets.extend(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    }
    if secrets.iter().any(|s| s.trim().is_empty()) {
        return Err(Fail::usage("a --secret is empty"));
    }
    Verifier::from_secrets(secrets).ok_or_else(|| {
        Fail::usage(format!(
            "no webhook secret: set {SECRET_ENV} (several may be comma-separated), or pass --secret-file FILE or --secret S"
        ))
        .with_code("no_secret")
    })
}

/// The stable code of a refused delivery.
fn code_of(e: &WebhookError) -> &'static str {
    match e {
        WebhookError::MissingHeader(_) => "missing_header",
        WebhookError::MalformedTimestamp => "malformed_timestamp",
        WebhookError::MalformedSignature => "malformed_signature",
        WebhookError::Stale { .. } => "stale_timestamp",
        WebhookError::Future { .. } => "future_timestamp",
        WebhookError::Mismatch => "invalid_signature",
        WebhookError::Body(_) => "invalid_event",
        _ => "invalid_webhook",
    }
}

/// What `listen` needs for each delivery.
struct Listener {
    verifier: Verifier,
    forward: Option<Forward>,
    json: bool,
}

/// Where verified deliveries go.
struct Forward {
    client: reqwest::Client,
    url: reqwest::Url,
}

/// `kling webhook listen`: verifies every POST to any path on `127.0.0.1:port`, forwards it
/// with `--forward-to`, and prints one line per delivery, until Ctrl-C.
pub async fn listen(
    port: u16,
    secrets: &SecretArgs,
    forward_to: Option<&str>,
    json: bool,
) -> Result<(), Fail> {
    let forward = forward_to.map(Forward::new).transpose()?;
    let listener = Arc::new(Listener {
        verifier: verifier(secrets)?,
        forward,
        json,
    });
    let app = Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(listener.clone());
    let socket = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Fail::other("io", format!("cannot listen on port {port}: {e}")))?;
    eprintln!("Listening for webhooks on http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    if let Some(f) = &listener.forward {
        eprintln!("Forwarding verified deliveries to {}", f.url);
    }
    axum::serve(socket, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Fail::other("io", e.to_string()))
}

/// One delivery: refused with the extractor's 4xx when it does not verify; else printed, and
/// answered 200, or with the app's status when forwarding (502 when the app cannot be reached),
/// so the sender retries when the app fails.
async fn receive(State(l): State<Arc<Listener>>, headers: HeaderMap, body: Bytes) -> Response {
    let event = match l.verifier.verify_headers(&headers, &body) {
        Ok(event) => event,
        Err(e) => {
            eprintln!("refused a delivery: {e}");
            return WebhookRejection::from(e).into_response();
        }
    };
    let forwarded = match &l.forward {
        Some(f) => Some(f.send(&headers, body).await),
        None => None,
    };
    let status = match &forwarded {
        None => StatusCode::OK,
        Some(Forwarded::Answered(status)) => {
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
        }
        Some(Forwarded::Failed(_)) => StatusCode::BAD_GATEWAY,
    };
    let view = EventView::new(&event, forwarded);
    if l.json {
        // One object per line: the output is a stream.
        if let Err(e) = print_json_line(&view) {
            eprintln!("warning: {}", e.message());
        }
    } else {
        println!("{view}");
    }
    status.into_response()
}

impl Forward {
    /// An http(s) URL, and a client that neither follows redirects nor waits longer than
    /// PixelByte would.
    fn new(url: &str) -> Result<Forward, Fail> {
        let url = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| Fail::usage(format!("--forward-to `{url}` is not an http(s) URL")))?;
        kling::client::prepare_tls();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(FORWARD_TIMEOUT)
            .build()
            .map_err(|e| Fail::other("io", format!("cannot set up forwarding: {e}")))?;
        Ok(Forward { client, url })
    }

    /// Posts the raw body with the delivery's headers, less those that describe the hop
    /// (host, length, connection), which the new request sets for itself.
    async fn send(&self, headers: &HeaderMap, body: Bytes) -> Forwarded {
        let mut headers = headers.clone();
        for hop in [
            header::HOST,
            header::CONTENT_LENGTH,
            header::CONNECTION,
            header::TRANSFER_ENCODING,
            header::TE,
            header::TRAILER,
            header::UPGRADE,
        ] {
            headers.remove(hop);
        }
        headers.remove("keep-alive");
        let sent = self
            .client
            .post(self.url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => Forwarded::Answered(response.status().as_u16()),
            Err(e) => {
                // reqwest's own message names only the URL; the innermost cause says what failed.
                let mut cause: &dyn std::error::Error = &e;
                while let Some(next) = cause.source() {
                    cause = next;
                }
                Forwarded::Failed(format!("{e} ({cause})"))
            }
        }
    }
}
