//! Every top-level error carries `extensions.code`. Resolvers set a code on
//! each error they raise; async-graphql leaves validation and
//! argument-coercion errors without one, and this adds them after the fact.
//! (An async-graphql extension could too, but registering any extension
//! makes every field of every response pay for a resolve hook.)

use async_graphql::{Response, ServerError};

use super::errors::BAD_USER_INPUT;

pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// Gives each error of `response`, whose document parsed, a code unless it
/// has one.
pub fn assign(response: &mut Response) {
    for error in &mut response.errors {
        if has_code(error) {
            continue;
        }
        // Errors without a path concern the whole document: it failed
        // validation. Errors with a path come from coercing an argument of
        // that field.
        let code = if error.path.is_empty() {
            GRAPHQL_VALIDATION_FAILED
        } else {
            BAD_USER_INPUT
        };
        set(error, code);
    }
}

/// Sets the code of `error`.
pub fn set(error: &mut ServerError, code: &'static str) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

/// True unless the response says its document did not validate.
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
