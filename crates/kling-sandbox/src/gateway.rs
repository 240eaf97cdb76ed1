//! A stand-in for a misbehaving gateway or proxy in front of the API.
//!
//! The real API answers in its own error envelope; what sits in front of it (a load balancer, a
//! corporate proxy, a CDN) does not: HTML error pages, empty bodies, dropped connections,
//! silence. [`Gateway`] answers every request with one such canned [`Answer`], so a client's
//! handling of them can be tested over loopback.
//!
//! ```
//! # async fn demo() -> std::io::Result<()> {
//! use kling_sandbox::gateway::{Answer, Gateway};
//!
//! let gateway = Gateway::start(Answer::html(502, "<html>Bad Gateway</html>")).await?;
//! let url = gateway.base_url(); // http://127.0.0.1:PORT/v1: point a client at it
//! # let _ = url;
//! assert_eq!(gateway.requests(), 0);
//! gateway.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

/// What the gateway does with every request, once it has read it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP answer with this status, content type and body.
    Respond {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header.
        content_type: String,
        /// The body, sent as is (may be empty).
        body: String,
    },
    /// Sends the status line and headers of a 200, then cuts the connection before the body:
    /// the client sees a reset after its request was delivered.
    Reset,
    /// Never answers (until the gateway shuts down): the client sees its own timeout.
    Silence,
}

impl Answer {
    /// An HTML page with this status, as a proxy would send.
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Self::Respond {
            status,
            content_type: "text/html".into(),
            body: body.into(),
        }
    }

    /// A JSON body with this status.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::Respond {
            status,
            content_type: "application/json".into(),
            body: body.into(),
        }
    }

    /// The API's own error envelope with this status and code.
    pub fn api_error(status: u16, code: &str) -> Self {
        let body = serde_json::json!({
            "success": false,
            "error": {"code": code, "message": format!("{code} (from the gateway stand-in)")},
            "requestId": "req_gateway",
        });
        Self::json(status, body.to_string())
    }
}

struct Shared {
    answer: Answer,
    /// The status of a `Respond` answer, checked once at start.
    status: StatusCode,
    requests: AtomicU64,
    posts: AtomicU64,
    stop: watch::Receiver<bool>,
}

/// A loopback server that gives every request the same [`Answer`].
pub struct Gateway {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Gateway {
    /// Starts a gateway on an ephemeral loopback port. A `Respond` status outside 100–999 is
    /// refused with `InvalidInput`.
    pub async fn start(answer: Answer) -> std::io::Result<Self> {
        let status = match &answer {
            Answer::Respond { status, .. } => StatusCode::from_u16(*status).map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{status} is not an HTTP status"),
                )
            })?,
            Answer::Reset | Answer::Silence => StatusCode::OK,
        };
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let shared = Arc::new(Shared {
            answer,
            status,
            requests: AtomicU64::new(0),
            posts: AtomicU64::new(0),
            stop: stopped.clone(),
        });
        let app = Router::new()
            .fallback(answer_request)
            .with_state(shared.clone());
        let mut stopped = stopped;
        let server = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "gateway stopped");
            }
        });
        Ok(Self {
            addr,
            shared,
            stop,
            server: Some(server),
        })
    }

    /// The base URL to give a client, `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// How many requests arrived whole.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// How many of them were POSTs (submits, cancels, estimates), as opposed to reads.
    pub fn posts(&self) -> u64 {
        self.shared.posts.load(Ordering::Relaxed)
    }

    /// Stops the server; silent answers end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn answer_request(
    State(shared): State<Arc<Shared>>,
    method: Method,
    _body: Bytes,
) -> Response {
    // The body extractor has read the request whole: it was delivered.
    shared.requests.fetch_add(1, Ordering::Relaxed);
    if method == Method::POST {
        shared.posts.fetch_add(1, Ordering::Relaxed);
    }
    match &shared.answer {
        Answer::Respond {
            content_type, body, ..
        } => (
            shared.status,
            [(header::CONTENT_TYPE, content_type.clone())],
            body.clone(),
        )
            .into_response(),
        Answer::Reset => {
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "the gateway cut the connection",
                ))
            });
            Response::new(Body::from_stream(broken))
        }
        Answer::Silence => {
            let mut stop = shared.stop.clone();
            let _ = stop.wait_for(|s| *s).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}
