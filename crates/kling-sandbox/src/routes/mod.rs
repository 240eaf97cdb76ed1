//! The API's routes on the sandbox, one module per resource, and the layers around them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post, put};

use crate::extract::MAX_JSON_BODY;
use crate::response::{ApiError, envelope};
use crate::state::{Counters, Shared};

mod faults;
mod files;
mod jobs;
mod models;
mod uploads;

type S = State<Arc<Shared>>;

/// Which request counter a route bumps.
type Tally = fn(&Counters) -> &AtomicU64;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // Counted before authorisation and validation, so a refused request counts too.
    let counted = |tally: Tally| from_fn_with_state((shared.clone(), tally), count);
    let api = Router::new()
        .route(
            "/jobs/submit",
            post(jobs::submit).route_layer(counted(|c| &c.submit_requests)),
        )
        .route("/jobs/estimate", post(jobs::estimate))
        .route(
            "/jobs",
            get(jobs::list).route_layer(counted(|c| &c.list_requests)),
        )
        .route(
            "/jobs/{id}",
            get(jobs::get).route_layer(counted(|c| &c.status_requests)),
        )
        .route("/jobs/{id}/cancel", post(jobs::cancel))
        .route("/uploads/presign", post(uploads::presign))
        .route("/uploads/{id}", get(uploads::get))
        .route(
            "/uploads/{id}/content",
            put(uploads::put).layer(DefaultBodyLimit::max(uploads::MAX_UPLOAD)),
        )
        .route("/models", get(models::list))
        .route("/models/{*id}", get(models::get))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(from_fn_with_state(shared.clone(), faults::api_faults));
    Router::new()
        .nest("/v1", api)
        .route("/files/outputs/{job}/{name}", get(files::output))
        .route("/files/uploads/{id}/{name}", get(files::upload))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(shared.clone(), envelope))
        .with_state(shared)
}

async fn count(
    State((s, tally)): State<(Arc<Shared>, Tally)>,
    request: Request,
    next: Next,
) -> Response {
    tally(&s.counters).fetch_add(1, Ordering::Relaxed);
    next.run(request).await
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route for {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "NOT_FOUND",
        format!("{method} is not allowed on {}", uri.path()),
    )
}
