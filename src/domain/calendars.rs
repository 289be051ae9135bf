//! Calendar feeds (RFC 5545): an artist follows their assignments in
//! published schedules through a secret URL, in the calendar of their
//! phone. The events a feed shows are kept (`calendar_events`), so that
//! each keeps its UID (its assignment's ID) across re-plans, raises its
//! SEQUENCE with every change, and stays, CANCELLED, for `CANCELLED_KEPT`
//! after its assignment goes: calendars otherwise keep a phantom event.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::errors::DomainError;
use super::records::Artist;
use super::schedules::{AssignmentStatus, Schedule, ScheduleStatus};
use super::{time, write};
use crate::entities::{calendar_event, calendar_feed};

/// Where the feeds are served: `<public URL>/calendar/<secret>.ics`.
pub const FEED_PATH: &str = "/calendar/";

/// How long a cancelled event stays in the feeds, for calendars to drop
/// their copy of it.
pub const CANCELLED_KEPT: TimeDelta = TimeDelta::days(30);

/// Bytes of randomness in a feed's secret.
const SECRET_BYTES: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventStatus {
    /// A PROPOSED assignment: the artist has not answered.
    Tentative,
    Confirmed,
    /// Removed, declined, or its schedule deleted, after it was shown.
    Cancelled,
}

impl EventStatus {
    fn stored(self) -> &'static str {
        match self {
            Self::Tentative => "TENTATIVE",
            Self::Confirmed => "CONFIRMED",
            Self::Cancelled => "CANCELLED",
        }
    }

    fn read(stored: &str) -> Result<Self, DomainError> {
        match stored {
            "TENTATIVE" => Ok(Self::Tentative),
            "CONFIRMED" => Ok(Self::Confirmed),
            "CANCELLED" => Ok(Self::Cancelled),
            other => Err(DomainError::internal(format!("event status {other:?}"))),
        }
    }
}

/// One event of a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarEvent {
    /// The assignment's ID.
    pub uid: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: String,
    pub status: EventStatus,
    pub sequence: u32,
    pub created_at: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
}

/// An artist's feed: their events, by start.
#[derive(Clone, Debug)]
pub struct Feed {
    pub artist: Artist,
    pub events: Vec<CalendarEvent>,
}

