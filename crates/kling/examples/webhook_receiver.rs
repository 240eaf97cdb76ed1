//! An axum endpoint that receives PixelByte webhooks through the `VerifiedEvent` extractor and
//! de-duplicates them by job id.
//!
//! ```sh
//! PIXELBYTE_WEBHOOK_SECRET=whsec_new,whsec_old cargo run -p kling --features axum --example webhook_receiver
//! ```
//!
//! Several comma-separated secrets are all accepted, for a rotation. Refused deliveries never
//! reach `receive`: the extractor answers them (400 for a malformed request, 401 for a bad
//! signature or a stale timestamp).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use kling::webhook::Verifier;
use kling::webhook::axum::VerifiedEvent;

#[derive(Clone)]
struct App {
    verifier: Verifier,
    seen: Arc<Mutex<HashSet<String>>>,
}

/// Where `VerifiedEvent` finds the verifier.
impl FromRef<App> for Verifier {
    fn from_ref(app: &App) -> Verifier {
        app.verifier.clone()
    }
}

async fn receive(State(app): State<App>, VerifiedEvent(event): VerifiedEvent) -> StatusCode {
    let first_time = app
        .seen
        .lock()
        .map(|mut seen| seen.insert(event.job_id.clone()))
        .unwrap_or(false);
    if !first_time {
        return StatusCode::OK; // a repeat delivery: already handled
    }
    match (event.outputs.first(), &event.error) {
        (Some(output), _) => println!("{} {}: {}", event.job_id, event.status, output.url),
        (None, Some(error)) => println!("{} {}: {error:?}", event.job_id, event.status),
        (None, None) => println!("{} {}", event.job_id, event.status),
    }
    StatusCode::OK
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secrets =
        std::env::var("PIXELBYTE_WEBHOOK_SECRET").map_err(|_| "set PIXELBYTE_WEBHOOK_SECRET")?;
    let secrets = secrets.split(',').map(str::trim).filter(|s| !s.is_empty());
    let verifier = Verifier::from_secrets(secrets).ok_or("PIXELBYTE_WEBHOOK_SECRET is empty")?;
    let app = App {
        verifier,
        seen: Arc::default(),
    };
    let router = axum::Router::new()
        .route("/webhooks/pixelbyte", axum::routing::post(receive))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!(
        "listening on http://{}/webhooks/pixelbyte",
        listener.local_addr()?
    );
    axum::serve(listener, router).await?;
    Ok(())
}
