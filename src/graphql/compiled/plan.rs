//! What a read plan is, and how one is made from a validated document.
//!
//! A plan mirrors the operation's selection: for each field, the response
//! key it is written under and what it writes, in the document's order.
//! Only what the plan's executor answers exactly as async-graphql would is
//! compiled; for anything else `compile` says no, and the document keeps
//! the general path.

use std::collections::HashSet;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType,
    Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{Name, Positioned};
use async_graphql_value::Value as InputValue;

use crate::domain;
use crate::domain::reads::{Detail, Wanted};
use crate::graphql::plain::PlainRecord;
use crate::graphql::types::artist::ArtistField;
use crate::graphql::types::artist::AvailabilityField;
use crate::metrics::Operation;

/// A compiled query operation.
pub struct ReadPlan {
    pub operation: Operation,
    pub variables: Vec<VariableDefinition>,
    pub fields: Vec<RootField>,
    /// The `from` and `to` of every `availabilities` in the plan, each
    /// bound once per request; an `Availabilities` item holds its index.
    pub windows: Vec<(Option<InputValue>, Option<InputValue>)>,
    /// About how many bytes the plan holds, so that a cache of plans can
    /// be bounded by memory.
    pub estimated_bytes: usize,
}

pub enum RootField {
    Typename(Name),
    Artist {
        key: Name,
        id: Option<InputValue>,
        artist: ArtistSelection,
    },
    Artists {
        key: Name,
        args: Box<ListArgs>,
        connection: Vec<ConnectionItem>,
    },
}

/// The arguments of `artists`, as the document gives them (absent: `None`).
#[derive(Default)]
pub struct ListArgs {
    pub first: Option<InputValue>,
    pub after: Option<InputValue>,
    pub last: Option<InputValue>,
    pub before: Option<InputValue>,
    pub filter: Option<InputValue>,
    pub order_by: Option<InputValue>,
}

pub enum ConnectionItem {
    Typename(Name),
    TotalCount(Name),
    Nodes(Name, ArtistSelection),
    Edges(Name, Vec<EdgeItem>),
    PageInfo(Name, Vec<PageInfoItem>),
}

pub enum EdgeItem {
    Typename(Name),
    Cursor(Name),
    Node(Name, ArtistSelection),
}

pub enum PageInfoItem {
    Typename(Name),
    HasNextPage(Name),
    HasPreviousPage(Name),
    StartCursor(Name),
    EndCursor(Name),
}

pub type ArtistSelection = Vec<ArtistItem>;

/// The plain fields are the lean path's (`PlainRecord`): one list of them
/// per type.
pub enum ArtistItem {
    Typename(Name),
    Field(Name, ArtistField),
    Skills(Name),
    Availabilities {
        key: Name,
        /// Index of its `from`/`to` in `ReadPlan::windows`.
        window: usize,
        items: Vec<AvailabilityItem>,
    },
}

pub enum AvailabilityItem {
    Typename(Name),
    Field(Name, AvailabilityField),
}

/// What one item of a plan takes in memory, about: its enum, its response
/// key's allocation and, for an argument, its value.
const BYTES_PER_ITEM: usize = 128;

impl ReadPlan {
    /// Every field and argument counts.
    fn estimate_bytes(&self) -> usize {
        let artist = |items: &[ArtistItem]| -> usize {
            items
                .iter()
                .map(|item| match item {
                    ArtistItem::Availabilities { items, .. } => 1 + items.len(),
                    _ => 1,
                })
                .sum()
        };
        let items: usize = self
            .fields
            .iter()
            .map(|field| match field {
                RootField::Typename(_) => 1,
                RootField::Artist { artist: items, .. } => 2 + artist(items),
                RootField::Artists { connection, .. } => {
                    7 + connection
                        .iter()
                        .map(|item| match item {
                            ConnectionItem::Nodes(_, items) => 1 + artist(items),
                            ConnectionItem::Edges(_, edge) => {
                                1 + edge
                                    .iter()
                                    .map(|item| match item {
                                        EdgeItem::Node(_, items) => 1 + artist(items),
                                        _ => 1,
                                    })
                                    .sum::<usize>()
                            }
                            ConnectionItem::PageInfo(_, info) => 1 + info.len(),
                            _ => 1,
                        })
                        .sum::<usize>()
                }
            })
            .sum();
        (items + self.variables.len() + 2 * self.windows.len()) * BYTES_PER_ITEM
    }
}

