//! An axum endpoint that verifies PixelByte webhooks and de-duplicates them by job id.
//!
//! ```sh
//! PIXELBYTE_WEBHOOK_SECRET=whsec_… cargo run -p kling --example webhook_receiver
//! ```

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kling::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier};

struct App {
    verifier: Verifier,
    seen: Mutex<HashSet<String>>,
}

async fn receive(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    // Verify the raw bytes before parsing anything.
    let event = match app.verifier.verify_and_parse(
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
    ) {
        Ok(event) => event,
        Err(e) => {
            eprintln!("refused a delivery: {e}");
            return StatusCode::UNAUTHORIZED;
        }
    };
    if !app
        .seen
        .lock()
        .map(|mut seen| seen.insert(event.job_id.clone()))
        .unwrap_or(false)
    {
        return StatusCode::OK; // a repeat delivery: already handled
    }
    match event.outputs.first() {
        Some(output) => println!("{} {}: {}", event.job_id, event.status, output.url),
        None => println!("{} {}: {:?}", event.job_id, event.status, event.error),
    }
    StatusCode::OK
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret =
        std::env::var("PIXELBYTE_WEBHOOK_SECRET").map_err(|_| "set PIXELBYTE_WEBHOOK_SECRET")?;
    let app = Arc::new(App {
        verifier: Verifier::new(secret),
        seen: Mutex::new(HashSet::new()),
    });
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
