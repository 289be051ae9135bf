//! With introspection turned off, async-graphql answers `__schema: null`
//! without a word; a client deserves to be told why.

use std::collections::HashSet;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Name, ServerError};

pub const INTROSPECTION_DISABLED: &str = "INTROSPECTION_DISABLED";

/// The error for a document that asks for the schema when it may not.
pub fn refusal() -> ServerError {
    super::admission::error(
        "introspection is turned off on this service".to_owned(),
        None,
        INTROSPECTION_DISABLED,
    )
}

/// True when the document selects `__schema` or `__type`, which exist
/// only at the root of a query (also through fragments), within
/// `recursion_limit` levels of fragments. A chain of fragments, each
/// spreading the next, is bounded only by the body size, and following
/// thousands would overflow the stack; async-graphql refuses documents
/// nested past the schema's recursion limit before executing them, so
/// nothing deeper can reach the schema anyway.
pub fn asks_for_schema(document: &ExecutableDocument, recursion_limit: usize) -> bool {
    let mut operations: Vec<&SelectionSet> = Vec::new();
    match &document.operations {
        DocumentOperations::Single(operation) => {
            operations.push(&operation.node.selection_set.node);
        }
        DocumentOperations::Multiple(all) => {
            operations.extend(all.values().map(|op| &op.node.selection_set.node));
        }
    }
    let mut seen = HashSet::new();
    operations
        .into_iter()
        .any(|root| selects_schema(root, document, &mut seen, recursion_limit))
}

fn selects_schema(
    set: &SelectionSet,
    document: &ExecutableDocument,
    seen: &mut HashSet<Name>,
    nesting_left: usize,
) -> bool {
    let Some(nesting_left) = nesting_left.checked_sub(1) else {
        return false;
    };
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => matches!(field.node.name.node.as_str(), "__schema" | "__type"),
        Selection::InlineFragment(fragment) => selects_schema(
            &fragment.node.selection_set.node,
            document,
            seen,
            nesting_left,
        ),
        Selection::FragmentSpread(spread) => {
            let name = &spread.node.fragment_name.node;
            seen.insert(name.clone())
                && document.fragments.get(name).is_some_and(|fragment| {
                    selects_schema(
                        &fragment.node.selection_set.node,
                        document,
                        seen,
                        nesting_left,
                    )
                })
        }
    })
}

#[cfg(test)]
mod tests {
    fn asks_for_schema(query: &str) -> bool {
        match async_graphql::parser::parse_query(query) {
            Ok(document) => super::asks_for_schema(&document, 32),
            Err(err) => panic!("test document does not parse: {err}"),
        }
    }

    #[test]
    fn finds_schema_selections_directly_and_through_fragments() {
        assert!(asks_for_schema("{ __schema { types { name } } }"));
        assert!(asks_for_schema("{ t: __type(name: \"Artist\") { name } }"));
        assert!(asks_for_schema(
            "{ ... on Query { __schema { queryType { name } } } }"
        ));
        assert!(asks_for_schema(
            "query { ...F } fragment F on Query { __type(name: \"X\") { name } }"
        ));
        assert!(!asks_for_schema(
            "{ artists { nodes { __typename name } } }"
        ));
        assert!(!asks_for_schema(
            "{ artists { nodes { name } } } # __schema"
        ));
        assert!(!asks_for_schema(
            "query { ...F } fragment F on Query { ...F }"
        ));
    }

    #[test]
    fn a_long_chain_of_fragments_is_no_stack_overflow() {
        let links = 50_000;
        let chain: String = (0..links)
            .map(|link| format!("fragment F{link} on Query {{ ...F{} }} ", link + 1))
            .collect();
        let query = format!(
            "query {{ ...F0 }} {chain} fragment F{links} on Query {{ __schema {{ description }} }}"
        );
        assert!(!asks_for_schema(&query));
    }
}
