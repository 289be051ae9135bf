//! Times are stored as microseconds since the Unix epoch (UTC): they sort
//! and compare the same way on SQLite and PostgreSQL.

use chrono::{DateTime, TimeDelta, Utc};

use super::errors::DomainError;

pub fn to_micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub fn from_micros(micros: i64) -> Result<DateTime<Utc>, DomainError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| DomainError::internal(format!("stored time {micros} is out of range")))
}

/// Now, at the precision we store.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

/// Drops sub-microsecond precision, which storage cannot keep.
pub fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    at - TimeDelta::nanoseconds(i64::from(at.timestamp_subsec_nanos() % 1_000))
}
