//! GraphQL over WebSocket: the documents of one connection, which the
//! HTTP layer serves with the graphql-transport-ws protocol. They pass the
//! same admission as HTTP requests, run with the role `connection_init`
//! authenticated, and each subscription holds a permit of the connection
//! and one of the process while it runs.

use std::sync::{Arc, OnceLock};

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
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

/// One WebSocket connection's executor.
#[derive(Clone)]
pub struct Socket {
    api: Api,
    /// Set once `connection_init` authenticated the caller.
    role: Arc<OnceLock<Role>>,
    permits: SubscriptionPermits,
}

impl Socket {
    pub(super) fn new(api: Api, permits: SubscriptionPermits) -> Self {
        Self {
            api,
            role: Arc::new(OnceLock::new()),
            permits,
        }
    }

    /// The caller `connection_init` authenticated: every document of the
    /// connection runs with this role.
    pub fn admit(&self, role: Role) {
        // The protocol has one `connection_init`; a second closes the
        // connection before it gets here.
        let _ = self.role.set(role);
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
        let Some(role) = self.role.get().copied() else {
            // async-graphql runs nothing before `connection_init` is
            // answered; this is a fault of ours if it ever shows.
            return stream::once(async {
                Response::from_errors(vec![async_graphql::ServerError::new(
                    "the connection is not initialised",
                    None,
                )])
            })
            .boxed();
        };
        self.api.stream(
            request.data(self.permits.clone()),
            role,
            session_data.unwrap_or_default(),
        )
    }
}
