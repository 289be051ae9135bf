use std::sync::Arc;

use async_graphql::{EmptySubscription, Request, Response, Schema};

use crate::auth::Role;
use crate::db::Database;
use crate::domain::DomainError;
use crate::metrics::{Metrics, Operation, Outcome};

use super::compiled::{self, Fallback, Known, Plans};
use super::loaders::Loaders;
use super::mutation::Mutation;
use super::query::Query;
use super::types::errors::UserError;
use super::{error_codes, errors, fragments, introspection};

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
    db: Database,
    limits: Limits,
    metrics: Arc<Metrics>,
    plans: Arc<Plans>,
}

/// A response, ready for the wire.
pub enum Answer {
    /// Written by a compiled plan: the JSON of `{"data":…}`.
    Written(Vec<u8>),
    /// async-graphql's response, to be serialized.
    Executed(Response),
}

impl Api {
    /// The API over `db`: the pool alone (`DatabaseConnection`), or with
    /// its point reads beside it (`db::Database`).
    pub fn new(db: impl Into<Database>, limits: Limits) -> Self {
        let db = db.into();
        let mut builder = builder()
            .data(db.pool.clone())
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
            plans: Arc::new(Plans::default()),
        }
    }

    /// The metrics of every request this API executes.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Answers one request for a caller of `role`: by the document's
    /// compiled plan when it has one (see `graphql::compiled`), else by
    /// async-graphql.
    pub async fn answer(&self, request: impl Into<Request>, role: Role) -> Answer {
        let request = request.into();
        let known = self
            .plans
            .get(&request.query, request.operation_name.as_deref());
        match known {
            Some(Known::Compiled(plan)) => {
                let timing = self.metrics.time(plan.operation.clone());
                match compiled::run(&plan, &self.db, &request.variables).await {
                    Ok(body) => {
                        timing.finish(Outcome::Ok, true);
                        self.metrics.count_compiled();
                        Answer::Written(body)
                    }
                    Err(fallback) => {
                        // The general path counts it, and reports the error.
                        // A fault only the plan's load can meet would not
                        // show there, so it is logged here with its cause.
                        timing.discard();
                        if let Fallback::Domain(DomainError::Internal(cause)) = &fallback {
                            tracing::warn!(
                                cause = %errors::cause_chain(&**cause),
                                "a read plan failed; the general path answers"
                            );
                        } else {
                            tracing::debug!(?fallback, "compiled plan declined the request");
                        }
                        Answer::Executed(self.run(request, role, false).await)
                    }
                }
            }
            Some(Known::General) => Answer::Executed(self.run(request, role, false).await),
            None => Answer::Executed(self.run(request, role, true).await),
        }
    }

    /// Executes one request by async-graphql, never by a compiled plan.
    pub async fn execute(&self, request: impl Into<Request>, role: Role) -> Response {
        self.run(request.into(), role, false).await
    }

    /// Executes one request by async-graphql for a caller of `role`, with
    /// its own DataLoaders, so that batching and caching never cross
    /// requests. With `learn`, a document that validates and runs without
    /// an error is remembered (compiled, where a plan can serve it).
    async fn run(&self, request: Request, role: Role, learn: bool) -> Response {
        let mut request = request.data(role);
        let requested = request.operation_name.clone();
        let recursion_limit = self.limits.recursion_limit();
        // Parsed once here, kept in the request for the execution.
        let query = learn.then(|| request.query.clone());
        let (operation, parsed, refusal, known) = match request.parsed_query() {
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
                learn.then(|| Plans::compile(document, requested.as_deref())),
            ),
            // The execution reports the syntax error.
            Err(_) => (Operation::invalid(), false, None, None),
        };
        let timing = self.metrics.time(operation);
        let response = if let Some(refusal) = refusal {
            refusal
        } else {
            let mut response = self
                .schema
                .execute(request.data(Loaders::new(&self.db.pool)))
                .await;
            error_codes::assign(&mut response, parsed, &self.limits);
            response
        };
        let outcome = if response.is_err() {
            Outcome::Error
        } else {
            Outcome::Ok
        };
        let validated = error_codes::validated(&response);
        timing.finish(outcome, validated);
        if let (Some(query), Some(known), true) = (query, known, validated && !response.is_err()) {
            self.plans.remember(query, requested, known);
        }
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
