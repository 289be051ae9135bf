//! The answer to one request, as the client reads it: at most
//! [`MAX_ERRORS`] errors, no word of the schema the client did not send
//! while introspection is off, and no `data` entry when the request never
//! ran (the GraphQL specification's request errors).

use std::collections::HashSet;

use async_graphql::{Response, ServerError, Value};
use serde::Serialize;

use super::admission;

/// The most errors one answer lists; one more says how many were left out.
/// A document can hold thousands of mistakes, and listing them all would
/// make a small request a large answer.
pub const MAX_ERRORS: usize = 100;

/// `extensions.code` of the error that counts those left out.
pub const TOO_MANY_ERRORS: &str = "TOO_MANY_ERRORS";

/// What a client is told when an error would name a part of the schema it
/// did not mention itself while introspection is off.
const CONCEALED: &str = "the document does not match this service's schema";

/// Keeps the first [`MAX_ERRORS`] of `errors`, then says how many more
/// there were.
pub fn cap(errors: &mut Vec<ServerError>) {
    if errors.len() <= MAX_ERRORS {
        return;
    }
    let left_out = errors.len() - MAX_ERRORS;
    errors.truncate(MAX_ERRORS);
    errors.push(admission::error(
        format!("{left_out} more errors were left out"),
        None,
        TOO_MANY_ERRORS,
    ));
}

/// With introspection off, the schema is no client's business: an error
/// message that quotes a name the document does not hold (a suggestion, a
/// type, an argument it did not send) is replaced by a plain one.
pub fn conceal_schema(errors: &mut [ServerError], query: &str) {
    let sent: HashSet<&str> = identifiers(query).collect();
    for error in errors {
        let quoted = error.message.split('"').skip(1).step_by(2);
        let names_more = quoted
            .flat_map(identifiers)
            .any(|name| !sent.contains(name));
        if names_more {
            error.message = CONCEALED.to_owned();
        }
    }
}

/// The GraphQL names in `text`.
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
}

/// The JSON of an answer: `data` only when the request ran.
pub fn to_json(data: Option<&Value>, response: &Response) -> Vec<u8> {
    #[derive(Serialize)]
    struct Wire<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<&'a Value>,
        #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
        errors: &'a [ServerError],
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        extensions: &'a std::collections::BTreeMap<String, Value>,
    }
    let wire = Wire {
        data,
        errors: &response.errors,
        extensions: &response.extensions,
    };
    // Values and errors serialize to JSON without fail: their maps have
    // string keys and their numbers are finite.
    serde_json::to_vec(&wire).unwrap_or_else(|err| {
        tracing::error!(error = %err, "cannot serialize an answer");
        br#"{"errors":[{"message":"Internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#.to_vec()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(messages: &[&str]) -> Vec<ServerError> {
        messages
            .iter()
            .map(|message| ServerError::new(*message, None))
            .collect()
    }

    #[test]
    fn caps_errors_and_counts_the_rest() {
        let mut many: Vec<ServerError> = (0..250)
            .map(|i| ServerError::new(format!("e{i}"), None))
            .collect();
        cap(&mut many);
        assert_eq!(many.len(), MAX_ERRORS + 1);
        assert_eq!(many[MAX_ERRORS].message, "150 more errors were left out");
        let mut few = errors(&["a"; 100]);
        cap(&mut few);
        assert_eq!(few.len(), 100);
    }

    #[test]
    fn conceals_names_the_client_did_not_send() {
        let query = "{ artist(id: 1) { nme } }";
        let mut errors = errors(&[
            "Unknown field \"nme\" on type \"Artist\". Did you mean \"name\"?",
            "Unknown field \"nme\" on type \"artist\".",
            "Variable \"$id\" is not defined",
        ]);
        conceal_schema(&mut errors, query);
        assert_eq!(errors[0].message, CONCEALED);
        // The client wrote `artist`: quoting it back tells it nothing.
        assert_eq!(
            errors[1].message,
            "Unknown field \"nme\" on type \"artist\"."
        );
        assert_eq!(errors[2].message, "Variable \"$id\" is not defined");
    }
}
