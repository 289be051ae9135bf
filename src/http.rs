//! The HTTP surface: POST /graphql, GraphiQL on GET /graphql, GET /health
//! (the process answers and the database too), GET /ready (also migrated).

use std::sync::Arc;
use std::time::Duration;

use async_graphql::ParseRequestError;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::{MatchedPath, State};
use axum::http::{HeaderMap, HeaderName, Request, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{AuthError, Authenticator, Principal, Role};
use crate::graphql::Api;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
struct AppState {
    api: Api,
    db: DatabaseConnection,
    access: Access,
}

/// Who may call the API.
#[derive(Clone)]
pub enum Access {
    /// Anyone, as an editor: no tokens are configured.
    Open,
    /// Holders of a bearer token (static or JWT), with its role.
    Required(Arc<Authenticator>),
}

impl Access {
    fn principal(&self, headers: &HeaderMap) -> Result<Principal, AuthError> {
        match self {
            Self::Open => Ok(Principal {
                name: "anonymous".into(),
                role: Role::Editor,
            }),
            Self::Required(authenticator) => authenticator.authenticate(
                headers
                    .get(header::AUTHORIZATION)
                    .and_then(|value| value.to_str().ok()),
            ),
        }
    }
}

/// Limits the HTTP layer enforces before GraphQL sees a request.
#[derive(Clone, Copy, Debug)]
pub struct HttpLimits {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
}

pub fn router(api: Api, db: DatabaseConnection, access: Access, limits: HttpLimits) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
        let path = request
            .extensions()
            .get::<MatchedPath>()
            .map_or(request.uri().path(), MatchedPath::as_str);
        let request_id = request
            .headers()
            .get(&REQUEST_ID)
            .and_then(|id| id.to_str().ok())
            .unwrap_or_default();
        tracing::info_span!("request", method = %request.method(), path, request_id)
    });
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(AppState { api, db, access })
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(CorsLayer::permissive())
        // Outermost: every log line of a request carries its id, and the
        // client gets it back to quote.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    let principal = match state.access.principal(&headers) {
        Ok(principal) => principal,
        Err(err) => return unauthenticated(err),
    };
    if !is_json(&headers) {
        return request_error(
            StatusCode::BAD_REQUEST,
            "POST /graphql takes a JSON body: send Content-Type: application/json",
        );
    }
    match request {
        Ok(request) => {
            tracing::debug!(caller = %principal.name, role = %principal.role, "graphql request");
            GraphQLResponse::from(
                state
                    .api
                    .execute(request.into_inner(), principal.role)
                    .await,
            )
            .into_response()
        }
        Err(GraphQLRejection(ParseRequestError::PayloadTooLarge)) => request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is larger than the service accepts",
        ),
        Err(GraphQLRejection(rejection)) => request_error(
            StatusCode::BAD_REQUEST,
            &format!("the request body is not a GraphQL request in JSON: {rejection}"),
        ),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == mime::APPLICATION
                && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
        })
}

/// 401 with the reason, in GraphQL's error shape.
fn unauthenticated(err: AuthError) -> Response {
    let body = json!({ "errors": [{ "message": err.to_string(), "extensions": { "code": "UNAUTHENTICATED" } }] });
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json(body),
    )
        .into_response()
}

/// A request that never reached GraphQL, answered in GraphQL's error shape
/// so that clients parse one format.
fn request_error(status: StatusCode, message: &str) -> Response {
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] });
    (status, Json(body)).into_response()
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

/// 200 when the database answers and every migration is applied: the
/// replica may take traffic.
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match crate::db::pending_migrations(&state.db).await {
        Ok(0) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(pending) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "migrations pending", "pending": pending })),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "database unreachable" })),
            )
        }
    }
}

/// 200 once the database answers, 503 while it does not.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": "ok" })),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}
