//! A graphql-transport-ws client for the tests: what graphql-ws and
//! Apollo send, frame by frame.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a message it expects before failing.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// The selection a subscriber asks for in most tests.
pub const SCHEDULE_CHANGED: &str = "subscription($id: ID!, $after: Int) {
  scheduleChanged(id: $id, afterVersion: $after) {
    version
    schedule { id name version status assignments { id slotKey artist { name } status } }
  }
}";

pub struct Socket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u32,
}

/// What the server sent, as a test sees it.
#[derive(Debug)]
pub enum Received {
    /// `connection_ack`.
    Acknowledged,
    /// `next`: the operation's id and its payload (`data`, `errors`).
    Next(String, Value),
    Complete(String),
    /// The server closed the connection with this code and reason.
    Closed(u16, String),
}

impl Socket {
    /// Opens `/graphql` of the service at `base` (`http://host:port`) as a
    /// WebSocket, with `headers` on the upgrade request. Err with the
    /// HTTP status when the upgrade is refused.
    pub async fn open(base: &str, headers: &[(&str, &str)]) -> Result<Self, u16> {
        let url = format!("{}/graphql", base.replacen("http", "ws", 1));
        let mut request = match url.into_client_request() {
            Ok(request) => request,
            Err(err) => panic!("not a WebSocket URL: {err}"),
        };
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        for (name, value) in headers {
            let value = match HeaderValue::from_str(value) {
                Ok(value) => value,
                Err(err) => panic!("bad header value {value:?}: {err}"),
            };
            let name =
                match tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                {
                    Ok(name) => name,
                    Err(err) => panic!("bad header name {name:?}: {err}"),
                };
            request.headers_mut().insert(name, value);
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((stream, _)) => Ok(Self { stream, next_id: 0 }),
            Err(WsError::Http(response)) => Err(response.status().as_u16()),
            Err(err) => panic!("cannot open a WebSocket to {base}: {err}"),
        }
    }

    /// Opens and initialises a connection with `payload`; panics unless
    /// the server acknowledges it.
    pub async fn connect(base: &str, payload: Value) -> Self {
        let mut socket = match Self::open(base, &[]).await {
            Ok(socket) => socket,
            Err(status) => panic!("the upgrade was refused with {status}"),
        };
        match socket.init(payload).await {
            Ok(()) => socket,
            Err((code, reason)) => panic!("connection_init refused: {code} {reason}"),
        }
    }

    /// Sends `connection_init`; Err with the close code and reason when
    /// the server refuses it.
    pub async fn init(&mut self, payload: Value) -> Result<(), (u16, String)> {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match self.receive().await {
            Received::Acknowledged => Ok(()),
            Received::Closed(code, reason) => Err((code, reason)),
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    /// Starts an operation; its id.
    pub async fn subscribe(&mut self, query: &str, variables: Value) -> String {
        self.next_id += 1;
        let id = self.next_id.to_string();
        self.send(json!({
            "id": id, "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
        id
    }

    /// Stops operation `id`.
    pub async fn stop(&mut self, id: &str) {
        self.send(json!({ "id": id, "type": "complete" })).await;
    }

    /// The payload of the next `next` message, which must be for `id`.
    pub async fn next(&mut self, id: &str) -> Value {
        match self.receive().await {
            Received::Next(of, payload) if of == id => payload,
            other => panic!("expected the next event of {id}, got {other:?}"),
        }
    }

    /// The next message the server sends, answering its pings meanwhile;
    /// panics after `PATIENCE` without one.
    pub async fn receive(&mut self) -> Received {
        loop {
            let message = match tokio::time::timeout(PATIENCE, self.stream.next()).await {
                Ok(message) => message,
                Err(_) => panic!("nothing from the server within {PATIENCE:?}"),
            };
            let text = match message {
                Some(Ok(Message::Text(text))) => text.to_string(),
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |frame| {
                        (u16::from(frame.code), frame.reason.to_string())
                    });
                    return Received::Closed(code, reason);
                }
                Some(Ok(_)) => continue,
                None | Some(Err(_)) => return Received::Closed(1006, String::new()),
            };
            let message: Value = match serde_json::from_str(&text) {
                Ok(message) => message,
                Err(err) => panic!("the server sent no JSON ({err}): {text}"),
            };
            let id = || message["id"].as_str().unwrap_or_default().to_owned();
            match message["type"].as_str() {
                Some("connection_ack") => return Received::Acknowledged,
                Some("next") => return Received::Next(id(), message["payload"].clone()),
                Some("complete") => return Received::Complete(id()),
                Some("ping") => self.send(json!({ "type": "pong" })).await,
                Some("pong") => {}
                _ => panic!("a message graphql-transport-ws does not have: {text}"),
            }
        }
    }

    /// Waits for the server to close the connection; its code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        match self.receive().await {
            Received::Closed(code, reason) => (code, reason),
            other => panic!("expected the connection to close, got {other:?}"),
        }
    }

    /// Closes the connection from this side.
    pub async fn close(mut self) {
        let _ = self
            .stream
            .close(Some(CloseFrame {
                code: 1000.into(),
                reason: "done".into(),
            }))
            .await;
    }

    async fn send(&mut self, message: Value) {
        if let Err(err) = self.stream.send(Message::text(message.to_string())).await {
            panic!("cannot send {message}: {err}");
        }
    }
}
