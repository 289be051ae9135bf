use std::sync::Arc;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::parser::parse_query;
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Data, Request, Response, Schema, ServerError, ValidationMode};
use tokio::sync::Semaphore;

use crate::auth::Role;
use crate::domain::{DomainError, Reads, Writes};
use crate::metrics::{Metrics, Operation, Outcome};

use super::admission::{self, Refusal, Transport};
use super::compiled::{self, Fallback, Known, Plans};
use super::loaders::{Loaders, PerExecution};
use super::mutation::Mutation;
use super::query::Query;
use super::socket::{Socket, SubscriptionPermits};
use super::subscription::Subscription;
use super::types::errors::UserError;
use super::{error_codes, errors, reply, rewrite, tokens};

type AppSchema = Schema<Query, Mutation, Subscription>;

/// Bounds on what one GraphQL document may ask for.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Whether clients may query the schema (`__schema`, `__type`).
    pub introspection: bool,
    /// Subscriptions running at once, in the whole process.
    pub max_subscriptions: usize,
    /// Subscriptions running at once on one WebSocket connection.
    pub max_subscriptions_per_connection: usize,
}

impl Limits {
    /// How deep async-graphql may recurse into a document, fragments and
    /// inline fragments counting as levels. Its default, 32, would refuse
    /// a configured depth above it with a message that names 32.
    pub fn recursion_limit(&self) -> usize {
        self.max_depth.saturating_mul(2).max(32)
    }

    /// The most tokens a document may hold: room for every field the
    /// complexity allows with its arguments and punctuation.
    pub fn max_tokens(&self) -> usize {
        self.max_complexity.saturating_mul(4)
    }

    /// The most nodes (selections, arguments, directives, definitions) a
    /// document may hold: room for every field the complexity allows,
    /// with an argument or a directive each.
    pub fn max_nodes(&self) -> usize {
        self.max_complexity.saturating_mul(2)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5_000,
            introspection: true,
            max_subscriptions: 10_000,
            max_subscriptions_per_connection: 20,
        }
    }
}

/// The GraphQL API over one database: the schema, built once, and what
/// each request needs beside it.
#[derive(Clone)]
pub struct Api {
    schema: AppSchema,
    reads: Reads,
    writes: Writes,
    limits: Limits,
    metrics: Arc<Metrics>,
    plans: Arc<Plans>,
    execution: Execution,
    /// Under `Execution::ParsedDocumentsFastValidation`, the schema that
    /// runs documents seen valid before.
    fast: Option<AppSchema>,
    /// The schema documents sent over WebSocket run on: the same, each
    /// execution (each event of a subscription) with its own DataLoaders.
    socket: AppSchema,
    /// The subscriptions the process may still start.
    subscriptions: Arc<Semaphore>,
}

/// How documents seen valid before run. The service runs `ReadPlans`; the
/// others are its peers in `benches/api.rs`, which measures all three in
/// one run (docs/decisions/0002-read-strategy.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Execution {
    /// Queries a plan serves run by their compiled plan; other documents
    /// by async-graphql, from their parsed form.
    #[default]
    ReadPlans,
    /// Every document by async-graphql, from its parsed form, validated
    /// again.
    ParsedDocuments,
    /// As `ParsedDocuments`, validated again in async-graphql's fast mode
    /// (variables are then checked only as fields read them).
    ParsedDocumentsFastValidation,
}

/// The answer to one request.
pub enum Answer {
    /// Written by a compiled plan: the JSON of `{"data":…}`.
    Written(Vec<u8>),
    /// Run by async-graphql: `data` is there, null if a non-null field
    /// failed.
    Executed(Response),
    /// Refused before it ran: the document does not parse or validate, a
    /// variable is missing, or a limit is passed. Errors, and no `data`.
    Refused(Response),
    /// A mutation sent over GET: nothing ran.
    MutationOverGet,
}

impl Answer {
    /// True when the request never ran (HTTP answers such requests 400
    /// under `application/graphql-response+json`).
    pub fn is_request_error(&self) -> bool {
        matches!(self, Self::Refused(_) | Self::MutationOverGet)
    }

