//! GraphQL over WebSocket on `GET /graphql`, with the graphql-transport-ws
//! protocol that graphql-ws and Apollo clients speak: subscriptions, and
//! any other operation.
//!
//! The caller authenticates as over HTTP: a bearer token in the
//! `connection_init` payload (`{"authorization": "Bearer …"}`, since
//! browsers cannot set headers on a WebSocket), or in the upgrade
//! request's `Authorization` header. The connection is watched: it is
//! pinged (WebSocket pings, which every client answers), closed when its
//! peer stops answering, when it has run no subscription for the idle
//! timeout, when a message to it cannot be sent in time, and when the
//! service stops. A subscriber that falls behind is sent the latest state,
//! never a queue (`domain::schedules::Live`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_graphql::futures_util::{SinkExt, StreamExt, future};
use async_graphql::http::{
    ClientMessage, WebSocket as GraphqlSocket, WebSocketProtocols as Protocols, WsMessage,
};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

use super::{AppState, request_error, unauthenticated};
use crate::auth::Principal;

/// The subprotocol of graphql-ws and Apollo clients.
const PROTOCOL: &str = "graphql-transport-ws";

/// What a connection reads into at once; longer messages grow it.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// graphql-transport-ws close codes.
const FORBIDDEN: u16 = 4403;
const GOING_AWAY: u16 = 1001;
const NORMAL: u16 = 1000;

/// How WebSocket connections are kept.
#[derive(Clone, Debug)]
pub struct SocketSettings {
    /// How often a connection is pinged; a peer that answers nothing for
    /// two of these is gone, and a message that cannot be sent within one
    /// closes the connection.
    pub ping_interval: Duration,
    /// How long a connection may run no subscription.
    pub idle_timeout: Duration,
    /// WebSocket connections open at once.
    pub max_connections: usize,
    /// Largest message a client may send, in bytes.
    pub max_message_bytes: usize,
    /// Web origins whose pages may connect, beside the service's own.
    pub allowed_origins: Vec<HeaderValue>,
}

/// The state every connection shares.
pub(super) struct Sockets {
    settings: SocketSettings,
    open: Arc<Semaphore>,
    /// Turns true when the service stops.
    stopping: watch::Receiver<bool>,
}

impl Sockets {
    pub(super) fn new(settings: SocketSettings, stopping: watch::Receiver<bool>) -> Self {
        Self {
            open: Arc::new(Semaphore::new(settings.max_connections)),
            settings,
            stopping,
        }
    }
}

/// Answers the upgrade of `GET /graphql` to a WebSocket.
pub(super) fn upgrade(state: AppState, upgrade: WebSocketUpgrade, headers: &HeaderMap) -> Response {
    let offered = upgrade
        .requested_protocols()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|protocol| protocol.trim() == PROTOCOL);
    if !origin_allowed(headers, &state.sockets.settings.allowed_origins) {
        return request_error(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ORIGIN",
            "pages of this origin may not connect: see --cors-origin",
        );
    }
    if !offered {
        return request_error(
            StatusCode::BAD_REQUEST,
            super::BAD_REQUEST,
            "GraphQL over WebSocket speaks graphql-transport-ws: ask for it in Sec-WebSocket-Protocol",
        );
    }
    // A token in the upgrade's header is checked now; one in
    // `connection_init` when it comes.
    let principal = match headers.get(header::AUTHORIZATION) {
        Some(_) => match state.access.principal(headers) {
            Ok(principal) => Some(principal),
            Err(err) => return unauthenticated(err),
        },
        None => None,
    };
    let Ok(slot) = state.sockets.open.clone().try_acquire_owned() else {
        return request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "TOO_MANY_CONNECTIONS",
            "the service holds as many WebSocket connections as it may: try again later",
        );
    };
    let max = state.sockets.settings.max_message_bytes;
    upgrade
        .protocols([PROTOCOL])
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve(socket, state, principal, slot))
}

