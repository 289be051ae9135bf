//! Prometheus metrics, served on `GET /metrics`: GraphQL requests counted
//! and timed by operation name, and HTTP responses by route and status
//! (401, 400 and 413 answers never reach GraphQL).

use std::collections::HashSet;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// The content type of the exposition `encode` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Distinct operation names kept as labels. Names come from clients, so
/// they are bounded: past this many, further names count as `other`.
const MAX_OPERATION_NAMES: usize = 200;
/// Longer names are no real client's: counted as `other`.
const MAX_OPERATION_NAME_LEN: usize = 100;

/// Label of a document that does not parse.
const INVALID: &str = "invalid";
/// Label of an operation without a name.
const ANONYMOUS: &str = "anonymous";
/// Label of an `operationName` the document does not define.
const UNKNOWN: &str = "unknown";
/// Label of names past the bound.
const OTHER: &str = "other";

/// Which operation a GraphQL request runs, as the metrics label it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    name: String,
    kind: &'static str,
}

impl Operation {
    /// The operation `document` runs for a request naming `requested`.
    pub fn of(document: &ExecutableDocument, requested: Option<&str>) -> Self {
        let (name, ty) = match (&document.operations, requested) {
            (DocumentOperations::Single(operation), None) => (ANONYMOUS, Some(operation.node.ty)),
            // async-graphql refuses a name the document does not define.
            (DocumentOperations::Single(_), Some(_)) => (UNKNOWN, None),
            (DocumentOperations::Multiple(operations), Some(requested)) => {
                match operations.get(requested) {
                    Some(operation) => (requested, Some(operation.node.ty)),
                    None => (UNKNOWN, None),
                }
            }
            // One named operation runs without being asked for by name.
            (DocumentOperations::Multiple(operations), None) => match operations.iter().next() {
                Some((name, operation)) if operations.len() == 1 => {
                    (name.as_str(), Some(operation.node.ty))
                }
                _ => (UNKNOWN, None),
            },
        };
        Self {
            name: name.to_owned(),
            kind: match ty {
                Some(OperationType::Query) => "query",
                Some(OperationType::Mutation) => "mutation",
                Some(OperationType::Subscription) => "subscription",
                None => UNKNOWN,
            },
        }
    }

    /// A request whose document does not parse or validate: its names are
    /// not counted, so that junk cannot take up the bounded label set.
    pub fn invalid() -> Self {
        Self {
            name: INVALID.to_owned(),
            kind: UNKNOWN,
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    kind: &'static str,
}

/// How a GraphQL request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An answer without top-level errors. The typed errors of result
    /// unions are data: `ok`.
    Ok,
    /// An answer with top-level errors.
    Error,
    /// No answer: the request was cut off (timeout, client gone).
    Cancelled,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    operation: String,
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    /// The matched route, never the raw path, which a client chooses.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteTimingLabels {
    route: String,
}

type Timings<L> = Family<L, Histogram, fn() -> Histogram>;

/// Buckets from 0.25 ms to about 8 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The service's metrics, shared by every request.
pub struct Metrics {
    registry: Registry,
    graphql_requests: Family<OutcomeLabels, Counter>,
    graphql_durations: Timings<OperationLabels>,
    compiled_requests: Counter,
    http_requests: Family<RouteLabels, Counter>,
    http_durations: Timings<RouteTimingLabels>,
    operation_names: RwLock<HashSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("coulisses");
        let graphql_requests = Family::default();
        let graphql_durations = Timings::new_with_constructor(latency_histogram as fn() -> _);
        let compiled_requests = Counter::default();
        let http_requests = Family::default();
        let http_durations = Timings::new_with_constructor(latency_histogram as fn() -> _);
        registry.register(
            "graphql_requests",
            "GraphQL requests by operation name, kind and outcome",
            graphql_requests.clone(),
        );
        registry.register_with_unit(
            "graphql_request_duration",
            "Time to execute a GraphQL request, by operation name and kind",
            Unit::Seconds,
            graphql_durations.clone(),
        );
        registry.register(
            "graphql_compiled_requests",
            "GraphQL requests answered by a compiled read plan",
            compiled_requests.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP responses by method, route and status",
            http_requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, by route",
            Unit::Seconds,
            http_durations.clone(),
        );
        Self {
            registry,
            graphql_requests,
            graphql_durations,
            compiled_requests,
            http_requests,
            http_durations,
            operation_names: RwLock::new(HashSet::new()),
        }
    }

