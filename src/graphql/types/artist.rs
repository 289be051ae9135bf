//! Artists and their availabilities as clients read and write them: the
//! output types, their plain fields, and the inputs of the mutations.

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, ID, InputObject, Lookahead, MaybeUndefined, Object, OutputType,
    Positioned, ServerResult, Value,
};

use crate::domain::reads::{Detail, Wanted};
use crate::domain::{self, Patch};
use crate::graphql::errors::{internal, internal_fault};
use crate::graphql::loaders::Loaders;
use crate::graphql::plain::{FieldOut, PlainRecord, resolve_plain_list};
use crate::graphql::scalars::DateTime;

pub struct Artist(pub domain::Artist);

/// What these selections of artists ask beside the artists themselves:
/// the resolvers below read whole availability records.
pub fn wanted_by<'a>(selections: impl IntoIterator<Item = Lookahead<'a>>) -> Wanted {
    selections
        .into_iter()
        .fold(Wanted::default(), |wanted, selection| {
            wanted.and(Wanted {
                skills: selection.field("skills").exists(),
                availabilities: if selection.field("availabilities").exists() {
                    Detail::Records
                } else {
                    Detail::None
                },
            })
        })
}

impl Artist {
    /// The artist a row names by foreign key (`referrer` says which row),
    /// through the request's loader. The key guarantees the artist: its
    /// absence is a fault.
    pub(crate) async fn referenced(
        ctx: &Context<'_>,
        id: uuid::Uuid,
        referrer: impl FnOnce() -> String,
    ) -> async_graphql::Result<Self> {
        let artist = Loaders::of(ctx)?
            .artists
            .load_one(id)
            .await
            .map_err(|err| internal(&*err))?;
        artist
            .map(Artist)
            .ok_or_else(|| internal_fault(format!("{} has no artist {id}", referrer())))
    }
}

#[Object]
impl Artist {
    pub(super) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Normalized: trimmed, lower-case, de-duplicated, sorted.
    async fn skills(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let loaded = Loaders::of(ctx)?
            .skills
            .load_one(self.0.id)
            .await
            .map_err(|err| internal(&*err))?;
        Ok(loaded.unwrap_or_default())
    }

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }

    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }

    /// Sorted by startsAt. With from/to, only those overlapping [from, to).
    async fn availabilities(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime>,
        to: Option<DateTime>,
    ) -> async_graphql::Result<AvailabilityList> {
        let loaded = Loaders::of(ctx)?
            .availabilities
            .load_one(self.0.id)
            .await
            .map_err(|err| internal(&*err))?;
        let (from, to) = (from.map(|at| at.0), to.map(|at| at.0));
        Ok(AvailabilityList(
            loaded
                .unwrap_or_default()
                .into_iter()
                .filter(|availability| availability.overlaps(from, to))
                .map(Availability)
                .collect(),
        ))
    }
}

#[derive(Clone, Copy)]
pub enum ArtistField {
    Id,
    Name,
    Email,
    CreatedAt,
    UpdatedAt,
}

impl PlainRecord for domain::Artist {
    type Object = Artist;
    type Field = ArtistField;

    fn plain_field(name: &str) -> Option<ArtistField> {
        match name {
            "id" => Some(ArtistField::Id),
            "name" => Some(ArtistField::Name),
            "email" => Some(ArtistField::Email),
            "createdAt" => Some(ArtistField::CreatedAt),
            "updatedAt" => Some(ArtistField::UpdatedAt),
            _ => None,
        }
    }

    /// The same values the resolvers give.
    fn write(&self, field: ArtistField, out: &mut impl FieldOut) {
        match field {
            ArtistField::Id => out.uuid(self.id),
            ArtistField::Name => out.string(&self.name),
            ArtistField::Email => out.optional_string(self.email.as_deref()),
            ArtistField::CreatedAt => out.date_time(self.created_at),
            ArtistField::UpdatedAt => out.date_time(self.updated_at),
        }
    }
}

/// An artist's availabilities: `[Availability!]!` to clients, written by
/// the lean path when the selection is plain (see `graphql::plain`).
pub struct AvailabilityList(pub Vec<Availability>);

impl OutputType for AvailabilityList {
    fn type_name() -> Cow<'static, str> {
        <Vec<Availability> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<Availability> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<Availability> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match resolve_plain_list(ctx, self.0.iter().map(|availability| &availability.0)) {
            Some(value) => Ok(value),
            None => OutputType::resolve(&self.0, ctx, field).await,
        }
    }
}

#[derive(Clone, Copy)]
pub enum AvailabilityField {
    Id,
    StartsAt,
    EndsAt,
    Note,
}

