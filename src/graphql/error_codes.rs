//! Every top-level error carries `extensions.code`. Resolvers set a code on
//! each error they raise; async-graphql leaves parse, validation and
//! argument-coercion errors without one, and this adds them after the fact.
//! (An async-graphql extension could too, but registering any extension
//! makes every field of every response pay for a resolve hook.)

use async_graphql::{Response, ServerError};

use super::errors::BAD_USER_INPUT;

pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// Gives each error of `response` to `query` a code, unless it has one.
pub fn assign(response: &mut Response, query: &str) {
    if response.errors.iter().all(has_code) {
        return;
    }
    // Errors without a path concern the whole document: it did not parse,
    // or it parsed and failed validation (unknown fields, limits). Errors
    // with a path come from coercing an argument of that field.
    let document_code = if async_graphql::parser::parse_query(query).is_err() {
        GRAPHQL_PARSE_FAILED
    } else {
        GRAPHQL_VALIDATION_FAILED
    };
    for error in &mut response.errors {
        if has_code(error) {
            continue;
        }
        let code = if error.path.is_empty() {
            document_code
        } else {
            BAD_USER_INPUT
        };
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some())
}
