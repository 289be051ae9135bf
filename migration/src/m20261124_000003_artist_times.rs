//! Each artist's availabilities' times, kept in its own row: a list page
//! reads its artists' rows and nothing else, where aggregating each
//! artist's availabilities as the page was read cost most of the page's
//! time on the server (docs/performance.md, "Times kept with their
//! artist").
//!
//! Triggers keep them, in the transaction of every write to
//! availabilities, whoever writes: the service, a cascade from a deleted
//! artist, or an operator's SQL. Neither engine keeps them sorted (an
//! aggregate sorts at a cost); readers sort an artist's few times.
//!
//! - PostgreSQL: `availability_starts` and `availability_ends`, two
//!   `bigint[]` aggregated from the same rows in the same order, so they
//!   pair up; null for an artist without availabilities. (m20261204_000006
//!   packs them into one `bytea`.)
//! - SQLite (no arrays): `availability_times`, a JSON text of `[starts_at,
//!   ends_at]` pairs; null or `[]` without availabilities. (`INSERT OR
//!   REPLACE` deletes the row it replaces without firing delete triggers:
//!   the service never writes so.)

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// PostgreSQL: after each statement that writes availabilities, the
/// times of the artists its rows belonged to or belong to, written again
/// from their availabilities: once per artist and statement, so creating
/// an artist with ten availabilities refreshes it once. (A transition
/// table lists the statement's rows; PostgreSQL allows none on a trigger
/// for several events, hence three triggers, nor with a column list, so
/// an update of notes alone refreshes its artists too.) The artists' rows are
/// locked first, in id order and in a statement of their own: the
/// aggregate, a later statement, then sees every write committed before
/// the locks were granted (in READ COMMITTED, each statement sees what
/// was committed when it starts). `NO KEY UPDATE`, the lock the `UPDATE`
/// takes anyway, does not conflict with the key-share lock the foreign
/// key check took on the same row. A writer that locked the artist
/// itself, as the service does, already holds a stronger lock. TRUNCATE,
/// which fires no such trigger, clears every artist's times.
/// The functions, then every artist's times written from its
/// availabilities. m20261204_000006 replaces both functions; its `down`
/// brings these back.
pub(crate) const POSTGRES_FUNCTIONS: &str = r#"
CREATE OR REPLACE FUNCTION refresh_artist_times() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    touched uuid[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT artist_id) INTO touched
        FROM (SELECT artist_id FROM written UNION ALL SELECT artist_id FROM replaced) AS rows;
    ELSE
        SELECT array_agg(DISTINCT artist_id) INTO touched FROM written;
    END IF;
    PERFORM 1 FROM artists WHERE id = ANY(touched) ORDER BY id FOR NO KEY UPDATE;
    UPDATE artists
    SET (availability_starts, availability_ends) = (
        SELECT array_agg(starts_at), array_agg(ends_at)
        FROM availabilities WHERE artist_id = artists.id
    )
    WHERE id = ANY(touched);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION clear_artist_times() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE artists SET availability_starts = NULL, availability_ends = NULL
    WHERE availability_starts IS NOT NULL;
    RETURN NULL;
END
$$;
UPDATE artists SET (availability_starts, availability_ends) = (
    SELECT array_agg(starts_at), array_agg(ends_at)
    FROM availabilities WHERE artist_id = artists.id
);
"#;

/// The triggers that call them.
const POSTGRES_TRIGGERS: &str = r#"
CREATE TRIGGER availabilities_insert_artist_times
AFTER INSERT ON availabilities REFERENCING NEW TABLE AS written
FOR EACH STATEMENT EXECUTE FUNCTION refresh_artist_times();
CREATE TRIGGER availabilities_delete_artist_times
AFTER DELETE ON availabilities REFERENCING OLD TABLE AS written
FOR EACH STATEMENT EXECUTE FUNCTION refresh_artist_times();
CREATE TRIGGER availabilities_update_artist_times
AFTER UPDATE ON availabilities REFERENCING OLD TABLE AS replaced NEW TABLE AS written
FOR EACH STATEMENT EXECUTE FUNCTION refresh_artist_times();
CREATE TRIGGER availabilities_truncate_artist_times
AFTER TRUNCATE ON availabilities
FOR EACH STATEMENT EXECUTE FUNCTION clear_artist_times();
"#;

/// SQLite: the JSON of an artist's times, `{artist}` standing for the
/// artist's id.
const SQLITE_TIMES: &str = "(SELECT json_group_array(json_array(starts_at, ends_at)) \
     FROM availabilities WHERE artist_id = {artist})";

#[derive(DeriveIden)]
enum Artists {
    Table,
    AvailabilityStarts,
    AvailabilityEnds,
    AvailabilityTimes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            for column in [Artists::AvailabilityStarts, Artists::AvailabilityEnds] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Artists::Table)
                            .add_column(ColumnDef::new(column).array(ColumnType::BigInteger).null())
                            .to_owned(),
                    )
                    .await?;
            }
            db.execute_unprepared(POSTGRES_FUNCTIONS).await?;
            db.execute_unprepared(POSTGRES_TRIGGERS).await?;
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Artists::Table)
                    .add_column(ColumnDef::new(Artists::AvailabilityTimes).text().null())
                    .to_owned(),
            )
            .await?;
        let times = |artist: &str| SQLITE_TIMES.replace("{artist}", artist);
        let (new, old) = (times("NEW.artist_id"), times("OLD.artist_id"));
        db.execute_unprepared(&format!(
            "CREATE TRIGGER availabilities_insert_artist_times AFTER INSERT ON availabilities \
             BEGIN UPDATE artists SET availability_times = {new} WHERE id = NEW.artist_id; END;
             CREATE TRIGGER availabilities_delete_artist_times AFTER DELETE ON availabilities \
             BEGIN UPDATE artists SET availability_times = {old} WHERE id = OLD.artist_id; END;
             CREATE TRIGGER availabilities_update_artist_times \
             AFTER UPDATE OF artist_id, starts_at, ends_at ON availabilities BEGIN \
             UPDATE artists SET availability_times = {new} WHERE id = NEW.artist_id; \
             UPDATE artists SET availability_times = {old} \
             WHERE id = OLD.artist_id AND OLD.artist_id <> NEW.artist_id; END;
             UPDATE artists SET availability_times = {};",
            times("artists.id")
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let columns = if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "DROP TRIGGER availabilities_insert_artist_times ON availabilities; \
                 DROP TRIGGER availabilities_delete_artist_times ON availabilities; \
                 DROP TRIGGER availabilities_update_artist_times ON availabilities; \
                 DROP FUNCTION refresh_artist_times(); \
                 DROP TRIGGER availabilities_truncate_artist_times ON availabilities; \
                 DROP FUNCTION clear_artist_times();",
            )
            .await?;
            vec![Artists::AvailabilityStarts, Artists::AvailabilityEnds]
        } else {
            db.execute_unprepared(
                "DROP TRIGGER availabilities_insert_artist_times; \
                 DROP TRIGGER availabilities_delete_artist_times; \
                 DROP TRIGGER availabilities_update_artist_times;",
            )
            .await?;
            vec![Artists::AvailabilityTimes]
        };
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Artists::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
