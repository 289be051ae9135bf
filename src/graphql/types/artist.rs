use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, ID, Lookahead, Object, OutputType, Positioned, ServerResult,
    Value,
};

use crate::domain;
use crate::domain::reads::{Detail, Wanted};
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

#[Object]
impl Artist {
    async fn id(&self) -> ID {
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
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn artist(&self, ctx: &Context<'_>) -> async_graphql::Result<Artist> {
        let artist = Loaders::of(ctx)?
            .artists
            .load_one(self.0.artist_id)
            .await
            .map_err(|err| internal(&*err))?;
        // The foreign key guarantees the artist; its absence is a fault.
        artist.map(Artist).ok_or_else(|| {
            internal_fault(format!(
                "availability {} has no artist {}",
                self.0.id, self.0.artist_id
            ))
        })
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
