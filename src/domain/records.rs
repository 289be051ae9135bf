//! What the domain hands out and takes in: plain data, independent of both
//! the database rows and the GraphQL types.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::errors::DomainError;
use super::time::from_micros;
use crate::entities::{artist, availability};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artist {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<artist::Model> for Artist {
    type Error = DomainError;

    fn try_from(row: artist::Model) -> Result<Self, DomainError> {
        Ok(Self {
            id: row.id,
            name: row.name,
            email: row.email,
            created_at: from_micros(row.created_at)?,
            updated_at: from_micros(row.updated_at)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Availability {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub note: Option<String>,
}

impl Availability {
    /// True when [starts_at, ends_at) meets the half-open window; an open
    /// bound does not restrict.
    pub fn overlaps(&self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
        self.span().overlaps(from, to)
    }

    pub fn span(&self) -> TimeSpan {
        TimeSpan {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
        }
    }
}

/// When an availability starts and ends: all a reader that wants nothing
/// else of it loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeSpan {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl TimeSpan {
    /// From the stored microseconds since the epoch.
    pub fn from_micros(starts_at: i64, ends_at: i64) -> Result<Self, DomainError> {
        Ok(Self {
            starts_at: from_micros(starts_at)?,
            ends_at: from_micros(ends_at)?,
        })
    }

    /// True when [starts_at, ends_at) meets the half-open window; an open
    /// bound does not restrict.
    pub fn overlaps(&self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
        from.is_none_or(|from| self.ends_at > from) && to.is_none_or(|to| self.starts_at < to)
    }
}

impl TryFrom<availability::Model> for Availability {
    type Error = DomainError;

    fn try_from(row: availability::Model) -> Result<Self, DomainError> {
        Ok(Self {
            id: row.id,
            artist_id: row.artist_id,
            starts_at: from_micros(row.starts_at)?,
            ends_at: from_micros(row.ends_at)?,
            note: row.note,
        })
    }
}

/// An artist with everything the planner needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtistDetails {
    pub artist: Artist,
    pub skills: Vec<String>,
    /// Sorted by start.
    pub availabilities: Vec<Availability>,
}

#[derive(Clone, Debug)]
pub struct NewAvailability {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct NewArtist {
    pub name: String,
    pub email: Option<String>,
    pub skills: Vec<String>,
    pub availabilities: Vec<NewAvailability>,
}

/// The IDs of the records `artists::create_with_ids` makes: the artist's,
/// and one per availability of its input, in the same order.
#[derive(Clone, Debug)]
pub struct NewIds {
    pub artist: Uuid,
    pub availabilities: Vec<Uuid>,
}

/// A change to one field: left alone, cleared, or set.
#[derive(Clone, Debug, Default)]
pub enum Patch<T> {
    #[default]
    Unchanged,
    Clear,
    Set(T),
}

#[derive(Clone, Debug, Default)]
pub struct ArtistChanges {
    pub name: Patch<String>,
    pub email: Patch<String>,
    pub skills: Patch<Vec<String>>,
}
