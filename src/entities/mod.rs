//! SeaORM entities, one per table. Plain data: no business rules here.
//! Times are microseconds since the Unix epoch in UTC (see docs/deployment.md).

pub mod artist;
pub mod artist_skill;
pub mod availability;
pub mod calendar_event;
pub mod calendar_feed;
pub mod schedule;
pub mod schedule_artist;
pub mod schedule_assignment;
pub mod schedule_refusal;
pub mod schedule_slot;