impl ArtistItem {
    /// What a selection asks of an artist beside the artist: only the
    /// times of its availabilities where it asks nothing else of them.
    pub fn wanted(selection: &[Self]) -> Wanted {
        selection.iter().fold(Wanted::default(), |wanted, item| {
            let availabilities = match item {
                Self::Availabilities { items, .. } => {
                    if items.iter().any(|item| {
                        matches!(
                            item,
                            AvailabilityItem::Field(
                                _,
                                AvailabilityField::Id | AvailabilityField::Note
                            )
                        )
                    }) {
                        Detail::Records
                    } else {
                        Detail::Times
                    }
                }
                _ => Detail::None,
            };
            wanted.and(Wanted {
                skills: matches!(item, Self::Skills(_)),
                availabilities,
            })
        })
    }
}

/// The plan for the operation a request naming `requested` runs, if it is
/// a query the executor serves.
pub fn compile(document: &ExecutableDocument, requested: Option<&str>) -> Option<ReadPlan> {
    // Fragments would need their type conditions and merging followed;
    // documents with them keep the general path.
    if !document.fragments.is_empty() {
        return None;
    }
    let operation = match (&document.operations, requested) {
        (DocumentOperations::Single(operation), None) => operation,
        (DocumentOperations::Multiple(operations), Some(requested)) => operations.get(requested)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        _ => return None,
    };
    let definition = &operation.node;
    if definition.ty != OperationType::Query
        || !definition.directives.is_empty()
        || !definition.variable_definitions.iter().all(checked_by_use)
    {
        return None;
    }
    let mut compiler = Compiler::default();
    let fields = each_field(&definition.selection_set.node, |key, field| {
        compiler.root_field(key, field)
    })?;
    let mut plan = ReadPlan {
        operation: Operation::of(document, requested),
        variables: variables(definition),
        fields,
        windows: compiler.windows,
        estimated_bytes: 0,
    };
    plan.estimated_bytes = plan.estimate_bytes();
    Some(plan)
}

fn variables(definition: &OperationDefinition) -> Vec<VariableDefinition> {
    definition
        .variable_definitions
        .iter()
        .map(|variable| variable.node.clone())
        .collect()
}

/// True for a variable whose value the executor checks as async-graphql's
/// validation does: a scalar or enum, or a list of them, each value parsed
/// by the argument that uses it (every variable is used: validation says
/// so). An input object would be checked there for unknown fields too,
/// which parsing does not do, so such variables keep the general path.
fn checked_by_use(variable: &Positioned<VariableDefinition>) -> bool {
    let named = match &variable.node.var_type.node.base {
        BaseType::Named(name) => name,
        BaseType::List(item) => match &item.base {
            BaseType::Named(name) => name,
            BaseType::List(_) => return false,
        },
    };
    matches!(
        named.as_str(),
        "ID" | "String" | "Int" | "Float" | "Boolean" | "DateTime" | "ArtistOrder"
    )
}

/// Compiles each field of `set` with `item`; `None` if the set holds
/// anything but plain fields (no fragments, no directives) or the same
/// response key twice (which GraphQL would merge).
fn each_field<T>(
    set: &SelectionSet,
    mut item: impl FnMut(Name, &Field) -> Option<T>,
) -> Option<Vec<T>> {
    let mut keys = HashSet::with_capacity(set.items.len());
    set.items
        .iter()
        .map(|selection| {
            let Selection::Field(field) = &selection.node else {
                return None;
            };
            let field = &field.node;
            let key = field.response_key().node.clone();
            if !field.directives.is_empty() || !keys.insert(key.clone()) {
                return None;
            }
            item(key, field)
        })
        .collect()
}

/// True when every object the `filter` literal writes out names only fields
/// of its input type. async-graphql's validation refuses unknown fields, but
/// skips an argument whose variables the request left out, and parsing
/// ignores them: so `filter: { search: $s, bogus: 1 }` runs when `$s` is
/// absent and is refused when it is given. A plan could not tell the two
/// apart, so such a document is not compiled. (A field added to the input
/// type and not here only keeps documents that use it on the general path.)
fn filter_fields_known(filter: &InputValue) -> bool {
    let InputValue::Object(fields) = filter else {
        // A variable is refused for input objects (`checked_by_use`), and
        // anything else is no object: parsing refuses it.
        return true;
    };
    fields.iter().all(|(name, value)| match name.as_str() {
        "search" | "skills" => true,
        "availableDuring" => match value {
            InputValue::Object(range) => range
                .keys()
                .all(|name| matches!(name.as_str(), "startsAt" | "endsAt")),
            _ => true,
        },
        _ => false,
    })
}

/// A leaf: no arguments, no sub-selection.
fn leaf(field: &Field) -> bool {
    field.arguments.is_empty() && field.selection_set.node.items.is_empty()
}

