//! Per-request DataLoaders: every field that needs related records of many
//! artists is served by one statement per kind, whatever the page size.
//!
//! A DataLoader batches the keys that arrive within a short delay, so how
//! many statements it runs depends on timing. Where the artists are known
//! up front (a page, one artist), `prefetch` loads what the selection asks
//! for in one statement each and seeds the per-request cache: the count is
//! then fixed, and no request waits for the batching delay.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::{self, DomainError};

pub struct Loaders {
    pub artists: DataLoader<ArtistsById, HashMapCache>,
    pub skills: DataLoader<SkillsByArtist, HashMapCache>,
    pub availabilities: DataLoader<AvailabilitiesByArtist, HashMapCache>,
    db: DatabaseConnection,
}

/// What a selection asks of the artists it lists.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wanted {
    pub skills: bool,
    pub availabilities: bool,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            artists: DataLoader::with_cache(
                ArtistsById(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            skills: DataLoader::with_cache(
                SkillsByArtist(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            availabilities: DataLoader::with_cache(
                AvailabilitiesByArtist(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            db: db.clone(),
        }
    }

    /// Seeds the caches with artists loaded with everything already.
    pub async fn feed_details<'a>(
        &self,
        details: impl IntoIterator<Item = &'a domain::ArtistDetails>,
    ) {
        let details: Vec<&domain::ArtistDetails> = details.into_iter().collect();
        self.artists
            .feed_many(details.iter().map(|d| (d.artist.id, d.artist.clone())))
            .await;
        self.skills
            .feed_many(details.iter().map(|d| (d.artist.id, d.skills.clone())))
            .await;
        self.availabilities
            .feed_many(
                details
                    .iter()
                    .map(|d| (d.artist.id, d.availabilities.clone())),
            )
            .await;
    }

    /// Seeds the caches for these artists: themselves, and what `wanted`
    /// says the selection will ask of them, one statement per kind.
    pub async fn prefetch(
        &self,
        artists: &[domain::Artist],
        wanted: Wanted,
    ) -> Result<(), DomainError> {
        self.artists
            .feed_many(artists.iter().map(|artist| (artist.id, artist.clone())))
            .await;
        let ids: Vec<Uuid> = artists.iter().map(|artist| artist.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let skills = async {
            if !wanted.skills {
                return Ok(None);
            }
            domain::artists::skills_of(&self.db, &ids).await.map(Some)
        };
        let availabilities = async {
            if !wanted.availabilities {
                return Ok(None);
            }
            domain::availabilities::of_artists(&self.db, &ids)
                .await
                .map(Some)
        };
        let (skills, availabilities) = tokio::try_join!(skills, availabilities)?;
        // Every id gets an entry, empty ones too, so none is loaded again.
        if let Some(mut skills) = skills {
            let entries = ids
                .iter()
                .map(|id| (*id, skills.remove(id).unwrap_or_default()));
            self.skills.feed_many(entries.collect::<Vec<_>>()).await;
        }
        if let Some(mut availabilities) = availabilities {
            let entries = ids
                .iter()
                .map(|id| (*id, availabilities.remove(id).unwrap_or_default()));
            self.availabilities
                .feed_many(entries.collect::<Vec<_>>())
                .await;
        }
        Ok(())
    }

    pub fn of<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Self> {
        ctx.data::<Self>()
            .map_err(|_| super::errors::internal_fault("request executed without its DataLoaders"))
    }
}

pub struct ArtistsById(DatabaseConnection);
pub struct SkillsByArtist(DatabaseConnection);
pub struct AvailabilitiesByArtist(DatabaseConnection);

impl Loader<Uuid> for ArtistsById {
    type Value = domain::Artist;
    type Error = Arc<DomainError>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let artists = domain::artists::get_many(&self.0, ids).await?;
        Ok(artists.into_iter().map(|a| (a.id, a)).collect())
    }
}

impl Loader<Uuid> for SkillsByArtist {
    type Value = Vec<String>;
    type Error = Arc<DomainError>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(domain::artists::skills_of(&self.0, ids).await?)
    }
}

impl Loader<Uuid> for AvailabilitiesByArtist {
    type Value = Vec<domain::Availability>;
    type Error = Arc<DomainError>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(domain::availabilities::of_artists(&self.0, ids).await?)
    }
}
