//! Extractors: the caller's key with the scope a route needs, and request bodies and query
//! strings read into typed structs. Each one rejects with the API's error envelope.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::config::Scope;
use crate::response::ApiError;
use crate::state::Shared;

/// Largest JSON body accepted by the API routes.
pub(crate) const MAX_JSON_BODY: usize = 1024 * 1024;

/// A scope a route requires, as a type (see [`Authorized`]).
pub(crate) trait RequiredScope {
    const SCOPE: Scope;
}

/// The scopes as types, one per [`Scope`].
pub(crate) mod scope {
    use super::{RequiredScope, Scope};

    /// Submit and cancel jobs, presign uploads.
    pub(crate) enum SubmitJob {}
    /// Read jobs and uploads, estimate prices.
    pub(crate) enum CheckStatus {}
    /// List models.
    pub(crate) enum ListModels {}

    impl RequiredScope for SubmitJob {
        const SCOPE: Scope = Scope::SubmitJob;
    }
    impl RequiredScope for CheckStatus {
        const SCOPE: Scope = Scope::CheckStatus;
    }
    impl RequiredScope for ListModels {
        const SCOPE: Scope = Scope::ListModels;
    }
}

/// A caller whose key is valid and carries the scope `M`.
pub(crate) struct Authorized<M> {
    /// The key, as configured (jobs and uploads belong to it).
    pub key: String,
    scope: PhantomData<fn() -> M>,
}

impl<M: RequiredScope> FromRequestParts<Arc<Shared>> for Authorized<M> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &Arc<Shared>) -> Result<Self, ApiError> {
        authorize(s, &parts.headers, M::SCOPE).map(|key| Self {
            key,
            scope: PhantomData,
        })
    }
}

fn presented_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    bearer.or_else(|| {
        headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    })
}

/// Equal-time comparison, so the sandbox does not leak key prefixes through timing either.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn authorize(s: &Shared, headers: &HeaderMap, scope: Scope) -> Result<String, ApiError> {
    let Some(presented) = presented_key(headers).filter(|k| !k.is_empty()) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "no API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`",
        ));
    };
    let Some(key) = s.config.api_keys.iter().find(|k| same(&k.key, presented)) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_API_KEY",
            "the API key is not valid",
        ));
    };
    if !key.allows(scope) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "OPERATION_NOT_ALLOWED",
            format!("this key lacks the `{}` scope", scope.as_str()),
        ));
    }
    Ok(key.key.clone())
}

/// A JSON body read into `T`, whatever the `content-type` (as the API accepts).
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "VALIDATION_ERROR",
                    format!("the body is larger than {MAX_JSON_BODY} bytes"),
                )
            } else {
                ApiError::invalid(format!("cannot read the body: {e}"))
            }
        })?;
        // A derived struct would also read a JSON array, by position: refuse that first.
        if bytes
            .trim_ascii_start()
            .first()
            .is_some_and(|&first| first != b'{')
        {
            return Err(ApiError::invalid("the body must be a JSON object"));
        }
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut json).map_err(body_error)?;
        json.end()
            .map_err(|e| ApiError::invalid(format!("the body is not valid JSON: {e}")))?;
        Ok(Self(value))
    }
}

/// Names the member that is wrong, or says the body is not JSON at all.
fn body_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        Category::Data if path != "." => ApiError::invalid(format!("`{path}`: {inner}")),
        Category::Data => ApiError::invalid(format!("the body: {inner}")),
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::invalid(format!("the body is not valid JSON: {inner}"))
        }
    }
}

/// A query string read into `T`.
pub(crate) struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|e| ApiError::invalid(e.body_text()))
    }
}
