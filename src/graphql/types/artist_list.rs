//! A page's artists: `[Artist!]!` to clients, written by the lean path
//! (see `graphql::plain`) when every field asked of an artist is plain,
//! its `skills`, or its `availabilities` (without `from`/`to`) with a plain
//! selection. Their skills and availabilities come from the request's
//! loaders in one call each, already filled by the page's prefetch.
//! Anything else takes async-graphql's own path.

use std::borrow::Cow;
use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use uuid::Uuid;

use super::artist::{Artist, ArtistField};
use crate::domain::{self, DomainError};
use crate::graphql::errors::{internal, internal_fault};
use crate::graphql::loaders::Loaders;
use crate::graphql::plain::{PlainRecord, PlainSelection, is_plain};

pub struct ArtistList(pub Vec<Artist>);

impl OutputType for ArtistList {
    fn type_name() -> Cow<'static, str> {
        <Vec<Artist> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<Artist> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<Artist> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match lean_selection(&ctx.item.node) {
            Some(items) => self
                .write(ctx, &items)
                .await
                .map_err(|err| err.into_server_error(field.pos)),
            None => OutputType::resolve(&self.0, ctx, field).await,
        }
    }
}

/// One field a lean selection asks of each artist.
enum Item {
    Field(Name, ArtistField),
    Typename(Name),
    Skills(Name),
    Availabilities(Name, PlainSelection<domain::Availability>),
}

/// The items of the selection, if it is lean.
fn lean_selection(set: &SelectionSet) -> Option<Vec<Item>> {
    set.items
        .iter()
        .map(|selection| {
            let Selection::Field(field) = &selection.node else {
                return None;
            };
            let field = &field.node;
            let key = field.response_key().node.clone();
            match field.name.node.as_str() {
                "availabilities" if field.arguments.is_empty() && field.directives.is_empty() => {
                    PlainSelection::of(&field.selection_set.node)
                        .map(|plain| Item::Availabilities(key, plain))
                }
                _ if !is_plain(field) => None,
                "__typename" => Some(Item::Typename(key)),
                "skills" => Some(Item::Skills(key)),
                name => domain::Artist::plain_field(name).map(|plain| Item::Field(key, plain)),
            }
        })
        .collect()
}

impl ArtistList {
    async fn write(
        &self,
        ctx: &ContextSelectionSet<'_>,
        items: &[Item],
    ) -> async_graphql::Result<Value> {
        let loaders = ctx
            .data::<Loaders>()
            .map_err(|_| internal_fault("request executed without its DataLoaders"))?;
        let ids = || self.0.iter().map(|artist| artist.0.id);
        let skills = if items.iter().any(|item| matches!(item, Item::Skills(_))) {
            load(&loaders.skills, ids()).await?
        } else {
            HashMap::new()
        };
        let availabilities = if items
            .iter()
            .any(|item| matches!(item, Item::Availabilities(..)))
        {
            load(&loaders.availabilities, ids()).await?
        } else {
            HashMap::new()
        };
        let type_name = Value::String(<Artist as OutputType>::type_name().into_owned());
        let list = self
            .0
            .iter()
            .map(|artist| {
                let mut object = IndexMap::with_capacity(items.len());
                for item in items {
                    let (key, value) = match item {
                        Item::Field(key, field) => (key, artist.0.value_of(*field)),
                        Item::Typename(key) => (key, type_name.clone()),
                        Item::Skills(key) => {
                            let names = skills.get(&artist.0.id).map_or(&[][..], Vec::as_slice);
                            let names = names.iter().map(|name| Value::String(name.clone()));
                            (key, Value::List(names.collect()))
                        }
                        Item::Availabilities(key, plain) => {
                            let records = availabilities.get(&artist.0.id);
                            (key, plain.write_all(records.map_or(&[][..], Vec::as_slice)))
                        }
                    };
                    object.insert(key.clone(), value);
                }
                Value::Object(object)
            })
            .collect();
        Ok(Value::List(list))
    }
}

/// The loader's values for these artists; a failure is internal, as in the
/// resolvers.
async fn load<L>(
    loader: &DataLoader<L, HashMapCache>,
    ids: impl Iterator<Item = Uuid>,
) -> async_graphql::Result<HashMap<Uuid, L::Value>>
where
    L: Loader<Uuid, Error = std::sync::Arc<DomainError>>,
{
    loader.load_many(ids).await.map_err(|err| internal(&*err))
}
