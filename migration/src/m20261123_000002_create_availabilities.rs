use sea_orm_migration::prelude::*;

use crate::constraints::AVAILABILITY_RANGE_UNIQUE;
use crate::m20261123_000001_create_artists::Artists;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Availabilities {
    Table,
    Id,
    ArtistId,
    StartsAt,
    EndsAt,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Availabilities::Table)
                    .col(
                        ColumnDef::new(Availabilities::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Availabilities::ArtistId).uuid().not_null())
                    // Microseconds since the Unix epoch, UTC: sorts and compares
                    // the same on SQLite and PostgreSQL.
                    .col(
                        ColumnDef::new(Availabilities::StartsAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Availabilities::EndsAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Availabilities::Note).text().null())
                    .col(
                        ColumnDef::new(Availabilities::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Availabilities::UpdatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .check(
                        Expr::col(Availabilities::StartsAt).lt(Expr::col(Availabilities::EndsAt)),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_availabilities_artist")
                            .from(Availabilities::Table, Availabilities::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Also serves "availabilities of these artists, by start".
        manager
            .create_index(
                Index::create()
                    .name(AVAILABILITY_RANGE_UNIQUE)
                    .table(Availabilities::Table)
                    .col(Availabilities::ArtistId)
                    .col(Availabilities::StartsAt)
                    .col(Availabilities::EndsAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The `availableDuring` filter scans availabilities by time first.
        manager
            .create_index(
                Index::create()
                    .name("ix_availabilities_starts_at")
                    .table(Availabilities::Table)
                    .col(Availabilities::StartsAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Availabilities::Table).to_owned())
            .await
    }
}
