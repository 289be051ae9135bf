//! GraphQL over WebSocket: the documents of one connection, which the
//! HTTP layer serves with the graphql-transport-ws protocol. They pass the
//! same admission as HTTP requests, run with the role `connection_init`
//! authenticated (in the connection's data: a document runs only once it
//! is answered), and each subscription holds a permit of the connection
//! and one of the process while it runs.

use std::sync::Arc;

use async_graphql::futures_util::stream::{BoxStream, StreamExt};
use async_graphql::{Context, Data, ErrorExtensions, Executor, Request, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::schema::Api;
use crate::auth::Role;

/// `extensions.code` of a subscription over a limit.
pub const TOO_MANY_SUBSCRIPTIONS: &str = "TOO_MANY_SUBSCRIPTIONS";

/// The subscriptions a connection may still start: its own permits, and
/// the process's.
#[derive(Clone)]
pub struct SubscriptionPermits {
    connection: Arc<Semaphore>,
    per_connection: usize,
    process: Arc<Semaphore>,
    per_process: usize,
}

/// What one running subscription holds; dropped with its stream.
pub struct Held {
    _connection: OwnedSemaphorePermit,
    _process: OwnedSemaphorePermit,
}

impl SubscriptionPermits {
    pub(super) fn new(process: Arc<Semaphore>, per_process: usize, per_connection: usize) -> Self {
        Self {
            connection: Arc::new(Semaphore::new(per_connection)),
            per_connection,
            process,
            per_process,
        }
    }

    pub(super) fn of<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Self> {
        ctx.data::<Self>().map_err(|_| {
            async_graphql::Error::new(
                "subscriptions are served over WebSocket (graphql-transport-ws) on /graphql",
            )
            .extend_with(|_, e| e.set("code", super::admission::OPERATION_NOT_SUPPORTED))
        })
    }

    /// The permits of one more subscription, or why there are none.
    pub(super) fn take(&self) -> async_graphql::Result<Held> {
        let too_many = |message: String| {
            async_graphql::Error::new(message)
                .extend_with(|_, e| e.set("code", TOO_MANY_SUBSCRIPTIONS))
        };
        let connection = self.connection.clone().try_acquire_owned().map_err(|_| {
            too_many(format!(
                "this connection runs {} subscriptions, the most it may: stop one first",
                self.per_connection
            ))
        })?;
        let process = self.process.clone().try_acquire_owned().map_err(|_| {
            too_many(format!(
                "the service runs {} subscriptions, the most it may: try again later",
                self.per_process
            ))
        })?;
        Ok(Held {
            _connection: connection,
            _process: process,
        })
    }

    /// True when no subscription of the connection runs.
    pub fn idle(&self) -> bool {
        self.connection.available_permits() == self.per_connection
    }
}

/// One WebSocket connection's executor. The role `connection_init`
/// authenticated comes with the connection's data (`Socket::session`).
#[derive(Clone)]
pub struct Socket {
    api: Api,
    permits: SubscriptionPermits,
}

impl Socket {
    pub(super) fn new(api: Api, permits: SubscriptionPermits) -> Self {
        Self { api, permits }
    }

    /// The connection's data once `connection_init` authenticated a
    /// caller of `role`: every document of the connection runs with it.
    pub fn session(&self, role: Role) -> Data {
        let mut data = Data::default();
        data.insert(role);
        data.insert(self.permits.clone());
        data
    }

    /// The subscriptions it may still start.
    pub fn permits(&self) -> &SubscriptionPermits {
        &self.permits
    }
}

impl Executor for Socket {
    async fn execute(&self, request: Request) -> Response {
        self.execute_stream(request, None)
            .next()
            .await
            .unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        self.api.stream(request, session_data.unwrap_or_default())
    }
}
