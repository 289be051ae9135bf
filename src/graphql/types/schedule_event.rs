//! What a subscriber of a schedule receives.

use async_graphql::SimpleObject;

use super::schedule::Schedule;
use crate::domain::schedules::Seen;

/// One change of a schedule, as a subscriber receives it.
#[derive(SimpleObject)]
pub struct ScheduleEvent {
    /// The schedule's version after the change.
    version: i32,
    /// null once the schedule is deleted.
    schedule: Option<Schedule>,
}

impl From<Seen> for ScheduleEvent {
    fn from(seen: Seen) -> Self {
        match seen {
            Seen::Changed(schedule) => Self {
                version: version(schedule.summary.version),
                schedule: Some(Schedule::from(schedule)),
            },
            Seen::Deleted { version: deleted } => Self {
                version: version(deleted),
                schedule: None,
            },
        }
    }
}

fn version(version: i64) -> i32 {
    i32::try_from(version).unwrap_or(i32::MAX)
}