/// Serves one connection until either side closes it.
async fn serve(
    socket: WebSocket,
    state: AppState,
    principal: Option<Principal>,
    _slot: OwnedSemaphorePermit,
) {
    let settings = state.sockets.settings.clone();
    let mut stopping = state.sockets.stopping.clone();
    let executor = state.api.socket();
    let permits = executor.permits().clone();
    let (mut sink, incoming) = socket.split();

    // When the peer was last heard from, in milliseconds since `opened`.
    let opened = Instant::now();
    let heard = Arc::new(AtomicU64::new(0));
    let heard_in = heard.clone();
    let incoming = incoming
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(move |message| {
            heard_in.store(elapsed_ms(opened), Ordering::Relaxed);
            future::ready(match message {
                Ok(Message::Text(text)) => Some(ClientMessage::from_bytes(text.as_str())),
                Ok(Message::Binary(bytes)) => Some(ClientMessage::from_bytes(bytes)),
                _ => None,
            })
        });

    let refused: Arc<OnceLock<()>> = Arc::new(OnceLock::new());
    let init = {
        let access = state.access.clone();
        let admitted = executor.clone();
        let refused = refused.clone();
        move |payload: serde_json::Value| async move {
            let principal = match principal {
                Some(principal) => Ok(principal),
                None => access.of_authorization(authorization(&payload)),
            };
            match principal {
                Ok(principal) => {
                    tracing::debug!(caller = %principal.name, role = %principal.role, "websocket connection");
                    Ok(admitted.session(principal.role))
                }
                Err(err) => {
                    let _ = refused.set(());
                    Err(async_graphql::Error::new(err.to_string()))
                }
            }
        }
    };
    let mut graphql = GraphqlSocket::from_message_stream(executor, incoming, Protocols::GraphQLWS)
        .on_connection_init(init);

    let mut ping =
        tokio::time::interval_at(opened + settings.ping_interval, settings.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut idle_since = Some(opened);
    let close = loop {
        tokio::select! {
            message = graphql.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if !send(&mut sink, Message::Text(text.into()), settings.ping_interval).await {
                        break None;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    // A refused `connection_init` is Forbidden, as the
                    // protocol asks; async-graphql says 1002.
                    let code = if refused.get().is_some() { FORBIDDEN } else { code };
                    break Some((code, reason));
                }
                None => break None,
            },
            _ = ping.tick() => {
                let silent = elapsed_ms(opened).saturating_sub(heard.load(Ordering::Relaxed));
                if u128::from(silent) > 2 * settings.ping_interval.as_millis() {
                    tracing::debug!("websocket peer silent: closing");
                    break None;
                }
                if permits.idle() {
                    let since = *idle_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= settings.idle_timeout {
                        break Some((NORMAL, "no subscription for the idle timeout".to_owned()));
                    }
                } else {
                    idle_since = None;
                }
                if !send(&mut sink, Message::Ping(Default::default()), settings.ping_interval).await {
                    break None;
                }
            }
            () = async { drop(stopping.wait_for(|stopping| *stopping).await) } => {
                break Some((GOING_AWAY, "the service is stopping: connect again".to_owned()));
            }
        }
    };
    if let Some((code, reason)) = close {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        send(
            &mut sink,
            Message::Close(Some(frame)),
            settings.ping_interval,
        )
        .await;
    }
}

/// Sends one message, or gives up after `within`: a peer that reads
/// nothing must not hold the connection.
async fn send(
    sink: &mut (impl SinkExt<Message> + Unpin),
    message: Message,
    within: Duration,
) -> bool {
    matches!(
        tokio::time::timeout(within, sink.send(message)).await,
        Ok(Ok(()))
    )
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Browsers send any page's WebSocket to any host, with no CORS check, and
/// on a service open without tokens the page would act as an editor. So
/// a browser's connection (it names its `Origin`) must come from the
/// service's own origin or a configured one; other clients name none.
fn origin_allowed(headers: &HeaderMap, allowed: &[HeaderValue]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    if allowed.contains(origin) {
        return true;
    }
    let own_host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, host)| host);
    matches!((origin_host, own_host), (Some(origin), Some(own)) if origin.eq_ignore_ascii_case(own))
}

/// The `authorization` entry of a `connection_init` payload, in any case.
fn authorization(payload: &serde_json::Value) -> Option<&str> {
    payload
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, value)| value.as_str())
}