    /// Starts timing a GraphQL request; it is counted when the timing is
    /// finished, or as cancelled if it is dropped first.
    pub fn time(&self, operation: Operation) -> Timing<'_> {
        Timing {
            metrics: self,
            operation: Some(operation),
            started: Instant::now(),
        }
    }

    /// Counts and times one GraphQL request.
    fn record_graphql(&self, operation: Operation, outcome: Outcome, elapsed: Duration) {
        let timing = OperationLabels {
            operation: self.bounded(operation.name),
            kind: operation.kind,
        };
        self.graphql_durations
            .get_or_create(&timing)
            .observe(elapsed.as_secs_f64());
        self.graphql_requests
            .get_or_create(&OutcomeLabels {
                operation: timing.operation,
                kind: timing.kind,
                outcome: outcome.label(),
            })
            .inc();
    }

    /// Counts a request a compiled read plan answered (it is counted with
    /// the others too).
    pub fn count_compiled(&self) {
        self.compiled_requests.inc();
    }

    /// Counts and times one HTTP response. `route` is the matched route,
    /// `None` for a path no route serves.
    pub fn record_http(&self, method: &str, route: Option<&str>, status: u16, elapsed: Duration) {
        let route = route.unwrap_or("unmatched").to_owned();
        self.http_durations
            .get_or_create(&RouteTimingLabels {
                route: route.clone(),
            })
            .observe(elapsed.as_secs_f64());
        self.http_requests
            .get_or_create(&RouteLabels {
                method: known_method(method),
                route,
                status,
            })
            .inc();
    }

    /// The OpenMetrics text exposition of every metric.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }

    /// `name`, or `other` once the bound on distinct names is reached.
    fn bounded(&self, name: String) -> String {
        if name.len() > MAX_OPERATION_NAME_LEN {
            return OTHER.to_owned();
        }
        // A poisoned lock only means a panic elsewhere mid-insert; the set
        // is still a valid set.
        let known = self
            .operation_names
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains(&name);
        if known {
            return name;
        }
        let mut names = self
            .operation_names
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if names.len() < MAX_OPERATION_NAMES {
            names.insert(name.clone());
            name
        } else if names.contains(&name) {
            name
        } else {
            OTHER.to_owned()
        }
    }
}

/// A GraphQL request being timed.
pub struct Timing<'a> {
    metrics: &'a Metrics,
    operation: Option<Operation>,
    started: Instant,
}

impl Timing<'_> {
    /// Forgets the request: another timing counts it.
    pub fn discard(mut self) {
        self.operation = None;
    }

    /// Counts the request as ended with `outcome`; as `invalid` when its
    /// document did not validate.
    pub fn finish(mut self, outcome: Outcome, validated: bool) {
        if let Some(operation) = self.operation.take() {
            let operation = if validated {
                operation
            } else {
                Operation::invalid()
            };
            self.metrics
                .record_graphql(operation, outcome, self.started.elapsed());
        }
    }
}

impl Drop for Timing<'_> {
    fn drop(&mut self) {
        if let Some(operation) = self.operation.take() {
            self.metrics
                .record_graphql(operation, Outcome::Cancelled, self.started.elapsed());
        }
    }
}

/// The method, if a standard one: clients may send any token there.
fn known_method(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(query: &str, requested: Option<&str>) -> Operation {
        match async_graphql::parser::parse_query(query) {
            Ok(document) => Operation::of(&document, requested),
            Err(_) => Operation::invalid(),
        }
    }

    #[test]
    fn names_the_operation_the_request_runs() {
        assert_eq!(
            operation("query Roster { artists { totalCount } }", None),
            Operation {
                name: "Roster".into(),
                kind: "query"
            }
        );
        assert_eq!(
            operation("mutation { deleteArtist(id: \"x\") { __typename } }", None),
            Operation {
                name: ANONYMOUS.into(),
                kind: "mutation"
            }
        );
        let two = "query A { artists { totalCount } } mutation B { deleteArtist(id: \"x\") { __typename } }";
        assert_eq!(
            operation(two, Some("B")),
            Operation {
                name: "B".into(),
                kind: "mutation"
            }
        );
        assert_eq!(operation(two, Some("C")).name, UNKNOWN);
        assert_eq!(
            operation("{ artists { totalCount } }", Some("Named")).name,
            UNKNOWN
        );
        assert_eq!(operation("query {", None), Operation::invalid());
    }

    #[test]
    fn client_chosen_names_are_bounded() {
        let metrics = Metrics::new();
        for index in 0..MAX_OPERATION_NAMES + 10 {
            let operation = Operation {
                name: format!("Op{index}"),
                kind: "query",
            };
            metrics.record_graphql(operation, Outcome::Ok, Duration::from_millis(1));
        }
        let text = metrics.encode().unwrap_or_default();
        assert!(text.contains("operation=\"Op0\""));
        assert!(!text.contains(&format!("operation=\"Op{}\"", MAX_OPERATION_NAMES)));
        assert!(text.contains(
            "coulisses_graphql_requests_total{operation=\"other\",kind=\"query\",outcome=\"ok\"} 10"
        ));
        let long = Operation {
            name: "L".repeat(MAX_OPERATION_NAME_LEN + 1),
            kind: "query",
        };
        assert_eq!(metrics.bounded(long.name), OTHER);
    }

    #[test]
    fn requests_cut_off_count_as_cancelled() {
        let metrics = Metrics::new();
        let operation = || Operation {
            name: "Slow".into(),
            kind: "query",
        };
        drop(metrics.time(operation()));
        metrics.time(operation()).finish(Outcome::Ok, true);
        metrics.time(operation()).finish(Outcome::Error, false);
        let text = metrics.encode().unwrap_or_default();
        for line in [
            r#"coulisses_graphql_requests_total{operation="Slow",kind="query",outcome="cancelled"} 1"#,
            r#"coulisses_graphql_requests_total{operation="Slow",kind="query",outcome="ok"} 1"#,
            r#"coulisses_graphql_requests_total{operation="invalid",kind="unknown",outcome="error"} 1"#,
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line} in:\n{text}"
            );
        }
    }
}
