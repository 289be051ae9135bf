//! Two places where async-graphql 7.2 answers differently from the GraphQL
//! specification, mended by rewriting the parsed document before it runs
//! (and the answer after), so that its validation and execution stay
//! whole:
//!
//! - Its validation skips `__typename` fields altogether, so their
//!   directives go unchecked: `__typename @unknown` runs, and
//!   `__typename @include(if: $undefined)` answers nothing without an
//!   error. A `__typename` with directives becomes an inline fragment that
//!   carries them, `... @dir { __typename }`, which means the same and is
//!   validated (unknown directives, undefined variables, types).
//! - An object whose every field was skipped, or whose fragments all
//!   target other types, comes out as `null` instead of `{}`, even where
//!   the schema says it cannot be null. A selection set that may end up
//!   empty gets one more field, `__typename` under an alias of ours, so
//!   the object is never empty; [`strip`] takes that field out of the
//!   answer again.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, InlineFragment, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value};

/// The alias of the field added to selection sets that may end up empty.
/// It starts with two underscores, which the GraphQL specification keeps
/// for its own names, so a client has no business using it.
pub const KEEPER: &str = "__coulisses_keep";

/// What [`rewrite`] changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rewritten {
    /// Some selection set got the keeper field: [`strip`] the answer.
    pub kept: bool,
}

/// Rewrites `document` in place (see the module's documentation).
pub fn rewrite(document: &mut ExecutableDocument) -> Rewritten {
    let mut rewritten = Rewritten::default();
    match &mut document.operations {
        DocumentOperations::Single(operation) => {
            selection_set(&mut operation.node.selection_set, &mut rewritten);
        }
        DocumentOperations::Multiple(operations) => {
            for operation in operations.values_mut() {
                selection_set(&mut operation.node.selection_set, &mut rewritten);
            }
        }
    }
    for fragment in document.fragments.values_mut() {
        selection_set(&mut fragment.node.selection_set, &mut rewritten);
    }
    rewritten
}

fn selection_set(set: &mut Positioned<SelectionSet>, rewritten: &mut Rewritten) {
    for item in &mut set.node.items {
        let pos = item.pos;
        match &mut item.node {
            Selection::Field(field) => {
                if field.node.name.node == "__typename" && !field.node.directives.is_empty() {
                    let directives = std::mem::take(&mut field.node.directives);
                    let typename = Positioned::new(Selection::Field(field.clone()), pos);
                    item.node = Selection::InlineFragment(Positioned::new(
                        InlineFragment {
                            type_condition: None,
                            directives,
                            selection_set: Positioned::new(
                                SelectionSet {
                                    items: vec![typename],
                                },
                                pos,
                            ),
                        },
                        pos,
                    ));
                } else {
                    selection_set(&mut field.node.selection_set, rewritten);
                }
            }
            Selection::InlineFragment(inline) => {
                selection_set(&mut inline.node.selection_set, rewritten);
            }
            Selection::FragmentSpread(_) => {}
        }
    }
    if !set.node.items.is_empty() && may_be_empty(&set.node) {
        let keeper = Field {
            alias: Some(Positioned::new(Name::new(KEEPER), set.pos)),
            name: Positioned::new(Name::new("__typename"), set.pos),
            arguments: Vec::new(),
            directives: Vec::new(),
            selection_set: Positioned::new(SelectionSet::default(), set.pos),
        };
        set.node.items.push(Positioned::new(
            Selection::Field(Positioned::new(keeper, set.pos)),
            set.pos,
        ));
        rewritten.kept = true;
    }
}

/// True unless the set holds a field that is always selected: one without
/// directives, directly or in an inline fragment without a type condition
/// or directives.
fn may_be_empty(set: &SelectionSet) -> bool {
    !set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => field.node.directives.is_empty(),
        Selection::InlineFragment(inline) => {
            inline.node.type_condition.is_none()
                && inline.node.directives.is_empty()
                && !may_be_empty(&inline.node.selection_set.node)
        }
        Selection::FragmentSpread(_) => false,
    })
}

/// Takes the keeper fields out of an answer.
pub fn strip(data: &mut Value) {
    let mut pending = vec![data];
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(fields) => {
                fields.shift_remove(KEEPER);
                pending.extend(fields.values_mut());
            }
            Value::List(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// The refusal of arguments on `__typename`, which has none (async-graphql
/// does not check them). `None` when there are none.
pub fn typename_arguments(document: &ExecutableDocument) -> Option<(String, async_graphql::Pos)> {
    let mut pending: Vec<&SelectionSet> = Vec::new();
    for (_, operation) in document.operations.iter() {
        pending.push(&operation.node.selection_set.node);
    }
    for fragment in document.fragments.values() {
        pending.push(&fragment.node.selection_set.node);
    }
    while let Some(set) = pending.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    if field.node.name.node == "__typename" {
                        if let Some((name, _)) = field.node.arguments.first() {
                            return Some((
                                format!(
                                    "Unknown argument \"{}\" on field \"__typename\".",
                                    name.node
                                ),
                                name.pos,
                            ));
                        }
                    }
                    pending.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(inline) => pending.push(&inline.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    None
}
