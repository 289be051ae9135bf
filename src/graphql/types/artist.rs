use async_graphql::{Context, ID, Object};

use crate::domain;
use crate::graphql::errors::{internal, internal_fault};
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::DateTime;

pub struct Artist(pub domain::Artist);

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
    ) -> async_graphql::Result<Vec<Availability>> {
        let loaded = Loaders::of(ctx)?
            .availabilities
            .load_one(self.0.id)
            .await
            .map_err(|err| internal(&*err))?;
        let (from, to) = (from.map(|at| at.0), to.map(|at| at.0));
        Ok(loaded
            .unwrap_or_default()
            .into_iter()
            .filter(|availability| availability.overlaps(from, to))
            .map(Availability)
            .collect())
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