/// A new secret for the artist's feed; the previous one stops working.
/// Only its hash is kept: the secret is shown once.
pub async fn issue(
    db: &DatabaseConnection,
    artist_id: Uuid,
) -> Result<(Artist, String), DomainError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|err| DomainError::internal(err.to_string()))?;
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let txn = write::begin(db).await?;
    let artist = write::lock_artist(&txn, artist_id).await?;
    calendar_feed::Entity::delete_by_id(artist_id)
        .exec(&txn)
        .await?;
    calendar_feed::Entity::insert(calendar_feed::ActiveModel {
        artist_id: Set(artist_id),
        secret_hash: Set(hash(&secret)),
        issued_at: Set(time::to_micros(time::now())),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok((Artist::try_from(artist)?, secret))
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The feed whose secret this is, if any: the artist's events, cancelled
/// ones for `CANCELLED_KEPT` after they were.
pub async fn feed(db: &DatabaseConnection, secret: &str) -> Result<Option<Feed>, DomainError> {
    let Some(row) = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::SecretHash.eq(hash(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(artist) = super::artists::get(db, row.artist_id).await? else {
        return Ok(None);
    };
    let since = time::to_micros(time::now() - CANCELLED_KEPT);
    use calendar_event::Column;
    let rows = calendar_event::Entity::find()
        .filter(Column::ArtistId.eq(row.artist_id))
        .filter(
            Condition::any()
                .add(Column::Status.ne(EventStatus::Cancelled.stored()))
                .add(Column::LastModified.gte(since)),
        )
        .order_by_asc(Column::StartsAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let events = rows
        .into_iter()
        .map(|row| {
            Ok(CalendarEvent {
                uid: row.id,
                starts_at: time::from_micros(row.starts_at)?,
                ends_at: time::from_micros(row.ends_at)?,
                summary: row.summary,
                status: EventStatus::read(&row.status)?,
                sequence: u32::try_from(row.sequence).map_err(DomainError::internal)?,
                created_at: time::from_micros(row.created_at)?,
                last_modified: time::from_micros(row.last_modified)?,
            })
        })
        .collect::<Result<_, DomainError>>()?;
    Ok(Some(Feed { artist, events }))
}

/// What an assignment's event shows.
#[derive(PartialEq, Eq)]
struct Shown {
    starts_at: i64,
    ends_at: i64,
    summary: String,
    status: EventStatus,
}

/// Brings the events of `schedule` up to date, in the transaction of the
/// change that left it so. A published schedule shows each assignment:
/// PROPOSED as TENTATIVE, CONFIRMED as CONFIRMED, DECLINED as CANCELLED
/// (once shown); an event whose assignment went is CANCELLED. Each event
/// that changes raises its SEQUENCE. A draft shows nothing.
pub(crate) async fn sync(
    txn: &DatabaseTransaction,
    schedule: &Schedule,
) -> Result<(), DomainError> {
    if schedule.summary.status != ScheduleStatus::Published {
        return Ok(());
    }
    let now = time::to_micros(time::now());
    let stored: HashMap<Uuid, calendar_event::Model> = calendar_event::Entity::find()
        .filter(calendar_event::Column::ScheduleId.eq(schedule.summary.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|event| (event.id, event))
        .collect();
    let mut new = Vec::new();
    let mut seen = HashSet::new();
    for assignment in &schedule.assignments {
        let Some(slot) = schedule.slots.get(assignment.slot) else {
            continue;
        };
        seen.insert(assignment.id);
        let shown = Shown {
            starts_at: time::to_micros(slot.starts_at),
            ends_at: time::to_micros(slot.ends_at),
            summary: format!(
                "{} ({})",
                slot.label.as_deref().unwrap_or(&slot.key),
                schedule.summary.name
            ),
            status: match assignment.status {
                AssignmentStatus::Proposed => EventStatus::Tentative,
                AssignmentStatus::Confirmed => EventStatus::Confirmed,
                AssignmentStatus::Declined => EventStatus::Cancelled,
            },
        };
        match stored.get(&assignment.id) {
            // Declined before anyone saw it: nothing to cancel.
            None if shown.status == EventStatus::Cancelled => {}
            None => new.push(calendar_event::ActiveModel {
                id: Set(assignment.id),
                artist_id: Set(assignment.artist_id),
                schedule_id: Set(schedule.summary.id),
                starts_at: Set(shown.starts_at),
                ends_at: Set(shown.ends_at),
                summary: Set(shown.summary),
                status: Set(shown.status.stored().to_owned()),
                sequence: Set(0),
                created_at: Set(now),
                last_modified: Set(now),
            }),
            Some(event) => {
                let was = Shown {
                    starts_at: event.starts_at,
                    ends_at: event.ends_at,
                    summary: event.summary.clone(),
                    status: EventStatus::read(&event.status)?,
                };
                // A cancelled event stays as it was: touching it again
                // would keep it in the feeds for another while.
                let still_cancelled =
                    was.status == EventStatus::Cancelled && shown.status == EventStatus::Cancelled;
                if was != shown && !still_cancelled {
                    calendar_event::Entity::update(calendar_event::ActiveModel {
                        id: Set(event.id),
                        starts_at: Set(shown.starts_at),
                        ends_at: Set(shown.ends_at),
                        summary: Set(shown.summary),
                        status: Set(shown.status.stored().to_owned()),
                        sequence: Set(event.sequence.saturating_add(1)),
                        last_modified: Set(now),
                        ..Default::default()
                    })
                    .exec(txn)
                    .await?;
                }
            }
        }
    }
    let gone: Vec<Uuid> = stored
        .keys()
        .copied()
        .filter(|id| !seen.contains(id))
        .collect();
    for chunk in gone.chunks(write::ROWS_PER_STATEMENT) {
        cancel(txn, calendar_event::Column::Id.is_in(chunk.iter().copied())).await?;
    }
    write::insert_all(txn, new).await
}

/// Schedule `id` is being deleted, in `txn`: its events are cancelled.
pub(crate) async fn schedule_goes(txn: &DatabaseTransaction, id: Uuid) -> Result<(), DomainError> {
    cancel(txn, calendar_event::Column::ScheduleId.eq(id)).await
}

/// Cancels the events `which` chooses that are not cancelled yet, raising
/// their SEQUENCE.
async fn cancel(
    txn: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
) -> Result<(), DomainError> {
    use calendar_event::Column;
    calendar_event::Entity::update_many()
        .col_expr(Column::Status, Expr::value(EventStatus::Cancelled.stored()))
        .col_expr(Column::Sequence, Expr::col(Column::Sequence).add(1))
        .col_expr(
            Column::LastModified,
            Expr::value(time::to_micros(time::now())),
        )
        .filter(which)
        .filter(Column::Status.ne(EventStatus::Cancelled.stored()))
        .exec(txn)
        .await?;
    Ok(())
}
