//! Per-request DataLoaders: every field that needs related records of many
//! artists is served by one statement per kind, whatever the page size.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::{self, DomainError};

pub struct Loaders {
    pub artists: DataLoader<ArtistsById>,
    pub skills: DataLoader<SkillsByArtist>,
    pub availabilities: DataLoader<AvailabilitiesByArtist>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            artists: DataLoader::new(ArtistsById(db.clone()), tokio::spawn),
            skills: DataLoader::new(SkillsByArtist(db.clone()), tokio::spawn),
            availabilities: DataLoader::new(AvailabilitiesByArtist(db.clone()), tokio::spawn),
        }
    }

    pub fn of<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Self> {
        ctx.data::<Self>().map_err(|_| {
            super::errors::internal(&*Box::<dyn std::error::Error + Send + Sync>::from(
                "request executed without its DataLoaders",
            ))
        })
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