    /// The answer in JSON.
    pub fn into_json(self) -> Vec<u8> {
        match self {
            Self::Written(body) => body,
            Self::Executed(response) => reply::to_json(Some(&response.data), &response),
            Self::Refused(response) => reply::to_json(None, &response),
            Self::MutationOverGet => reply::to_json(
                None,
                &Response::from_errors(vec![admission::error(
                    "mutations are not sent over GET: send them with POST".to_owned(),
                    None,
                    METHOD_NOT_ALLOWED,
                )]),
            ),
        }
    }
}

/// Whether a request's document was seen valid before, and if so in its
/// parsed form.
enum Seen {
    First,
    Before(Option<Arc<ExecutableDocument>>),
}

/// `extensions.code` of a mutation sent over GET.
pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";

impl Api {
    /// The API that reads through `reads` and changes data through
    /// `writes`.
    pub fn new(reads: Reads, writes: Writes, limits: Limits) -> Self {
        let schema = schema(&reads, &writes, &limits, ValidationMode::Strict);
        let socket = schema_builder(&reads, &writes, &limits, ValidationMode::Strict)
            .extension(PerExecution)
            .finish();
        Self {
            schema,
            socket,
            subscriptions: Arc::new(Semaphore::new(limits.max_subscriptions)),
            reads,
            writes,
            limits,
            metrics: Arc::new(Metrics::new()),
            plans: Arc::new(Plans::default()),
            execution: Execution::default(),
            fast: None,
        }
    }

    /// The same API, running documents seen valid before as `execution`
    /// says.
    pub fn with_execution(mut self, execution: Execution) -> Self {
        self.execution = execution;
        self.fast = (execution == Execution::ParsedDocumentsFastValidation).then(|| {
            schema(
                &self.reads,
                &self.writes,
                &self.limits,
                ValidationMode::Fast,
            )
        });
        self
    }

    /// The executor of one new WebSocket connection.
    pub fn socket(&self) -> Socket {
        Socket::new(
            self.clone(),
            SubscriptionPermits::new(
                self.subscriptions.clone(),
                self.limits.max_subscriptions,
                self.limits.max_subscriptions_per_connection,
            ),
        )
    }

