//! The HTTP surface: POST /graphql, GraphiQL on GET /graphql, GET /health
//! (the process answers and the database too), GET /ready (also migrated),
//! GET /metrics (Prometheus).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{AuthError, Authenticator, Principal, Role};
use crate::graphql::{Answer, Api};
use crate::metrics::{self, Metrics};

mod body_limit;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// `extensions.code` of a request that is no GraphQL request in JSON.
const BAD_REQUEST: &str = "BAD_REQUEST";
/// The media type async-graphql-axum answers with, and so the compiled
/// reads too.
const GRAPHQL_RESPONSE_JSON: HeaderValue =
    HeaderValue::from_static("application/graphql-response+json");

#[derive(Clone)]
struct AppState {
    api: Api,
    db: DatabaseConnection,
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
    let metrics = api.metrics().clone();
    // The caller is known before a byte of the body is read, so a stranger
    // never gets the service to buffer (or drain) a body.
    let execute = post(graphql)
        .layer(middleware::from_fn_with_state(
            limits.max_body_bytes,
            body_limit::limit_body,
        ))
        .layer(middleware::from_fn_with_state(access, authenticate));
    Router::new()
        .route(
            "/graphql",
            get(graphiql)
                .merge(execute)
                // Browsers on other origins may call the API (tokens, not
                // cookies, carry the credentials); nothing else is theirs
                // to read, /metrics included.
                .layer(CorsLayer::permissive()),
        )
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(exposition))
        .with_state(AppState { api, db })
        // body_limit's bound is the one: axum's own 2 MB default would cap it.
        .layer(DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(middleware::map_response(json_timeout))
        .layer(middleware::from_fn_with_state(metrics, record))
        // Outermost: every log line of a request carries its id, and the
        // client gets it back to quote.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Lets the caller through with its `Principal`, or answers 401.
async fn authenticate(
    State(access): State<Access>,
    mut request: Request<axum::body::Body>,
    next: Next,
) -> Response {
    match access.principal(request.headers()) {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(err) => unauthenticated(err),
    }
}

async fn graphql(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    // Read here rather than by async-graphql's extractor, which turns every
    // failure into an opaque I/O error; body_limit has read it already, so
    // this cannot fail.
    body: Bytes,
) -> Response {
    if !is_json(&headers) {
        return request_error(
            StatusCode::BAD_REQUEST,
            BAD_REQUEST,
            "POST /graphql takes a JSON body: send Content-Type: application/json",
        );
    }
    match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(request) => {
            tracing::debug!(caller = %principal.name, role = %principal.role, "graphql request");
            match state.api.answer(request, principal.role).await {
                Answer::Written(body) => {
                    ([(header::CONTENT_TYPE, GRAPHQL_RESPONSE_JSON)], body).into_response()
                }
                Answer::Executed(response) => GraphQLResponse::from(response).into_response(),
            }
        }
        Err(err) => request_error(
            StatusCode::BAD_REQUEST,
            BAD_REQUEST,
            &format!("the request body is not a GraphQL request in JSON: {err}"),
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
fn request_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

/// The timeout layer answers 408 with an empty body. 408 tells a client
/// its request never arrived in full, and browsers resend such requests on
/// their own, which for a mutation cut off after its commit would write it
/// twice. So the answer becomes 503, in GraphQL's error shape. (The layer's
/// 408 is only a marker: nothing else here answers 408.)
async fn json_timeout(response: Response) -> Response {
    if response.status() != StatusCode::REQUEST_TIMEOUT {
        return response;
    }
    request_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "REQUEST_TIMEOUT",
        "the request took longer than the service allows; a mutation may or may not have been applied",
    )
}

fn too_large() -> Response {
    request_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        "the request body is larger than the service accepts",
    )
}

/// Counts and times every response, by the route it matched.
async fn record(
    State(metrics): State<Arc<Metrics>>,
    request: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let response = next.run(request).await;
    metrics.record_http(
        method.as_str(),
        route.as_deref(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Prometheus scrapes this: request counts and latencies.
async fn exposition(State(state): State<AppState>) -> Response {
    match state.api.metrics().encode() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(metrics::CONTENT_TYPE),
            )],
            text,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "cannot encode the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
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
