//! `kling webhook`: verify one delivery, or receive deliveries on a loopback port.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kling::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier};

use crate::fail::Fail;
use crate::output::EventLine;

/// `kling webhook verify`: exit 0 when the delivery is valid, 1 with the reason when not.
pub fn verify(
    secret: &str,
    timestamp: &str,
    signature: &str,
    body_file: &Path,
) -> Result<(), Fail> {
    let body = std::fs::read(body_file)
        .map_err(|e| Fail::Usage(format!("cannot read {}: {e}", body_file.display())))?;
    Verifier::new(secret)
        .verify(timestamp, signature, &body)
        .map_err(|e| Fail::Other(format!("invalid: {e}")))?;
    println!("valid");
    Ok(())
}

/// `kling webhook listen`: verifies every POST to any path on `127.0.0.1:port` and prints its
/// event, until Ctrl-C.
pub async fn listen(port: u16, secret: &str) -> Result<(), Fail> {
    let app = Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(Arc::new(Verifier::new(secret)));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Fail::Other(format!("cannot listen on port {port}: {e}")))?;
    eprintln!("Listening for webhooks on http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Fail::Other(e.to_string()))
}

/// One delivery: 200 and its event printed when the signature holds, 401 when not.
async fn receive(
    State(verifier): State<Arc<Verifier>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    // A missing or non-text header verifies as empty, so the refusal names what is wrong.
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    match verifier.verify_and_parse(header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER), &body) {
        Ok(event) => {
            println!("{}", EventLine(&event));
            StatusCode::OK
        }
        Err(e) => {
            eprintln!("refused a delivery: {e}");
            StatusCode::UNAUTHORIZED
        }
    }
}
