//! What a request must pass before async-graphql validates and runs it,
//! in one place: the limits (size, complexity, depth, the schema's own
//! nesting, fragment chains), introspection when it is off, mutations sent
//! over GET, variables required but not given, and the rewrites that make
//! async-graphql answer as the specification says (`rewrite`).
//!
//! Every check here costs time linear in the document at most, and runs
//! before any pass of async-graphql's that could cost more.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use async_graphql::{Pos, ServerError, Variables};
use async_graphql_value::ConstValue;

use super::cost::{self, PLANNING_ITEMS_PER_UNIT};
use super::error_codes::{self, GRAPHQL_VALIDATION_FAILED};
use super::errors::BAD_USER_INPUT;
use super::rewrite::{self, Rewritten};
use super::schema::Limits;
use super::{fragments, introspection};

/// How deep lists of the schema's own types may nest in one introspection
/// query: the standard query (types, their fields, their arguments) needs
/// three, and each level more multiplies the answer by the schema's size.
pub const MAX_SCHEMA_LISTS: usize = 3;

/// How the request arrived, which decides what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// POST: any operation.
    Post,
    /// GET: queries only. A GET must never change anything, since
    /// browsers, proxies and crawlers send and repeat GETs freely.
    Get,
    /// WebSocket (graphql-transport-ws): any operation, and the only way
    /// to subscribe.
    WebSocket,
}

/// `extensions.code` of an operation the transport does not carry: a
/// subscription sent over HTTP.
pub const OPERATION_NOT_SUPPORTED: &str = "OPERATION_NOT_SUPPORTED";

/// Why a request does not run.
#[derive(Debug)]
pub enum Refusal {
    /// Errors to answer with, and no data.
    Errors(Vec<ServerError>),
    /// A mutation sent over GET.
    MutationOverGet,
}

/// Checks `document` for `transport`, then rewrites it for execution.
pub fn admit(
    document: &mut ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    transport: Transport,
    limits: &Limits,
) -> Result<Rewritten, Refusal> {
    let recursion_limit = limits.recursion_limit();
    if cost::nodes_exceed(document, limits.max_nodes()) {
        return Err(invalid(format!(
            "the document holds more than {} selections, arguments and directives",
            limits.max_nodes()
        )));
    }
    if fragments::chain_longer_than(document, recursion_limit) {
        return Err(invalid(format!(
            "fragments spread one another more than {recursion_limit} levels deep"
        )));
    }
    if !limits.introspection && introspection::asks_for_schema(document, recursion_limit) {
        return Err(Refusal::Errors(vec![introspection::refusal()]));
    }
    let measured = cost::measure(document, variables);
    if measured.complexity > limits.max_complexity as u64 {
        return Err(invalid(format!(
            "the query selects more than this service allows (complexity {}: one per \
             field, a list counted once, a planning one more per {PLANNING_ITEMS_PER_UNIT} \
             of its slots, positions and listed artists; this query costs {})",
            limits.max_complexity, measured.complexity
        )));
    }
    if measured.depth > limits.max_depth {
        return Err(invalid(format!(
            "the query nests deeper than this service allows ({} levels)",
            limits.max_depth
        )));
    }
    if measured.schema_lists > MAX_SCHEMA_LISTS {
        return Err(invalid(format!(
            "the introspection query nests lists of the schema more than \
             {MAX_SCHEMA_LISTS} deep (types, their fields, their arguments)"
        )));
    }
    if let Some((message, pos)) = rewrite::typename_arguments(document) {
        return Err(Refusal::Errors(vec![error(
            message,
            Some(pos),
            GRAPHQL_VALIDATION_FAILED,
        )]));
    }
    if let Some(operation) = selected(document, operation_name) {
        if transport == Transport::Get && operation.ty == OperationType::Mutation {
            return Err(Refusal::MutationOverGet);
        }
        if transport != Transport::WebSocket && operation.ty == OperationType::Subscription {
            return Err(Refusal::Errors(vec![error(
                "subscriptions are served over WebSocket, with the graphql-transport-ws \
                 protocol, on this same path"
                    .to_owned(),
                None,
                OPERATION_NOT_SUPPORTED,
            )]));
        }
        let missing = missing_variables(operation, variables);
        if !missing.is_empty() {
            return Err(Refusal::Errors(missing));
        }
    }
    Ok(rewrite::rewrite(document))
}

