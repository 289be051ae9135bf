//! The HTTP surface: POST /graphql, GraphiQL on GET /graphql (and GraphQL
//! over WebSocket, upgraded from it), GET /health
//! (the process answers and the database too), GET /ready (also migrated),
//! GET /metrics (Prometheus).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, FromRequestParts, MatchedPath, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{AuthError, Authenticator, Principal, Role};
use crate::graphql::{Answer, Api, Transport};
use crate::metrics::{self, Metrics};
use negotiation::Wanted;

mod body_limit;
mod calendar;
mod get_request;
mod graphiql;
mod negotiation;
mod websocket;

pub use websocket::SocketSettings;
use websocket::Sockets;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// `extensions.code` of a request that is no GraphQL request.
const BAD_REQUEST: &str = "BAD_REQUEST";

/// What every request of the router shares, behind one `Arc`: axum clones
/// the state for each request, and one count is cheaper to raise than
/// one per part.
type AppState = Arc<Shared>;

struct Shared {
    api: Api,
    db: DatabaseConnection,
    access: Access,
    sockets: Sockets,
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
        self.of_authorization(
            headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok()),
        )
    }

    /// The caller of an `Authorization` value (`Bearer …`), if any.
    fn of_authorization(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        match self {
            Self::Open => Ok(Principal {
                name: "anonymous".into(),
                role: Role::Editor,
            }),
            Self::Required(authenticator) => authenticator.authenticate(authorization),
        }
    }
}

/// What the HTTP layer enforces before GraphQL sees a request.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Origins whose web pages may call the API from a browser; none by
    /// default, so that no page a user visits can act in their name.
    pub cors_origins: Vec<HeaderValue>,
    pub sockets: SocketSettings,
}

/// The routes. WebSocket connections close when `stopping` turns true.
pub fn router(
    api: Api,
    db: DatabaseConnection,
    access: Access,
    settings: HttpSettings,
    stopping: watch::Receiver<bool>,
) -> Router {
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
    let execute = post(graphql_post)
        .layer(middleware::from_fn_with_state(
            settings.max_body_bytes,
            body_limit::limit_body,
        ))
        .layer(middleware::from_fn_with_state(access.clone(), authenticate));
    let mut graphql = get(graphql_get_or_socket).merge(execute);
    if !settings.cors_origins.is_empty() {
        // Only the API, and only for the configured origins; /metrics and
        // the rest stay unreadable to other origins.
        graphql = graphql.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(settings.cors_origins.clone()))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
                .expose_headers([REQUEST_ID])
                .max_age(Duration::from_secs(600)),
        );
    }
    Router::new()
        .route("/graphql", graphql)
        .route("/graphiql/{name}", get(graphiql::asset))
        .route(
            &format!("{}{{file}}", crate::domain::calendars::FEED_PATH),
            get(calendar::feed),
        )
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(exposition))
        .with_state(Arc::new(Shared {
            api,
            db,
            access,
            sockets: Sockets::new(settings.sockets, stopping),
        }))
        // body_limit's bound is the one: axum's own 2 MB default would cap it.
        .layer(DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
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

async fn graphql_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    // Read here rather than by async-graphql's extractor, which turns every
    // failure into an opaque I/O error; body_limit has read it already, so
    // this cannot fail.
    body: Bytes,
) -> Response {
    // Before anything runs: a browser sends text/plain and form bodies to
    // any origin without asking first, so they are never executed.
    if !is_json(&headers) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql takes a JSON body: send Content-Type: application/json",
        );
    }
    let wanted = negotiation::negotiate(headers.get(header::ACCEPT), false);
    if wanted == Wanted::Nothing {
        return not_acceptable();
    }
    match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(request) if request.query.trim().is_empty() => request_error(
            StatusCode::BAD_REQUEST,
            BAD_REQUEST,
            "the request has no document: send it in `query`",
        ),
        Ok(request) => {
            tracing::debug!(caller = %principal.name, role = %principal.role, "graphql request");
            let answer = state
                .api
                .answer(request, principal.role, Transport::Post)
                .await;
            let (status, body) = rendered(answer, wanted);
            respond(status, wanted, body)
        }
        Err(err) => request_error(
            StatusCode::BAD_REQUEST,
            BAD_REQUEST,
            &format!("the request body is not a GraphQL request in JSON: {err}"),
        ),
    }
}

