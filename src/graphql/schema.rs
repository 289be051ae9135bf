use std::sync::Arc;

use async_graphql::{EmptySubscription, Request, Response, Schema};
use sea_orm::DatabaseConnection;

use crate::auth::Role;
use crate::metrics::{Metrics, Operation, Outcome};

use super::loaders::Loaders;
use super::mutation::Mutation;
use super::query::Query;
use super::types::errors::UserError;
use super::{error_codes, fragments, introspection};

type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// Bounds on what one GraphQL document may ask for.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Whether clients may query the schema (`__schema`, `__type`).
    pub introspection: bool,
}

impl Limits {
    /// How deep async-graphql may recurse into a document, fragments and
    /// inline fragments counting as levels. Its default, 32, would refuse
    /// a configured depth above it with a message that names 32.
    pub fn recursion_limit(&self) -> usize {
        self.max_depth.saturating_mul(2).max(32)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5_000,
            introspection: true,
        }
    }
}

/// The GraphQL API over one database: the schema, built once, and what
/// each request needs beside it.
#[derive(Clone)]
pub struct Api {
    schema: AppSchema,
    db: DatabaseConnection,
    limits: Limits,
    metrics: Arc<Metrics>,
}

impl Api {
    pub fn new(db: DatabaseConnection, limits: Limits) -> Self {
        let mut builder = builder()
            .data(db.clone())
            .limit_depth(limits.max_depth)
            .limit_recursive_depth(limits.recursion_limit())
            .limit_complexity(limits.max_complexity);
        if !limits.introspection {
            builder = builder.disable_introspection();
        }
        let schema = builder.finish();
        Self {
            schema,
            db,
            limits,
            metrics: Arc::new(Metrics::new()),
        }
    }

    /// The metrics of every request this API executes.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Executes one request for a caller of `role`, with its own
    /// DataLoaders, so that batching and caching never cross requests.
    pub async fn execute(&self, request: impl Into<Request>, role: Role) -> Response {
        let mut request = request.into().data(role);
        let requested = request.operation_name.clone();
        let recursion_limit = self.limits.recursion_limit();
        // Parsed once here, kept in the request for the execution.
        let (operation, parsed, refusal) = match request.parsed_query() {
            Ok(document) => (
                Operation::of(document, requested.as_deref()),
                true,
                if fragments::chain_longer_than(document, recursion_limit) {
                    Some(fragments::refusal(recursion_limit))
                } else if !self.limits.introspection
                    && introspection::asks_for_schema(document, recursion_limit)
                {
                    Some(introspection::refusal())
                } else {
                    None
                },
            ),
            // The execution reports the syntax error.
            Err(_) => (Operation::invalid(), false, None),
        };
        let timing = self.metrics.time(operation);
        let response = if let Some(refusal) = refusal {
            refusal
        } else {
            let mut response = self
                .schema
                .execute(request.data(Loaders::new(&self.db)))
                .await;
            error_codes::assign(&mut response, parsed, &self.limits);
            response
        };
        let outcome = if response.is_err() {
            Outcome::Error
        } else {
            Outcome::Ok
        };
        timing.finish(outcome, error_codes::validated(&response));
        response
    }
}

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation, EmptySubscription)
        // Only the error objects implement it, so nothing reaches it from
        // a field: register it so clients can select on it.
        .register_output_type::<UserError>()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
