//! PostgreSQL keeps each artist's availabilities' times packed in one
//! `bytea`, `availability_spans`, in place of m20261124_000003's two
//! `bigint[]`: for each availability, in order of start, when it starts
//! then when it ends, each as 8 bytes, big-endian (`int8send`). The list
//! page reads it for every artist it shows, and sending an array costs the
//! server a call and an allocation per element, where a `bytea` is one
//! copy (docs/decisions/0001-times-kept-with-their-artist.md). Null for an
//! artist without availabilities. SQLite keeps its JSON text.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261124_000003_artist_times::POSTGRES_FUNCTIONS as ARRAY_FUNCTIONS;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An artist's times, packed, from its availabilities (`artists.id`):
/// what the trigger writes and what this migration fills in.
const PACKED: &str = "(SELECT string_agg(int8send(starts_at) || int8send(ends_at), \
     ''::bytea ORDER BY starts_at) FROM availabilities WHERE artist_id = artists.id)";

/// The same triggers' functions (m20261124_000003 says when they run and
/// why they lock), writing the packed times, then every artist's.
fn packed_functions() -> String {
    format!(
        r#"
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
    UPDATE artists SET availability_spans = {PACKED} WHERE id = ANY(touched);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION clear_artist_times() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE artists SET availability_spans = NULL WHERE availability_spans IS NOT NULL;
    RETURN NULL;
END
$$;
UPDATE artists SET availability_spans = {PACKED};
"#
    )
}

#[derive(DeriveIden)]
enum Artists {
    Table,
    AvailabilityStarts,
    AvailabilityEnds,
    AvailabilitySpans,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Artists::Table)
                    .add_column(ColumnDef::new(Artists::AvailabilitySpans).blob().null())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&packed_functions())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Artists::Table)
                    .drop_column(Artists::AvailabilityStarts)
                    .drop_column(Artists::AvailabilityEnds)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let mut arrays = Table::alter().table(Artists::Table).to_owned();
        for column in [Artists::AvailabilityStarts, Artists::AvailabilityEnds] {
            arrays.add_column(ColumnDef::new(column).array(ColumnType::BigInteger).null());
        }
        manager.alter_table(arrays).await?;
        manager
            .get_connection()
            .execute_unprepared(ARRAY_FUNCTIONS)
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Artists::Table)
                    .drop_column(Artists::AvailabilitySpans)
                    .to_owned(),
            )
            .await
    }
}