/// `GET /graphql`: a WebSocket for GraphQL when the client asks to
/// upgrade (`websocket`), else as `graphql_get`.
async fn graphql_get_or_socket(
    State(state): State<AppState>,
    request: Request<axum::body::Body>,
) -> Response {
    let (mut parts, _) = request.into_parts();
    let upgrading = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    if upgrading {
        return match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(upgrade) => websocket::upgrade(state, upgrade, &parts.headers),
            Err(rejection) => rejection.into_response(),
        };
    }
    graphql_get(state, &parts.headers, parts.uri.query()).await
}

/// `GET /graphql`: GraphiQL for a browser asking for HTML; otherwise a
/// query in the URL, as the GraphQL-over-HTTP specification says. Its
/// answer may be cached, and is revalidated by its entity tag.
async fn graphql_get(state: AppState, headers: &HeaderMap, query: Option<&str>) -> Response {
    let wanted = match negotiation::negotiate(headers.get(header::ACCEPT), true) {
        Wanted::Html => return graphiql::page(),
        Wanted::Nothing => return not_acceptable(),
        wanted => wanted,
    };
    let principal = match state.access.principal(headers) {
        Ok(principal) => principal,
        Err(err) => return unauthenticated(err),
    };
    let request = match get_request::parse(query.unwrap_or_default()) {
        Ok(request) => request,
        Err(message) => return request_error(StatusCode::BAD_REQUEST, BAD_REQUEST, &message),
    };
    let answer = state
        .api
        .answer(request, principal.role, Transport::Get)
        .await;
    let (status, body) = rendered(answer, wanted);
    let mut response = if status == StatusCode::OK {
        let tag = entity_tag(&body);
        let mut response = if matches_tag(headers, &tag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            respond(status, wanted, body)
        };
        response.headers_mut().insert(header::ETAG, tag);
        response
    } else {
        respond(status, wanted, body)
    };
    // The answer depends on who asks and in which media type, and may
    // change with any write: caches keep it per caller and ask again.
    let headers = response.headers_mut();
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// The entity tag of `bytes`, from their content: the same bytes, the
/// same tag, whichever replica answers.
fn entity_tag(bytes: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(bytes);
    let tag = format!("\"{}\"", hex::encode(&digest[..16]));
    // Hex digits between quotes are always a valid header value.
    HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""))
}

/// True when `If-None-Match` names `tag` (weakly) or is `*`.
fn matches_tag(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    let tag = tag.as_bytes();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/").as_bytes() == tag)
}

/// An answer's status and body: 200, except that under
/// `application/graphql-response+json` a request that never ran is 400,
/// and a mutation sent over GET is 405 under either.
fn rendered(answer: Answer, wanted: Wanted) -> (StatusCode, Vec<u8>) {
    let status = match &answer {
        Answer::MutationOverGet => StatusCode::METHOD_NOT_ALLOWED,
        refused if wanted == Wanted::GraphqlResponse && refused.is_request_error() => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::OK,
    };
    (status, answer.into_json())
}

/// An answer in the media type the client wants.
fn respond(status: StatusCode, wanted: Wanted, body: Vec<u8>) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, wanted.content_type())],
        body,
    )
        .into_response();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

fn not_acceptable() -> Response {
    request_error(
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "this service answers in application/graphql-response+json or application/json \
         (or text/html on GET, for GraphiQL): accept one of them",
    )
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

/// 200 when the database answers and every migration is applied: the
/// replica may take traffic.
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match crate::db::pending_migrations(&state.db).await {
        Ok(pending) if pending.is_empty() => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(pending) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "migrations pending", "pending": pending.len() })),
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
