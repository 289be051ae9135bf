//! Availabilities: an artist's time ranges, which never overlap one another.
//! Every write locks the artist first, so the overlap check holds until
//! commit even under concurrent requests.

use std::collections::HashMap;

use migration::constraints::AVAILABILITY_RANGE_UNIQUE;
use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect,
};
use uuid::Uuid;

use super::errors::{DomainError, violates};
use super::records::{Artist, Availability, NewAvailability, TimeSpan};
use super::validation::{self, Violations};
use super::{time, write};
use crate::entities::{artist, availability};

/// Names of an artist's kept times in a page's row (`select_spans`).
const SPANS: &str = "spans";
const STARTS: &str = "starts";
const ENDS: &str = "ends";

/// Availabilities per artist, sorted by start; one statement for any number.
pub async fn of_artists(
    db: &DatabaseConnection,
    artist_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Availability>>, DomainError> {
    load(db, Some(artist_ids)).await
}

/// Every artist's availabilities, sorted by start.
pub(crate) async fn of_all_artists(
    db: &DatabaseConnection,
) -> Result<HashMap<Uuid, Vec<Availability>>, DomainError> {
    load(db, None).await
}

/// Reads only the columns a record needs, by position: a page of artists
/// reads hundreds of these rows, and sea-orm's models would also decode the
/// two timestamps of each row, and every column by name.
async fn load(
    db: &DatabaseConnection,
    artist_ids: Option<&[Uuid]>,
) -> Result<HashMap<Uuid, Vec<Availability>>, DomainError> {
    use availability::Column;
    let mut query = availability::Entity::find().select_only().columns([
        Column::ArtistId,
        Column::Id,
        Column::StartsAt,
        Column::EndsAt,
        Column::Note,
    ]);
    if let Some(ids) = artist_ids {
        query = query.filter(Column::ArtistId.is_in(ids.iter().copied()));
    }
    let rows: Vec<(Uuid, Uuid, i64, i64, Option<String>)> = query
        .order_by_asc(Column::ArtistId)
        .order_by_asc(Column::StartsAt)
        .into_tuple()
        .all(db)
        .await?;
    group_by_artist(
        rows.into_iter()
            .map(|(artist_id, id, starts_at, ends_at, note)| {
                Ok((
                    artist_id,
                    Availability {
                        id,
                        artist_id,
                        starts_at: time::from_micros(starts_at)?,
                        ends_at: time::from_micros(ends_at)?,
                        note,
                    },
                ))
            }),
    )
}

/// Adds to `query`, a select of artists, the times of each artist's
/// availabilities, which the artist's row keeps (migration
/// m20261124_000003, maintained by triggers on every write): read them
/// back with `spans_in_row`. On PostgreSQL, two arrays `starts` and `ends`;
/// on SQLite, which has no arrays, one JSON text of `[starts_at, ends_at]`
/// pairs (one text per artist costs its driver far less than a row per
/// availability).
pub(super) fn select_spans(query: &mut SelectStatement, backend: DbBackend) {
    use migration::kept_times::{POSTGRES_ENDS, POSTGRES_STARTS, SQLITE_PAIRS};
    let kept = |column: &'static str| Expr::col((artist::Entity, Alias::new(column)));
    if backend == DbBackend::Postgres {
        query
            .expr_as(kept(POSTGRES_STARTS), STARTS)
            .expr_as(kept(POSTGRES_ENDS), ENDS);
    } else {
        query.expr_as(kept(SQLITE_PAIRS), SPANS);
    }
}

/// The artist's spans that `select_spans` added to its row, sorted by
/// start; none when it has no availability.
pub(super) fn spans_in_row(
    row: &QueryResult,
    backend: DbBackend,
) -> Result<Vec<TimeSpan>, DomainError> {
    // Null (never any availability) or, on SQLite, "[]" (all deleted):
    // an artist without availabilities.
    if backend == DbBackend::Postgres {
        paired_spans(row.try_get("", STARTS)?, row.try_get("", ENDS)?)
    } else {
        let pairs: Option<String> = row.try_get("", SPANS)?;
        let Some(pairs) = pairs else {
            return Ok(Vec::new());
        };
        let pairs: Vec<(i64, i64)> = serde_json::from_str(&pairs).map_err(DomainError::internal)?;
        sorted_spans(pairs.into_iter())
    }
}

/// The same, from a row a pipelined session read (PostgreSQL).
pub(super) fn spans_in_pipelined_row(
    row: &tokio_postgres::Row,
) -> Result<Vec<TimeSpan>, DomainError> {
    paired_spans(
        row.try_get(STARTS).map_err(DomainError::internal)?,
        row.try_get(ENDS).map_err(DomainError::internal)?,
    )
}

/// PostgreSQL's kept times: both arrays are aggregated from the same rows
/// in the same order, so they pair up; null without availabilities.
fn paired_spans(
    starts: Option<Vec<i64>>,
    ends: Option<Vec<i64>>,
) -> Result<Vec<TimeSpan>, DomainError> {
    sorted_spans(
        starts
            .unwrap_or_default()
            .into_iter()
            .zip(ends.unwrap_or_default()),
    )
}

/// Neither engine keeps the times sorted (their triggers would sort at
/// every write, and SQLite's `json_group_array` promises no order): an
/// artist's few spans are sorted as they are read.
fn sorted_spans(pairs: impl Iterator<Item = (i64, i64)>) -> Result<Vec<TimeSpan>, DomainError> {
    let mut spans = pairs
        .map(|(starts_at, ends_at)| TimeSpan::from_micros(starts_at, ends_at))
        .collect::<Result<Vec<_>, _>>()?;
    // An artist's availabilities never overlap, so their starts are
    // distinct and order them fully.
    spans.sort_unstable_by_key(|span| span.starts_at);
    Ok(spans)
}

/// Rows sorted by artist, grouped: each artist's rows come together, so
/// the map is touched once per artist rather than once per row.
fn group_by_artist<T>(
    rows: impl Iterator<Item = Result<(Uuid, T), DomainError>>,
) -> Result<HashMap<Uuid, Vec<T>>, DomainError> {
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    let mut current: Option<(Uuid, Vec<T>)> = None;
    for row in rows {
        let (artist_id, item) = row?;
        match &mut current {
            Some((artist, items)) if *artist == artist_id => items.push(item),
            _ => {
                if let Some((artist, items)) = current.replace((artist_id, vec![item])) {
                    // Extended, not replaced, should an artist's rows ever
                    // not come together.
                    grouped.entry(artist).or_default().extend(items);
                }
            }
        }
    }
    if let Some((artist, items)) = current {
        grouped.entry(artist).or_default().extend(items);
    }
    Ok(grouped)
}

pub async fn add(
    db: &DatabaseConnection,
    artist_id: Uuid,
    input: NewAvailability,
) -> Result<Availability, DomainError> {
    let mut violations = Violations::default();
    let input = validation::availability(&input, "", &mut violations);
    violations.finish()?;

    let txn = write::begin(db).await?;
    write::lock_artist(&txn, artist_id).await?;
    reject_overlap(&txn, artist_id, &input, None).await?;
    let id = Uuid::now_v7();
    insert_one(&txn, id, artist_id, &input).await?;
    txn.commit().await?;
    Ok(Availability {
        id,
        artist_id,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        note: input.note,
    })
}

pub async fn update(
    db: &DatabaseConnection,
    id: Uuid,
    input: NewAvailability,
) -> Result<Availability, DomainError> {
    let mut violations = Violations::default();
    let input = validation::availability(&input, "", &mut violations);
    violations.finish()?;

    let txn = write::begin(db).await?;
    let not_found = || DomainError::not_found("Availability", id);
    let artist_id = lock_artist_of(&txn, id).await?;
    reject_overlap(&txn, artist_id, &input, Some(id)).await?;
    let updated = availability::Entity::update_many()
        .set(availability::ActiveModel {
            starts_at: Set(time::to_micros(input.starts_at)),
            ends_at: Set(time::to_micros(input.ends_at)),
            note: Set(input.note.clone()),
            updated_at: Set(time::to_micros(time::now())),
            ..Default::default()
        })
        .filter(availability::Column::Id.eq(id))
        .filter(availability::Column::ArtistId.eq(artist_id))
        .exec(&txn)
        .await
        .map_err(range_taken)?;
    // Deleted, or moved to another artist, between the read and the lock.
    if updated.rows_affected == 0 {
        return Err(not_found());
    }
    txn.commit().await?;
    Ok(Availability {
        id,
        artist_id,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        note: input.note,
    })
}

pub async fn delete(db: &DatabaseConnection, id: Uuid) -> Result<(), DomainError> {
    let txn = write::begin(db).await?;
    let not_found = || DomainError::not_found("Availability", id);
    let artist_id = lock_artist_of(&txn, id).await?;
    let deleted = availability::Entity::delete_many()
        .filter(availability::Column::Id.eq(id))
        .filter(availability::Column::ArtistId.eq(artist_id))
        .exec(&txn)
        .await?;
    // Deleted, or moved to another artist, between the read and the lock.
    if deleted.rows_affected == 0 {
        return Err(not_found());
    }
    txn.commit().await?;
    Ok(())
}

/// Locks the artist of availability `id` and returns its id. The artist
/// first, as every write: the triggers that keep the artist's times lock
/// it after the availabilities they change, and two orders would deadlock
/// against a write to the same artist. The caller checks that the
/// availability is still the artist's once locked.
async fn lock_artist_of(txn: &DatabaseTransaction, id: Uuid) -> Result<Uuid, DomainError> {
    let not_found = || DomainError::not_found("Availability", id);
    let artist_id = availability::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(not_found)?
        .artist_id;
    match write::lock_artist(txn, artist_id).await {
        // Deleted with its artist between the read and the lock.
        Err(DomainError::NotFound { .. }) => Err(not_found()),
        locked => locked.map(|_| artist_id),
    }
}

/// Atomically replaces all of the artist's availabilities with `inputs`.
pub async fn set_all(
    db: &DatabaseConnection,
    artist_id: Uuid,
    inputs: &[NewAvailability],
) -> Result<Artist, DomainError> {
    let mut violations = Violations::default();
    let inputs = validation::availability_list(inputs, "availabilities", &mut violations);
    violations.finish()?;

    let txn = write::begin(db).await?;
    let artist = Artist::try_from(write::lock_artist(&txn, artist_id).await?)?;
    availability::Entity::delete_many()
        .filter(availability::Column::ArtistId.eq(artist_id))
        .exec(&txn)
        .await?;
    insert_all(
        &txn,
        artist_id,
        &inputs,
        std::iter::repeat_with(Uuid::now_v7),
    )
    .await?;
    txn.commit().await?;
    Ok(artist)
}

/// Inserts validated, mutually non-overlapping availabilities of an artist
/// that has none that could overlap them (new, or just cleared), each under
/// the next of `ids`.
pub(crate) async fn insert_all(
    txn: &DatabaseTransaction,
    artist_id: Uuid,
    inputs: &[NewAvailability],
    ids: impl Iterator<Item = Uuid>,
) -> Result<(), DomainError> {
    if inputs.is_empty() {
        return Ok(());
    }
    let now = time::to_micros(time::now());
    availability::Entity::insert_many(
        inputs
            .iter()
            .zip(ids)
            .map(|(input, id)| new_row(id, artist_id, input, now)),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// The row of a new availability, created and updated at `now`.
fn new_row(
    id: Uuid,
    artist_id: Uuid,
    input: &NewAvailability,
    now: i64,
) -> availability::ActiveModel {
    availability::ActiveModel {
        id: Set(id),
        artist_id: Set(artist_id),
        starts_at: Set(time::to_micros(input.starts_at)),
        ends_at: Set(time::to_micros(input.ends_at)),
        note: Set(input.note.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

async fn insert_one(
    txn: &DatabaseTransaction,
    id: Uuid,
    artist_id: Uuid,
    input: &NewAvailability,
) -> Result<(), DomainError> {
    let now = time::to_micros(time::now());
    availability::Entity::insert(new_row(id, artist_id, input, now))
        .exec_without_returning(txn)
        .await
        .map_err(range_taken)?;
    Ok(())
}

/// ConflictError naming the first of the artist's availabilities (other
/// than `except`) that overlaps `range`. Touching ranges do not overlap.
async fn reject_overlap(
    conn: &impl ConnectionTrait,
    artist_id: Uuid,
    range: &NewAvailability,
    except: Option<Uuid>,
) -> Result<(), DomainError> {
    let mut query = availability::Entity::find()
        .filter(availability::Column::ArtistId.eq(artist_id))
        .filter(availability::Column::StartsAt.lt(time::to_micros(range.ends_at)))
        .filter(availability::Column::EndsAt.gt(time::to_micros(range.starts_at)));
    if let Some(except) = except {
        query = query.filter(availability::Column::Id.ne(except));
    }
    let Some(existing) = query
        .order_by_asc(availability::Column::StartsAt)
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    let existing = Availability::try_from(existing)?;
    Err(DomainError::Conflict {
        field: Some("startsAt".into()),
        conflicting_id: Some(existing.id),
        message: format!(
            "overlaps the artist's availability from {} to {}",
            existing
                .starts_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            existing
                .ends_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ),
    })
}

/// The unique index on (artist, start, end) is a backstop behind the
/// overlap check, which runs under the artist's lock and so catches every
/// duplicate first; should it still fire, it is a conflict, not a fault.
fn range_taken(err: sea_orm::DbErr) -> DomainError {
    if violates(&err, AVAILABILITY_RANGE_UNIQUE) {
        DomainError::Conflict {
            field: Some("startsAt".into()),
            conflicting_id: None,
            message: "the artist already has an availability with this exact range".into(),
        }
    } else {
        err.into()
    }
}
