//! What a subscriber of a schedule receives.

use std::sync::Arc;

use async_graphql::{Context, Object};

use super::schedule::Schedule;
use crate::domain::schedules::{Seen, Snapshot};
use crate::graphql::loaders::Loaders;

pub struct ScheduleEvent {
    version: i32,
    /// None once the schedule is deleted.
    snapshot: Option<Arc<Snapshot>>,
}

/// One change of a schedule, as a subscriber receives it.
#[Object]
impl ScheduleEvent {
    /// The schedule's version after the change.
    async fn version(&self) -> i32 {
        self.version
    }

    /// null once the schedule is deleted.
    async fn schedule(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Schedule>> {
        let Some(snapshot) = &self.snapshot else {
            return Ok(None);
        };
        // The artists were read with the schedule, once for every
        // subscriber: this event's assignments find them loaded.
        Loaders::of(ctx)?
            .artists
            .feed_many(
                snapshot
                    .artists
                    .iter()
                    .map(|artist| (artist.id, artist.clone())),
            )
            .await;
        Ok(Some(Schedule::followed(snapshot)))
    }
}

impl From<Seen> for ScheduleEvent {
    fn from(seen: Seen) -> Self {
        match seen {
            Seen::Changed(snapshot) => Self {
                version: version(snapshot.schedule.summary.version),
                snapshot: Some(snapshot),
            },
            Seen::Deleted { version: deleted } => Self {
                version: version(deleted),
                snapshot: None,
            },
        }
    }
}

fn version(version: i64) -> i32 {
    i32::try_from(version).unwrap_or(i32::MAX)
}
