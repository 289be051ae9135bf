//! A lean path for lists of plain records. async-graphql resolves every
//! field of every list item as a future of its own; a page of 50 artists
//! with 10 availabilities each resolves over a thousand. When a list item's selection asks only
//! for plain fields (no arguments, directives, fragments or sub-selections)
//! its values are written straight from the record instead. Anything else
//! takes async-graphql's own path, so the answer is the same either way
//! (tests/api/lean_path.rs compares the two).

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::{ContextSelectionSet, Name, OutputType, Value};
use chrono::Utc;
use uuid::Uuid;

use crate::graphql::scalars;

/// A domain record whose plain fields can be written without resolvers.
/// Written from the record itself, so that no GraphQL wrapper has to be
/// built (or the record cloned) for it. `write` is the one place each
/// plain field's value is made, for both ways of writing an answer: a
/// value tree (async-graphql's lean path) and JSON (the read plans).
pub trait PlainRecord {
    /// The GraphQL object the record is shown as: its name is the answer
    /// to `__typename`.
    type Object: OutputType;
    /// Which of the record's plain fields a name selects; `None` for any
    /// other field (one with arguments or a sub-selection, say).
    type Field: Copy;
    fn plain_field(name: &str) -> Option<Self::Field>;
    fn write(&self, field: Self::Field, out: &mut impl FieldOut);

    /// The field's value, as its resolver gives it.
    fn value_of(&self, field: Self::Field) -> Value {
        let mut value = Value::Null;
        self.write(field, &mut value);
        value
    }
}

/// Where a plain field's value is written.
pub trait FieldOut {
    fn string(&mut self, value: &str);
    fn optional_string(&mut self, value: Option<&str>);
    fn uuid(&mut self, value: Uuid);
    fn date_time(&mut self, value: chrono::DateTime<Utc>);
}

/// Into a value tree: the value replaces what was there.
impl FieldOut for Value {
    fn string(&mut self, value: &str) {
        *self = Value::String(value.to_owned());
    }
    fn optional_string(&mut self, value: Option<&str>) {
        *self = value.map_or(Value::Null, |value| Value::String(value.to_owned()));
    }
    fn uuid(&mut self, value: Uuid) {
        *self = Value::String(value.to_string());
    }
    fn date_time(&mut self, value: chrono::DateTime<Utc>) {
        *self = Value::String(scalars::rfc3339(value));
    }
}

/// One selected field: its response key, and what it writes.
enum Selected<F> {
    Field(Name, F),
    Typename(Name),
}

/// True when the field asks for nothing but its value: no arguments, no
/// directives (`@skip` and `@include` are gone by now: async-graphql
/// applies them before resolving), no sub-selection.
pub fn is_plain(field: &Field) -> bool {
    field.arguments.is_empty()
        && field.directives.is_empty()
        && field.selection_set.node.items.is_empty()
}

/// A selection of plain fields of `R`, ready to write records with.
pub struct PlainSelection<R: PlainRecord> {
    items: Vec<Selected<R::Field>>,
    type_name: Value,
}

impl<R: PlainRecord> PlainSelection<R> {
    /// The selection, if every item of it is plain.
    pub fn of(set: &SelectionSet) -> Option<Self> {
        let items = set
            .items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) if is_plain(&field.node) => {
                    let key = field.node.response_key().node.clone();
                    match field.node.name.node.as_str() {
                        "__typename" => Some(Selected::Typename(key)),
                        name => R::plain_field(name).map(|plain| Selected::Field(key, plain)),
                    }
                }
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            items,
            type_name: Value::String(R::Object::type_name().into_owned()),
        })
    }

    /// One record, as async-graphql would answer it.
    pub fn write(&self, record: &R) -> Value {
        let mut object = IndexMap::with_capacity(self.items.len());
        for selected in &self.items {
            match selected {
                Selected::Field(key, field) => {
                    object.insert(key.clone(), record.value_of(*field));
                }
                Selected::Typename(key) => {
                    object.insert(key.clone(), self.type_name.clone());
                }
            }
        }
        Value::Object(object)
    }

    /// A list of records.
    pub fn write_all<'r>(&self, records: impl IntoIterator<Item = &'r R>) -> Value
    where
        R: 'r,
    {
        Value::List(
            records
                .into_iter()
                .map(|record| self.write(record))
                .collect(),
        )
    }
}

/// The list written directly, or `None` when its selection is not plain.
pub fn resolve_plain_list<'r, R: PlainRecord + 'r>(
    ctx: &ContextSelectionSet<'_>,
    records: impl IntoIterator<Item = &'r R>,
) -> Option<Value> {
    Some(PlainSelection::<R>::of(&ctx.item.node)?.write_all(records))
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::types::{DocumentOperations, Selection};

    use super::*;
    use crate::domain::Availability;

    /// What the lean path makes of the selection under the document's
    /// first field: the response keys, or `None` if it leaves it alone.
    fn keys(query: &str) -> Option<Vec<String>> {
        let document = match async_graphql::parser::parse_query(query) {
            Ok(document) => document,
            Err(err) => panic!("test document does not parse: {err}"),
        };
        let DocumentOperations::Single(operation) = &document.operations else {
            panic!("one anonymous operation expected");
        };
        let Some(Selection::Field(field)) = operation
            .node
            .selection_set
            .node
            .items
            .first()
            .map(|item| &item.node)
        else {
            panic!("a field expected");
        };
        let selection = PlainSelection::<Availability>::of(&field.node.selection_set.node)?;
        Some(
            selection
                .items
                .iter()
                .map(|selected| match selected {
                    Selected::Field(key, _) | Selected::Typename(key) => key.to_string(),
                })
                .collect(),
        )
    }

    #[test]
    fn plain_selections_take_the_lean_path() {
        assert_eq!(
            keys("{ a { id from: startsAt endsAt note __typename id } }"),
            Some(
                vec!["id", "from", "endsAt", "note", "__typename", "id"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            )
        );
    }

    #[test]
    fn anything_else_is_left_to_async_graphql() {
        for query in [
            "{ a { id ...F } } fragment F on Availability { note }",
            "{ a { id ... on Availability { note } } }",
            "{ a { id artist { name } } }",
            "{ a { id startsAt(format: 1) } }",
            "{ a { id @deprecated } }",
            "{ a { id unknown } }",
        ] {
            assert_eq!(keys(query), None, "{query}");
        }
    }

    /// The fields of `object` in the schema that take no argument and
    /// hold one scalar: the plain fields, which every writer must know.
    fn scalar_fields(object: &str) -> Vec<String> {
        crate::graphql::schema::fields_of(object)
            .into_iter()
            .filter(|field| field.plain_scalar)
            .map(|field| field.name)
            .collect()
    }

    /// A scalar field added to a type but not to its plain fields would
    /// silently take the slow path, and be missing from the read plans.
    #[test]
    fn every_scalar_field_of_the_schema_is_a_plain_field() {
        let artist = scalar_fields("Artist");
        assert!(artist.contains(&"name".to_owned()), "{artist:?}");
        for name in &artist {
            assert!(
                crate::domain::Artist::plain_field(name).is_some(),
                "Artist.{name} is not a plain field (graphql/types/artist.rs)"
            );
        }
        let availability = scalar_fields("Availability");
        assert!(
            availability.contains(&"note".to_owned()),
            "{availability:?}"
        );
        for name in &availability {
            assert!(
                Availability::plain_field(name).is_some(),
                "Availability.{name} is not a plain field (graphql/types/artist.rs)"
            );
        }
    }
}
