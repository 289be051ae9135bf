//! Availabilities: an artist's time ranges, which never overlap one another.
//! Every write locks the artist first, so the overlap check holds until
//! commit even under concurrent requests.

use std::collections::HashMap;

use migration::constraints::AVAILABILITY_RANGE_UNIQUE;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IdenStatic, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::errors::{DomainError, violates};
use super::reads::rows;
use super::records::{Artist, Availability, NewAvailability};
use super::validation::{self, Violations};
use super::{time, write};
use crate::entities::availability;

/// Availabilities per artist, sorted by start; one statement for any number.
pub async fn of_artists(
    db: &impl ConnectionTrait,
    artist_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Availability>>, DomainError> {
    load(
        db,
        Some(availability::Column::ArtistId.is_in(artist_ids.iter().copied())),
    )
    .await
}

/// Every artist's availabilities, sorted by start.
pub(crate) async fn of_all_artists(
    db: &impl ConnectionTrait,
) -> Result<HashMap<Uuid, Vec<Availability>>, DomainError> {
    load(db, None).await
}

/// The availability with this ID, if it exists.
pub async fn get(db: &DatabaseConnection, id: Uuid) -> Result<Option<Availability>, DomainError> {
    let found = load(db, Some(availability::Column::Id.eq(id))).await?;
    Ok(found.into_values().flatten().next())
}

/// Reads only the columns a record needs, named as `reads::rows`
/// decodes them.
async fn load(
    db: &impl ConnectionTrait,
    which: Option<sea_orm::sea_query::SimpleExpr>,
) -> Result<HashMap<Uuid, Vec<Availability>>, DomainError> {
    use availability::Column;
    let mut query = availability::Entity::find()
        .select_only()
        .column(Column::ArtistId)
        .column_as(Column::Id, "availability_id")
        .columns([Column::StartsAt, Column::EndsAt, Column::Note]);
    if let Some(which) = which {
        query = query.filter(which);
    }
    let statement = QueryTrait::build(
        &query
            .order_by_asc(Column::ArtistId)
            .order_by_asc(Column::StartsAt),
        db.get_database_backend(),
    );
    let rows = db.query_all_raw(statement).await?;
    group_by_artist(rows.iter().map(|row| {
        let artist_id: Uuid = row.try_get("", IdenStatic::as_str(&Column::ArtistId))?;
        match rows::availability(artist_id, row)? {
            Some(availability) => Ok((artist_id, availability)),
            None => Err(DomainError::internal("an availability without its id")),
        }
    }))
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
