//! Per-request DataLoaders: every field that needs related records of many
//! artists is served by one statement per kind, whatever the page size.
//!
//! A DataLoader batches the keys that arrive within a short delay, so how
//! many statements it runs depends on timing. Where the artists are known
//! up front (a page, one artist), their read brings what the selection
//! asks for (`domain::reads::Wanted`) and `feed` seeds the per-request
//! cache with it: the count is then fixed, and no request waits for the
//! batching delay.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use uuid::Uuid;

use crate::domain::reads::{Availabilities, Detail, Related, Wanted};
use crate::domain::{self, DomainError, Reads};

pub struct Loaders {
    pub artists: DataLoader<ArtistsById, HashMapCache>,
    pub skills: DataLoader<SkillsByArtist, HashMapCache>,
    pub availabilities: DataLoader<AvailabilitiesByArtist, HashMapCache>,
    /// Whole schedules (slots, assignments), for a list of their summaries.
    pub schedules: DataLoader<SchedulesById, HashMapCache>,
    /// The request's turn at the planner: one planning at a time per
    /// request, however many of its fields ask for one, so that a request
    /// holds one core at most, and its timeout stops those not started.
    planner: tokio::sync::Semaphore,
}

impl Loaders {
    pub fn new(reads: &Reads) -> Self {
        Self {
            artists: DataLoader::with_cache(
                ArtistsById(reads.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            skills: DataLoader::with_cache(
                SkillsByArtist(reads.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            availabilities: DataLoader::with_cache(
                AvailabilitiesByArtist(reads.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            schedules: DataLoader::with_cache(
                SchedulesById(reads.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            planner: tokio::sync::Semaphore::new(1),
        }
    }

    /// Waits for the request's turn at the planner; it ends when the
    /// permit is dropped.
    pub async fn planner_turn(&self) -> async_graphql::Result<tokio::sync::SemaphorePermit<'_>> {
        self.planner
            .acquire()
            .await
            .map_err(|_| super::errors::internal_fault("the planner's turn is closed"))
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

    /// Seeds the caches with these artists and what their read brought as
    /// `wanted` asked: every artist gets an entry for each kind read, empty
    /// ones too, so none is loaded again.
    pub async fn feed<'a>(
        &self,
        artists: impl IntoIterator<Item = &'a domain::Artist>,
        related: Related,
        wanted: Wanted,
    ) {
        let artists: Vec<&domain::Artist> = artists.into_iter().collect();
        self.artists
            .feed_many(artists.iter().map(|artist| (artist.id, (*artist).clone())))
            .await;
        let Related {
            mut skills,
            availabilities,
        } = related;
        if wanted.skills {
            let entries = artists
                .iter()
                .map(|artist| (artist.id, skills.remove(&artist.id).unwrap_or_default()));
            self.skills.feed_many(entries.collect::<Vec<_>>()).await;
        }
        if let (Availabilities::Records(mut records), Detail::Records) =
            (availabilities, wanted.availabilities)
        {
            let entries = artists
                .iter()
                .map(|artist| (artist.id, records.remove(&artist.id).unwrap_or_default()));
            self.availabilities
                .feed_many(entries.collect::<Vec<_>>())
                .await;
        }
    }

    pub fn of<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Self> {
        ctx.data::<Self>()
            .map_err(|_| super::errors::internal_fault("request executed without its DataLoaders"))
    }
}

/// Gives every execution of a document its own DataLoaders, as
/// `execute_data`: each event of a subscription then reads the artists as
/// they are at that event, not as the first one cached them. Only the
/// WebSocket schema has it: an extension makes every field pay for a
/// resolve hook, so HTTP requests get theirs as request data instead.
pub struct PerExecution;

impl ExtensionFactory for PerExecution {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerExecution)
    }
}

#[async_trait::async_trait]
impl Extension for PerExecution {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        match ctx.data::<Reads>() {
            Ok(reads) => {
                let mut data = async_graphql::Data::default();
                data.insert(Loaders::new(reads));
                next.run_with_data(ctx, operation_name, data).await
            }
            // Its fields then fail with the cause, as without loaders.
            Err(_) => next.run(ctx, operation_name).await,
        }
    }
}

pub struct ArtistsById(Reads);
pub struct SkillsByArtist(Reads);
pub struct AvailabilitiesByArtist(Reads);
pub struct SchedulesById(Reads);

impl Loader<Uuid> for ArtistsById {
    type Value = domain::Artist;
    type Error = Arc<DomainError>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let artists = self.0.artists(ids).await?;
        Ok(artists.into_iter().map(|a| (a.id, a)).collect())
    }
}

impl Loader<Uuid> for SkillsByArtist {
    type Value = Vec<String>;
    type Error = Arc<DomainError>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(self.0.skills(ids).await?)
    }
}

impl Loader<Uuid> for AvailabilitiesByArtist {
    type Value = Vec<domain::Availability>;
    type Error = Arc<DomainError>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(self.0.availabilities(ids).await?)
    }
}

impl Loader<Uuid> for SchedulesById {
    type Value = Arc<domain::schedules::Schedule>;
    type Error = Arc<DomainError>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let schedules = self.0.schedules(ids).await?;
        Ok(schedules
            .into_iter()
            .map(|schedule| (schedule.summary.id, Arc::new(schedule)))
            .collect())
    }
}