/// The operation that will run, when the document and the name say which;
/// otherwise async-graphql refuses the request, and says why.
pub fn selected<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Some(&operation.node),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(operations), None) => {
            let mut all = operations.values();
            match (all.next(), all.next()) {
                (Some(only), None) => Some(&only.node),
                _ => None,
            }
        }
    }
}

/// Variables of a non-null type without a default that were not given, or
/// given as null: the request cannot run (the specification's
/// CoerceVariableValues). async-graphql would only notice on reaching a
/// field that uses one, after running the fields before it.
fn missing_variables(operation: &OperationDefinition, variables: &Variables) -> Vec<ServerError> {
    operation
        .variable_definitions
        .iter()
        .filter(|definition| {
            let definition = &definition.node;
            !definition.var_type.node.nullable && definition.default_value.is_none()
        })
        .filter_map(|definition| {
            let name = &definition.node.name.node;
            let ty = &definition.node.var_type.node;
            let message = match variables.get(name) {
                None => format!("Variable \"${name}\" of required type \"{ty}\" was not provided."),
                Some(ConstValue::Null) => {
                    format!("Variable \"${name}\" of non-null type \"{ty}\" must not be null.")
                }
                Some(_) => return None,
            };
            Some(error(message, Some(definition.pos), BAD_USER_INPUT))
        })
        .collect()
}

fn invalid(message: String) -> Refusal {
    Refusal::Errors(vec![error(message, None, GRAPHQL_VALIDATION_FAILED)])
}

/// An error with its code; without a position when it concerns the whole
/// document (a location is 1-based, and none is better than a false one).
pub fn error(message: String, pos: Option<Pos>, code: &'static str) -> ServerError {
    let mut error = ServerError::new(message, pos);
    error_codes::set(&mut error, code);
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn admit_str(
        query: &str,
        variables: serde_json::Value,
        transport: Transport,
    ) -> Result<Rewritten, Refusal> {
        let mut document = match async_graphql::parser::parse_query(query) {
            Ok(document) => document,
            Err(err) => panic!("test document does not parse: {err}"),
        };
        admit(
            &mut document,
            None,
            &Variables::from_json(variables),
            transport,
            &Limits::default(),
        )
    }

    fn messages(refusal: Result<Rewritten, Refusal>) -> Vec<String> {
        match refusal {
            Err(Refusal::Errors(errors)) => errors.into_iter().map(|e| e.message).collect(),
            other => panic!("expected errors, got {other:?}"),
        }
    }

    #[test]
    fn mutations_never_run_over_get() {
        assert!(matches!(
            admit_str(
                "mutation { deleteArtist(id: 1) { __typename } }",
                json!({}),
                Transport::Get
            ),
            Err(Refusal::MutationOverGet)
        ));
        assert!(admit_str("{ __typename }", json!({}), Transport::Get).is_ok());
        assert!(
            admit_str(
                "mutation { deleteArtist(id: 1) { __typename } }",
                json!({}),
                Transport::Post
            )
            .is_ok()
        );
    }

    #[test]
    fn required_variables_must_be_given_and_not_null() {
        let query = "query($a: Int!, $b: String!, $c: Int, $d: Int! = 1) { __typename }";
        let refused = messages(admit_str(query, json!({ "b": null }), Transport::Post));
        assert_eq!(
            refused,
            [
                "Variable \"$a\" of required type \"Int!\" was not provided.",
                "Variable \"$b\" of non-null type \"String!\" must not be null.",
            ]
        );
        assert!(admit_str(query, json!({ "a": 1, "b": "x" }), Transport::Post).is_ok());
    }

    #[test]
    fn arguments_on_typename_are_refused() {
        let refused = messages(admit_str(
            "{ __typename(x: 1) }",
            json!({}),
            Transport::Post,
        ));
        assert_eq!(refused, ["Unknown argument \"x\" on field \"__typename\"."]);
    }
}
