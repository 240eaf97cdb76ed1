//! `GET /models` and `GET /models/{id}`: the catalog as the API shows it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kling_descriptor::Descriptor;
use serde_json::{Value, json};

use super::S;
use crate::extract::{Authorized, scope};
use crate::response::{ApiError, ApiResult, Success};
use crate::state::Shared;

/// The model with this slug, or 404 MODEL_NOT_FOUND.
fn find<'a>(s: &'a Shared, slug: &str) -> Result<&'a Descriptor, ApiError> {
    s.catalog.get(slug).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "MODEL_NOT_FOUND",
            format!("no model `{slug}`"),
        )
    })
}

/// The model a request names, at the version it asks for: none, `1` or `latest` (the sandbox
/// serves one version of each model).
pub(super) fn requested<'a>(
    s: &'a Shared,
    slug: &str,
    version: Option<&str>,
) -> Result<&'a Descriptor, ApiError> {
    match version {
        None | Some("1") | Some("latest") => find(s, slug),
        Some(v) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "MODEL_VERSION_NOT_FOUND",
            format!("no version `{v}`; the sandbox serves version 1"),
        )),
    }
}

fn view(d: &Descriptor) -> Value {
    let factors: Vec<Value> = d
        .pricing
        .factors
        .iter()
        .map(|f| json!({"field": f.field, "label": f.label, "multipliers": f.multipliers}))
        .collect();
    json!({
        "id": d.slug,
        "name": format!("{} — {}", d.model, d.capability),
        "provider": d.provider,
        "model": d.model,
        "capability": d.capability,
        "description": d.summary,
        "processingTimeSeconds": d.processing_time_seconds,
        "versions": [{
            "version": "1",
            "active": true,
            "inputSchema": d.input_json_schema(),
            "pricing": {
                "baseCostMicroCents": d.pricing.base_micro_cents.get(),
                "formula": d.pricing.formula,
                "flat": d.pricing.flat,
                "factors": factors,
            },
            "rateLimits": {"requestsPerMinute": 600, "requestsPerDay": 100_000},
        }],
    })
}

pub(super) async fn list(State(s): S, _: Authorized<scope::ListModels>) -> ApiResult {
    let models: Vec<Value> = s.catalog.values().map(view).collect();
    Ok(Success::ok(json!({ "models": models })))
}

pub(super) async fn get(
    State(s): S,
    _: Authorized<scope::ListModels>,
    Path(id): Path<String>,
) -> ApiResult {
    find(&s, &id).map(|d| Success::ok(view(d)))
}