/// The field's arguments, if all of them are among `known`.
fn arguments<'f>(
    field: &'f Field,
    known: &[&str],
) -> Option<impl Fn(&str) -> Option<InputValue> + 'f> {
    field
        .arguments
        .iter()
        .all(|(name, _)| known.contains(&name.node.as_str()))
        .then_some(|name: &str| field.get_argument(name).map(|value| value.node.clone()))
}

/// Compiles selections, collecting the plan's `availabilities` windows.
#[derive(Default)]
struct Compiler {
    windows: Vec<(Option<InputValue>, Option<InputValue>)>,
}

impl Compiler {
    fn root_field(&mut self, key: Name, field: &Field) -> Option<RootField> {
        let selection = &field.selection_set.node;
        match field.name.node.as_str() {
            "__typename" if leaf(field) => Some(RootField::Typename(key)),
            "artist" => {
                let argument = arguments(field, &["id"])?;
                Some(RootField::Artist {
                    key,
                    id: argument("id"),
                    artist: each_field(selection, |key, field| self.artist_item(key, field))?,
                })
            }
            "artists" => {
                let argument = arguments(
                    field,
                    &["first", "after", "last", "before", "filter", "orderBy"],
                )?;
                let filter = argument("filter");
                if !filter.as_ref().is_none_or(filter_fields_known) {
                    return None;
                }
                Some(RootField::Artists {
                    key,
                    args: Box::new(ListArgs {
                        first: argument("first"),
                        after: argument("after"),
                        last: argument("last"),
                        before: argument("before"),
                        filter,
                        order_by: argument("orderBy"),
                    }),
                    connection: each_field(selection, |key, field| {
                        self.connection_item(key, field)
                    })?,
                })
            }
            _ => None,
        }
    }

    fn connection_item(&mut self, key: Name, field: &Field) -> Option<ConnectionItem> {
        let selection = &field.selection_set.node;
        if !field.arguments.is_empty() {
            return None;
        }
        match field.name.node.as_str() {
            "__typename" if leaf(field) => Some(ConnectionItem::Typename(key)),
            "totalCount" if leaf(field) => Some(ConnectionItem::TotalCount(key)),
            "nodes" => Some(ConnectionItem::Nodes(
                key,
                each_field(selection, |key, field| self.artist_item(key, field))?,
            )),
            "edges" => Some(ConnectionItem::Edges(
                key,
                each_field(selection, |key, field| self.edge_item(key, field))?,
            )),
            "pageInfo" => Some(ConnectionItem::PageInfo(
                key,
                each_field(selection, page_info_item)?,
            )),
            _ => None,
        }
    }

    fn edge_item(&mut self, key: Name, field: &Field) -> Option<EdgeItem> {
        if !field.arguments.is_empty() {
            return None;
        }
        match field.name.node.as_str() {
            "__typename" if leaf(field) => Some(EdgeItem::Typename(key)),
            "cursor" if leaf(field) => Some(EdgeItem::Cursor(key)),
            "node" => Some(EdgeItem::Node(
                key,
                each_field(&field.selection_set.node, |key, field| {
                    self.artist_item(key, field)
                })?,
            )),
            _ => None,
        }
    }

    fn artist_item(&mut self, key: Name, field: &Field) -> Option<ArtistItem> {
        if field.name.node == "availabilities" {
            let argument = arguments(field, &["from", "to"])?;
            let items = each_field(&field.selection_set.node, availability_item)?;
            self.windows.push((argument("from"), argument("to")));
            return Some(ArtistItem::Availabilities {
                key,
                window: self.windows.len() - 1,
                items,
            });
        }
        if !leaf(field) {
            return None;
        }
        match field.name.node.as_str() {
            "__typename" => Some(ArtistItem::Typename(key)),
            "skills" => Some(ArtistItem::Skills(key)),
            name => domain::Artist::plain_field(name).map(|plain| ArtistItem::Field(key, plain)),
        }
    }
}

fn page_info_item(key: Name, field: &Field) -> Option<PageInfoItem> {
    if !leaf(field) {
        return None;
    }
    match field.name.node.as_str() {
        "__typename" => Some(PageInfoItem::Typename(key)),
        "hasNextPage" => Some(PageInfoItem::HasNextPage(key)),
        "hasPreviousPage" => Some(PageInfoItem::HasPreviousPage(key)),
        "startCursor" => Some(PageInfoItem::StartCursor(key)),
        "endCursor" => Some(PageInfoItem::EndCursor(key)),
        _ => None,
    }
}

fn availability_item(key: Name, field: &Field) -> Option<AvailabilityItem> {
    if !leaf(field) {
        return None;
    }
    match field.name.node.as_str() {
        "__typename" => Some(AvailabilityItem::Typename(key)),
        name => {
            domain::Availability::plain_field(name).map(|plain| AvailabilityItem::Field(key, plain))
        }
    }
}
