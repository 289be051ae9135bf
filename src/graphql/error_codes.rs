//! Every top-level error carries `extensions.code`. Resolvers set a code on
//! each error they raise; async-graphql leaves parse, validation and
//! argument-coercion errors without one, and this adds them after the fact.
//! (An async-graphql extension could too, but registering any extension
//! makes every field of every response pay for a resolve hook.)

use async_graphql::{Response, ServerError};

use super::errors::BAD_USER_INPUT;
use super::schema::Limits;

pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// async-graphql's words for a document over the depth and complexity
/// limits, which do not say what the limit is.
const TOO_DEEP: &str = "Query is nested too deep.";
const TOO_COMPLEX: &str = "Query is too complex.";

/// Gives each error of `response` a code, unless it has one; `parsed`
/// tells whether its document parsed. The limit errors get messages that
/// name the limit.
pub fn assign(response: &mut Response, parsed: bool, limits: &Limits) {
    if response.errors.iter().all(has_code) {
        return;
    }
    // Errors without a path concern the whole document: it did not parse,
    // or it parsed and failed validation (unknown fields, limits). Errors
    // with a path come from coercing an argument of that field.
    let document_code = if parsed {
        GRAPHQL_VALIDATION_FAILED
    } else {
        GRAPHQL_PARSE_FAILED
    };
    for error in &mut response.errors {
        if has_code(error) {
            continue;
        }
        if error.message == TOO_DEEP {
            error.message = format!(
                "the query nests deeper than this service allows ({} levels)",
                limits.max_depth
            );
        } else if error.message == TOO_COMPLEX {
            error.message = format!(
                "the query selects more than this service allows (complexity {}: \
                 one per field, a list counted once)",
                limits.max_complexity
            );
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

/// True unless the response says its document did not parse or validate.
pub fn validated(response: &Response) -> bool {
    !response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .is_some_and(|code| {
                matches!(code, async_graphql::Value::String(code)
                    if code == GRAPHQL_PARSE_FAILED || code == GRAPHQL_VALIDATION_FAILED)
            })
    })
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some())
}
