//! Artists: create, update, delete, get, and the batch loads behind the
//! GraphQL DataLoaders and the planner.

use std::collections::HashMap;

use migration::constraints::ARTIST_EMAIL_UNIQUE;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::errors::{DomainError, violates};
use super::records::{Artist, ArtistChanges, ArtistDetails, NewArtist, NewIds, Patch};
use super::validation::{self, Violations};
use super::{availabilities, time, write};
use crate::entities::{artist, artist_skill};

pub async fn get(db: &DatabaseConnection, id: Uuid) -> Result<Option<Artist>, DomainError> {
    artist::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Artist::try_from)
        .transpose()
}

/// The artists with these IDs that exist, in no particular order.
pub async fn get_many(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Artist>, DomainError> {
    artist::Entity::find()
        .filter(artist::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(Artist::try_from)
        .collect()
}

/// Normalized skills per artist, sorted; one statement for any number.
pub async fn skills_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, DomainError> {
    let rows = artist_skill::Entity::find()
        .filter(artist_skill::Column::ArtistId.is_in(ids.iter().copied()))
        .order_by_asc(artist_skill::Column::ArtistId)
        .order_by_asc(artist_skill::Column::Skill)
        .all(db)
        .await?;
    Ok(group_skills(rows))
}

fn group_skills(rows: Vec<artist_skill::Model>) -> HashMap<Uuid, Vec<String>> {
    let mut skills: HashMap<Uuid, Vec<String>> = HashMap::new();
    for row in rows {
        skills.entry(row.artist_id).or_default().push(row.skill);
    }
    skills
}

/// Artists with skills and availabilities, in three statements whatever
/// their number: all artists when `ids` is None. Sorted by id.
pub async fn load_details(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
) -> Result<Vec<ArtistDetails>, DomainError> {
    let (artists, mut skills, mut availabilities) = match ids {
        Some(ids) => (
            get_many(db, ids).await?,
            skills_of(db, ids).await?,
            availabilities::of_artists(db, ids).await?,
        ),
        None => (
            artist::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(Artist::try_from)
                .collect::<Result<Vec<_>, _>>()?,
            group_skills(artist_skill::Entity::find().all(db).await?),
            availabilities::of_all_artists(db).await?,
        ),
    };
    let mut details: Vec<ArtistDetails> = artists
        .into_iter()
        .map(|artist| ArtistDetails {
            skills: skills.remove(&artist.id).unwrap_or_default(),
            availabilities: availabilities.remove(&artist.id).unwrap_or_default(),
            artist,
        })
        .collect();
    details.sort_by_key(|d| d.artist.id);
    Ok(details)
}

pub async fn create(db: &DatabaseConnection, input: NewArtist) -> Result<Artist, DomainError> {
    let ids = NewIds {
        artist: Uuid::now_v7(),
        availabilities: input
            .availabilities
            .iter()
            .map(|_| Uuid::now_v7())
            .collect(),
    };
    create_with_ids(db, ids, input).await
}

/// As `create`, every rule included, but under IDs the caller chose: for
/// records that must be the same in every database, such as the demo data
/// set (`crate::demo`). Its IDs are named by the documented examples, so
/// that they paste into GraphiQL as they are, and the planner breaks ties
/// on artist IDs, so only fixed IDs give the same demo planning on every
/// run. The caller must choose IDs that no record has: one taken already
/// makes the write fail.
pub async fn create_with_ids(
    db: &DatabaseConnection,
    ids: NewIds,
    input: NewArtist,
) -> Result<Artist, DomainError> {
    // Every field named, so that one added to `NewArtist` is not forgotten.
    let NewArtist {
        name,
        email,
        skills,
        availabilities,
    } = input;
    if ids.availabilities.len() != availabilities.len() {
        return Err(DomainError::internal(format!(
            "{} availability IDs for {} availabilities",
            ids.availabilities.len(),
            availabilities.len()
        )));
    }
    let mut violations = Violations::default();
    let name = validation::name(&name, "name", &mut violations);
    let email = validation::email(email.as_deref(), "email", &mut violations);
    let skills = validation::skills(&skills, "skills", &mut violations);
    let new_availabilities =
        validation::availability_list(&availabilities, "availabilities", &mut violations);
    violations.finish()?;

    let email_key = email.as_deref().map(validation::email_key);
    let now = time::now();
    let artist = Artist {
        id: ids.artist,
        name,
        email,
        created_at: now,
        updated_at: now,
    };

    let txn = write::begin(db).await?;
    if let Some(key) = &email_key
        && let Some(owner) = email_owner(&txn, key, None).await?
    {
        return Err(email_conflict(Some(owner)));
    }
    let inserted = artist::Entity::insert(artist::ActiveModel {
        id: Set(artist.id),
        name: Set(artist.name.clone()),
        name_key: Set(validation::name_key(&artist.name)),
        email: Set(artist.email.clone()),
        email_key: Set(email_key.clone()),
        created_at: Set(time::to_micros(now)),
        updated_at: Set(time::to_micros(now)),
    })
    .exec_without_returning(&txn)
    .await;
    if let Err(err) = inserted {
        drop(txn);
        return Err(email_race(db, err, email_key.as_deref()).await);
    }
    replace_skills(&txn, artist.id, &skills).await?;
    availabilities::insert_all(
        &txn,
        artist.id,
        &new_availabilities,
        ids.availabilities.into_iter(),
    )
    .await?;
    txn.commit().await?;
    Ok(artist)
}

pub async fn update(
    db: &DatabaseConnection,
    id: Uuid,
    changes: ArtistChanges,
) -> Result<Artist, DomainError> {
    // Every field named, so that one added to `ArtistChanges` is not
    // forgotten.
    let ArtistChanges {
        name,
        email,
        skills,
    } = changes;
    let mut violations = Violations::default();
    let name = match &name {
        Patch::Unchanged => None,
        Patch::Clear => {
            violations.add("name", "must not be null");
            None
        }
        Patch::Set(raw) => Some(validation::name(raw, "name", &mut violations)),
    };
    let email = match &email {
        Patch::Unchanged => None,
        Patch::Clear => Some(None),
        Patch::Set(raw) => Some(validation::email(Some(raw), "email", &mut violations)),
    };
    let skills = match &skills {
        Patch::Unchanged => None,
        Patch::Clear => Some(Vec::new()),
        Patch::Set(raw) => Some(validation::skills(raw, "skills", &mut violations)),
    };
    violations.finish()?;

    let txn = write::begin(db).await?;
    let current = write::lock_artist(&txn, id).await?;
    let now = time::now();
    let mut row = artist::ActiveModel {
        id: Set(id),
        updated_at: Set(time::to_micros(now)),
        ..Default::default()
    };
    let mut updated = Artist::try_from(current)?;
    updated.updated_at = now;
    if let Some(name) = name {
        row.name_key = Set(validation::name_key(&name));
        row.name = Set(name.clone());
        updated.name = name;
    }
    let mut new_email_key = None;
    if let Some(email) = email {
        let key = email.as_deref().map(validation::email_key);
        if let Some(key) = &key
            && let Some(owner) = email_owner(&txn, key, Some(id)).await?
        {
            return Err(email_conflict(Some(owner)));
        }
        row.email = Set(email.clone());
        row.email_key = Set(key.clone());
        updated.email = email;
        new_email_key = key;
    }
    if let Err(err) = artist::Entity::update(row).exec(&txn).await {
        drop(txn);
        return Err(email_race(db, err, new_email_key.as_deref()).await);
    }
    if let Some(skills) = skills {
        replace_skills(&txn, id, &skills).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Deletes the artist, with their skills, availabilities and schedule
/// assignments (ON DELETE CASCADE); the schedules that held them change
/// version in the same transaction.
pub async fn delete(
    db: &DatabaseConnection,
    live: &super::schedules::Live,
    id: Uuid,
) -> Result<(), DomainError> {
    let txn = write::begin(db).await?;
    let changed = super::schedules::artist_leaves(&txn, id).await?;
    let result = artist::Entity::delete_by_id(id).exec(&txn).await?;
    if result.rows_affected == 0 {
        // Rolled back: no schedule held an artist that does not exist.
        return Err(DomainError::not_found("Artist", id));
    }
    live.commit(txn, &changed).await
}

/// Deletes every artist, with their skills and availabilities (ON DELETE
/// CASCADE); returns how many there were. Only `seed --demo --force` does
/// this: the API deletes one artist at a time.
pub async fn delete_all(db: &DatabaseConnection) -> Result<u64, DomainError> {
    Ok(artist::Entity::delete_many().exec(db).await?.rows_affected)
}

async fn replace_skills(
    conn: &impl ConnectionTrait,
    artist_id: Uuid,
    skills: &[String],
) -> Result<(), DomainError> {
    artist_skill::Entity::delete_many()
        .filter(artist_skill::Column::ArtistId.eq(artist_id))
        .exec(conn)
        .await?;
    if skills.is_empty() {
        return Ok(());
    }
    artist_skill::Entity::insert_many(skills.iter().map(|skill| artist_skill::ActiveModel {
        artist_id: Set(artist_id),
        skill: Set(skill.clone()),
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

async fn email_owner(
    conn: &impl ConnectionTrait,
    email_key: &str,
    except: Option<Uuid>,
) -> Result<Option<Uuid>, DomainError> {
    let mut query = artist::Entity::find()
        .select_only()
        .column(artist::Column::Id)
        .filter(artist::Column::EmailKey.eq(email_key));
    if let Some(except) = except {
        query = query.filter(artist::Column::Id.ne(except));
    }
    Ok(query.into_tuple::<Uuid>().one(conn).await?)
}

fn email_conflict(owner: Option<Uuid>) -> DomainError {
    DomainError::Conflict {
        field: Some("email".into()),
        conflicting_id: owner,
        message: "this email is already used by another artist".into(),
    }
}

/// A write that lost the race for an email to a concurrent one: the unique
/// index caught it, so report the winner as the conflict.
async fn email_race(
    db: &DatabaseConnection,
    err: sea_orm::DbErr,
    email_key: Option<&str>,
) -> DomainError {
    match email_key {
        Some(key) if violates(&err, ARTIST_EMAIL_UNIQUE) => {
            match email_owner(db, key, None).await {
                Ok(owner) => email_conflict(owner),
                Err(lookup) => lookup,
            }
        }
        _ => err.into(),
    }
}
