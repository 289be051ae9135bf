//! Database migrations for Coulisses. The same migrations run on SQLite and
//! PostgreSQL; anything backend-specific is decided inside a migration.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_artists;
mod m20261123_000002_create_availabilities;
mod m20261124_000003_artist_times;
mod m20261203_000004_create_schedules;
mod m20261203_000005_create_calendars;
mod m20261204_000006_artist_spans_packed;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_artists::Migration),
            Box::new(m20261123_000002_create_availabilities::Migration),
            Box::new(m20261124_000003_artist_times::Migration),
            Box::new(m20261203_000004_create_schedules::Migration),
            Box::new(m20261203_000005_create_calendars::Migration),
            Box::new(m20261204_000006_artist_spans_packed::Migration),
        ]
    }
}

/// Names of the constraints the service maps to client errors. PostgreSQL
/// reports them on a violation, so they are part of the error contract.
pub mod constraints {
    pub const ARTIST_EMAIL_UNIQUE: &str = "ux_artists_email_key";
    pub const AVAILABILITY_RANGE_UNIQUE: &str = "ux_availabilities_artist_range";
    /// One assignment per artist and slot.
    pub const SCHEDULE_ASSIGNMENT_UNIQUE: &str = "ux_schedule_assignments_slot_artist";
    /// One slot per key in a schedule.
    pub const SCHEDULE_SLOT_KEY_UNIQUE: &str = "ux_schedule_slots_schedule_key";
}

/// The columns of `artists` that keep its availabilities' times
/// (m20261124_000003): on PostgreSQL, one `bytea` of big-endian starts and
/// ends, 16 bytes an availability, in order of start (m20261204_000006);
/// on SQLite, one JSON text of `[starts, ends]` pairs.
pub mod kept_times {
    pub const POSTGRES_SPANS: &str = "availability_spans";
    pub const SQLITE_PAIRS: &str = "availability_times";
}
