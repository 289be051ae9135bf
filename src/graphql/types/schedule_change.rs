//! What the schedule operations answer besides a schedule: a change and
//! its removals, a page of schedules, the replacements for a slot, a
//! calendar feed.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::artist::Artist;
use super::connection::PageInfo;
use super::schedule::{Schedule, ScheduledAssignment};
use crate::domain::listing::Cursor;
use crate::domain::schedules;
use crate::graphql::errors::query_error;
use crate::graphql::query::reads;

/// What a change to a schedule did to its assignments.
pub struct ScheduleChange {
    schedule: Schedule,
    added: Vec<uuid::Uuid>,
    removed: Vec<schedules::Removal>,
    kept: usize,
}

impl From<schedules::Change> for ScheduleChange {
    fn from(change: schedules::Change) -> Self {
        Self {
            schedule: change.schedule.into(),
            added: change.added,
            removed: change.removed,
            kept: change.kept,
        }
    }
}

#[Object]
impl ScheduleChange {
    async fn schedule(&self) -> Schedule {
        self.schedule.clone()
    }

    async fn added(&self) -> async_graphql::Result<Vec<ScheduledAssignment>> {
        self.added
            .iter()
            .map(|&id| self.schedule.assignment(id))
            .collect()
    }

    async fn removed(&self) -> Vec<RemovedAssignment<'_>> {
        self.removed.iter().map(RemovedAssignment).collect()
    }

    /// Assignments left as they were.
    async fn kept(&self) -> i32 {
        i32::try_from(self.kept).unwrap_or(i32::MAX)
    }
}

pub struct RemovedAssignment<'a>(&'a schedules::Removal);

#[Object]
impl RemovedAssignment<'_> {
    /// The removed assignment's ID, which no longer resolves.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn slot_key(&self) -> &str {
        &self.0.slot_key
    }

    async fn artist(&self, ctx: &Context<'_>) -> async_graphql::Result<Artist> {
        Artist::referenced(ctx, self.0.artist_id, || {
            format!("removed assignment {}", self.0.id)
        })
        .await
    }

    /// One sentence: why it was removed.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

pub struct Replacement(pub schedules::Replacement);

#[Object]
impl Replacement {
    async fn artist(&self) -> Artist {
        Artist(self.0.artist.artist.clone())
    }

    /// How many of the schedule's other assignments must move for this artist to take a position on the slot (0: free now).
    async fn moves(&self) -> i32 {
        i32::try_from(self.0.moves).unwrap_or(i32::MAX)
    }

    /// Why this artist fits, most important first (at most 3).
    async fn reasons(&self) -> &[String] {
        &self.0.reasons
    }
}

/// An artist's calendar feed, as just issued.
pub struct CalendarFeed {
    pub artist: crate::domain::Artist,
    pub url: String,
}

impl From<(crate::domain::Artist, String)> for CalendarFeed {
    fn from((artist, url): (crate::domain::Artist, String)) -> Self {
        Self { artist, url }
    }
}

#[Object]
impl CalendarFeed {
    async fn artist(&self) -> Artist {
        Artist(self.artist.clone())
    }

    /// The artist's iCalendar feed (RFC 5545) of their assignments in published schedules. Whoever has the URL can read it: it is shown once, and issuing a new one revokes the old.
    async fn url(&self) -> &str {
        &self.url
    }
}

#[derive(SimpleObject)]
pub struct DeletedSchedule {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct DeletedAssignment {
    pub id: ID,
}

pub struct ScheduleConnection {
    pub page: schedules::SchedulePage,
    /// Kept for `totalCount`, counted only when asked for.
    pub status: Option<schedules::ScheduleStatus>,
}

pub struct ScheduleEdge<'a> {
    cursor: &'a Cursor,
    node: &'a schedules::Summary,
}

#[Object]
impl ScheduleEdge<'_> {
    async fn cursor(&self) -> String {
        self.cursor.encode()
    }

    async fn node(&self) -> Schedule {
        self.node.clone().into()
    }
}

#[Object]
impl ScheduleConnection {
    async fn edges(&self) -> Vec<ScheduleEdge<'_>> {
        self.page
            .edges
            .iter()
            .map(|(cursor, node)| ScheduleEdge { cursor, node })
            .collect()
    }

    async fn nodes(&self) -> Vec<Schedule> {
        self.page
            .edges
            .iter()
            .map(|(_, summary)| summary.clone().into())
            .collect()
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo::of(
            self.page.edges.iter().map(|(cursor, _)| cursor),
            self.page.has_next_page,
            self.page.has_previous_page,
        )
    }

    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let count = reads(ctx)?
            .schedule_count(self.status)
            .await
            .map_err(query_error)?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}