    /// Runs a document sent over WebSocket, with the connection's data
    /// (`session`: the caller's role, its subscription permits): after
    /// the same admission as over HTTP, on the WebSocket schema; a
    /// subscription answers once per event.
    pub(super) fn stream(
        &self,
        mut request: Request,
        session: Arc<Data>,
    ) -> BoxStream<'static, Response> {
        let introspection = self.limits.introspection;
        let refused = move |errors: Vec<ServerError>, query: &str| {
            let mut errors = errors;
            tidy(introspection, &mut errors, query);
            stream::once(std::future::ready(Response::from_errors(errors))).boxed()
        };
        let mut document = match self.parse(&request.query) {
            Ok(document) => document,
            Err(error) => return refused(vec![error], &request.query),
        };
        let admitted = admission::admit(
            &mut document,
            request.operation_name.as_deref(),
            &request.variables,
            Transport::WebSocket,
            &self.limits,
        );
        let rewritten = match admitted {
            Ok(rewritten) => rewritten,
            Err(Refusal::Errors(errors)) => return refused(errors, &request.query),
            Err(Refusal::MutationOverGet) => {
                return refused(
                    vec![ServerError::new("mutations are not sent over GET", None)],
                    &request.query,
                );
            }
        };
        let query = std::mem::take(&mut request.query);
        request.set_parsed_query(document);
        self.socket
            .execute_stream_with_session_data(request, session)
            .map(move |mut response| {
                error_codes::assign(&mut response);
                if rewritten.kept {
                    rewrite::strip(&mut response.data);
                }
                tidy(introspection, &mut response.errors, &query);
                response
            })
            .boxed()
    }

    /// The reads this API serves, for what the HTTP layer answers itself
    /// (the calendar feeds).
    pub fn reads(&self) -> &Reads {
        &self.reads
    }

    /// The metrics of every request this API executes.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Answers one request for a caller of `role`, sent by `transport`: by
    /// the document's compiled plan when it has one (see
    /// `graphql::compiled`), else by async-graphql.
    pub async fn answer(
        &self,
        request: impl Into<Request>,
        role: Role,
        transport: Transport,
    ) -> Answer {
        let request = request.into();
        let known = self
            .plans
            .get(&request.query, request.operation_name.as_deref(), role);
        match known {
            Some(Known::Compiled(plan)) => {
                let timing = self.metrics.time(plan.operation.clone());
                match compiled::run(&plan, &self.reads, &request.variables).await {
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
                        self.run(request, role, transport, Seen::Before(None)).await
                    }
                }
            }
            Some(Known::Parsed(document)) => {
                self.run(request, role, transport, Seen::Before(Some(document)))
                    .await
            }
            None => self.run(request, role, transport, Seen::First).await,
        }
    }

    /// Executes one request by async-graphql, never by a compiled plan.
    pub async fn execute(&self, request: impl Into<Request>, role: Role) -> Answer {
        self.run(request.into(), role, Transport::Post, Seen::Before(None))
            .await
    }

    /// Executes one request by async-graphql for a caller of `role`, with
    /// its own DataLoaders, so that batching and caching never cross
    /// requests. A document seen the first time that validates and runs
    /// without an error is remembered (compiled, where a plan can serve
    /// it); one seen before with its parsed form is not parsed again.
    async fn run(&self, request: Request, role: Role, transport: Transport, seen: Seen) -> Answer {
        let mut request = request.data(role);
        let requested = request.operation_name.clone();
        let learn = matches!(seen, Seen::First);
        let parsed = match seen {
            Seen::Before(Some(document)) => Some(ExecutableDocument::clone(&document)),
            _ => None,
        };
        let fast = parsed.is_some();
        let parsed = parsed.map(Ok).unwrap_or_else(|| self.parse(&request.query));
        let mut document = match parsed {
            Ok(document) => document,
            Err(error) => {
                self.metrics
                    .time(Operation::invalid())
                    .finish(Outcome::Error, false);
                return self.refused(vec![error], &request.query);
            }
        };
        let timing = self
            .metrics
            .time(Operation::of(&document, requested.as_deref()));
        let known = learn.then(|| match self.execution {
            Execution::ReadPlans => Plans::compile(&document, requested.as_deref()),
            _ => Known::Parsed(Arc::new(document.clone())),
        });
        let admitted = admission::admit(
            &mut document,
            requested.as_deref(),
            &request.variables,
            transport,
            &self.limits,
        );
        let rewritten = match admitted {
            Ok(rewritten) => rewritten,
            Err(Refusal::MutationOverGet) => {
                timing.finish(Outcome::Error, true);
                return Answer::MutationOverGet;
            }
            Err(Refusal::Errors(errors)) => {
                timing.finish(Outcome::Error, false);
                return self.refused(errors, &request.query);
            }
        };
        let query = learn.then(|| request.query.clone());
        // Only concealing needs the text once the request is consumed.
        let concealing = (!self.limits.introspection).then(|| request.query.clone());
        request.set_parsed_query(document);
        let schema = match (&self.fast, fast) {
            (Some(fast), true) => fast,
            _ => &self.schema,
        };
        let mut response = schema
            .execute(request.data(Loaders::new(&self.reads)))
            .await;
        error_codes::assign(&mut response);
        let validated = error_codes::validated(&response);
        let outcome = if response.is_err() {
            Outcome::Error
        } else {
            Outcome::Ok
        };
        timing.finish(outcome, validated);
        if let (Some(query), Some(known), true) = (query, known, validated && !response.is_err()) {
            self.plans.remember(query, requested, role, known);
        }
        if rewritten.kept {
            rewrite::strip(&mut response.data);
        }
        tidy(
            self.limits.introspection,
            &mut response.errors,
            concealing.as_deref().unwrap_or_default(),
        );
        if validated {
            Answer::Executed(response)
        } else {
            Answer::Refused(response)
        }
    }

    /// The document of `query`, unless it holds more tokens than the
    /// limits allow (counted before any parsing) or does not parse: then
    /// the error to answer, with its code.
    fn parse(&self, query: &str) -> Result<ExecutableDocument, ServerError> {
        if tokens::exceed(query, self.limits.max_tokens()) {
            return Err(admission::error(
                format!(
                    "the document holds more than {} tokens: send large inputs as variables",
                    self.limits.max_tokens()
                ),
                None,
                error_codes::GRAPHQL_VALIDATION_FAILED,
            ));
        }
        parse_query(query).map_err(|err| {
            let mut error = ServerError::from(err);
            error_codes::set(&mut error, error_codes::GRAPHQL_PARSE_FAILED);
            error
        })
    }

    /// The answer to a request refused before async-graphql ran it.
    fn refused(&self, mut errors: Vec<ServerError>, query: &str) -> Answer {
        tidy(self.limits.introspection, &mut errors, query);
        Answer::Refused(Response::from_errors(errors))
    }
}