impl PlainRecord for domain::Availability {
    type Object = Availability;
    type Field = AvailabilityField;

    fn plain_field(name: &str) -> Option<AvailabilityField> {
        match name {
            "id" => Some(AvailabilityField::Id),
            "startsAt" => Some(AvailabilityField::StartsAt),
            "endsAt" => Some(AvailabilityField::EndsAt),
            "note" => Some(AvailabilityField::Note),
            _ => None,
        }
    }

    /// The same values the resolvers below give.
    fn write(&self, field: AvailabilityField, out: &mut impl FieldOut) {
        match field {
            AvailabilityField::Id => out.uuid(self.id),
            AvailabilityField::StartsAt => out.date_time(self.starts_at),
            AvailabilityField::EndsAt => out.date_time(self.ends_at),
            AvailabilityField::Note => out.optional_string(self.note.as_deref()),
        }
    }
}

pub struct Availability(pub domain::Availability);

#[Object]
impl Availability {
    pub(super) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn artist(&self, ctx: &Context<'_>) -> async_graphql::Result<Artist> {
        Artist::referenced(ctx, self.0.artist_id, || {
            format!("availability {}", self.0.id)
        })
        .await
    }

    async fn starts_at(&self) -> DateTime {
        self.0.starts_at.into()
    }

    async fn ends_at(&self) -> DateTime {
        self.0.ends_at.into()
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct AvailabilityInput {
    pub starts_at: DateTime,
    pub ends_at: DateTime,
    pub note: Option<String>,
}

impl From<AvailabilityInput> for domain::NewAvailability {
    fn from(input: AvailabilityInput) -> Self {
        let AvailabilityInput {
            starts_at,
            ends_at,
            note,
        } = input;
        Self {
            starts_at: starts_at.0,
            ends_at: ends_at.0,
            note,
        }
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct CreateArtistInput {
    pub name: String,
    pub email: Option<String>,
    pub skills: Option<Vec<String>>,
    pub availabilities: Option<Vec<AvailabilityInput>>,
}

impl From<CreateArtistInput> for domain::NewArtist {
    fn from(input: CreateArtistInput) -> Self {
        let CreateArtistInput {
            name,
            email,
            skills,
            availabilities,
        } = input;
        Self {
            name,
            email,
            skills: skills.unwrap_or_default(),
            availabilities: availabilities
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

/// Fields left out are unchanged; email: null clears the email.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateArtistInput {
    pub name: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub skills: MaybeUndefined<Vec<String>>,
}

fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Unchanged,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(value) => Patch::Set(value),
    }
}

impl From<UpdateArtistInput> for domain::ArtistChanges {
    fn from(input: UpdateArtistInput) -> Self {
        let UpdateArtistInput {
            name,
            email,
            skills,
        } = input;
        Self {
            name: patch(name),
            email: patch(email),
            skills: patch(skills),
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{IdenStatic, Iterable};

    use crate::entities::artist::Column;
    use crate::graphql::schema::fields_of;

    fn names(type_name: &str) -> Vec<String> {
        fields_of(type_name)
            .into_iter()
            .map(|field| field.name)
            .collect()
    }

    /// The columns of the artists table a client sees, by their GraphQL
    /// names: all but the lower-cased search keys, which the service keeps.
    fn shown_columns() -> Vec<String> {
        Column::iter()
            .filter(|column| !matches!(column, Column::NameKey | Column::EmailKey))
            .map(|column| lower_camel(column.as_str()))
            .collect()
    }

    fn lower_camel(snake: &str) -> String {
        let mut words = snake.split('_');
        let first = words.next().unwrap_or_default().to_owned();
        words.fold(first, |mut name, word| {
            let mut letters = word.chars();
            if let Some(initial) = letters.next() {
                name.extend(initial.to_uppercase());
                name.push_str(letters.as_str());
            }
            name
        })
    }

    /// A column added to the artists table but forgotten in the API (its
    /// field, or the inputs that write it) fails here.
    #[test]
    fn every_column_a_client_sees_is_read_and_written_through_the_api() {
        let shown = shown_columns();
        assert!(shown.contains(&"createdAt".to_owned()), "{shown:?}");
        let artist = names("Artist");
        let create = names("CreateArtistInput");
        let update = names("UpdateArtistInput");
        for column in &shown {
            assert!(artist.contains(column), "Artist has no field {column}");
            // The service sets the ID and the times itself.
            if ["id", "createdAt", "updatedAt"].contains(&column.as_str()) {
                continue;
            }
            assert!(create.contains(column), "CreateArtistInput has no {column}");
            assert!(update.contains(column), "UpdateArtistInput has no {column}");
        }
    }
}