/// What every answer's errors go through, whoever raised them: no word of
/// the schema that `query` did not name while introspection is off, and
/// at most `reply::MAX_ERRORS`.
fn tidy(introspection: bool, errors: &mut Vec<ServerError>, query: &str) {
    if !introspection {
        reply::conceal_schema(errors, query);
    }
    reply::cap(errors);
}

/// The schema requests run on, validating documents in `validation` mode.
fn schema(
    reads: &Reads,
    writes: &Writes,
    limits: &Limits,
    validation: ValidationMode,
) -> AppSchema {
    schema_builder(reads, writes, limits, validation).finish()
}

fn schema_builder(
    reads: &Reads,
    writes: &Writes,
    limits: &Limits,
    validation: ValidationMode,
) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    // Depth and complexity are measured by `admission`, which knows
    // introspection from data and `planning` from other fields.
    let mut builder = builder()
        .data(reads.clone())
        .data(writes.clone())
        .limit_recursive_depth(limits.recursion_limit())
        .validation_mode(validation);
    if !limits.introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder
}

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query, Mutation, Subscription)
        // Only the error objects implement it, so nothing reaches it from
        // a field: register it so clients can select on it.
        .register_output_type::<UserError>()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// A field of an object or input object in the schema, for tests that
/// check the schema against what serves it.
#[cfg(test)]
pub(crate) struct SchemaField {
    pub name: String,
    /// One scalar, and no arguments.
    pub plain_scalar: bool,
}

/// The fields of the object or input object `name` in the SDL.
#[cfg(test)]
pub(crate) fn fields_of(name: &str) -> Vec<SchemaField> {
    use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
    let sdl = sdl();
    let document = match async_graphql::parser::parse_schema(&sdl) {
        Ok(document) => document,
        Err(err) => panic!("the schema does not parse: {err}"),
    };
    let scalar = |ty: &Type| {
        matches!(&ty.base, BaseType::Named(name)
            if ["ID", "String", "Int", "Float", "Boolean", "DateTime"].contains(&name.as_str()))
    };
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        if ty.node.name.node != name {
            continue;
        }
        return match &ty.node.kind {
            TypeKind::Object(object) => object
                .fields
                .iter()
                .map(|field| SchemaField {
                    name: field.node.name.node.to_string(),
                    plain_scalar: field.node.arguments.is_empty() && scalar(&field.node.ty.node),
                })
                .collect(),
            TypeKind::InputObject(input) => input
                .fields
                .iter()
                .map(|field| SchemaField {
                    name: field.node.name.node.to_string(),
                    plain_scalar: scalar(&field.node.ty.node),
                })
                .collect(),
            _ => panic!("{name} is neither an object nor an input object"),
        };
    }
    panic!("no type {name} in the schema");
}
