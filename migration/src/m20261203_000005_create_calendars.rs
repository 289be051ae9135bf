//! Calendar feeds: each artist's secret feed (only a hash of its secret
//! is kept), and the events the feeds have shown, so that an event keeps
//! its UID (its assignment's ID), raises its SEQUENCE with every change,
//! and stays as CANCELLED for a while after its assignment goes.
//!
//! An event outlives its schedule and its assignment, so neither is a
//! foreign key; it goes with its artist.

use sea_orm_migration::prelude::*;

use crate::m20261123_000001_create_artists::Artists;
use crate::m20261203_000004_create_schedules::cascading;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    ArtistId,
    /// SHA-256 of the secret, in hex.
    SecretHash,
    IssuedAt,
}

#[derive(DeriveIden)]
enum CalendarEvents {
    Table,
    /// The assignment's ID: the event's UID.
    Id,
    ArtistId,
    ScheduleId,
    StartsAt,
    EndsAt,
    Summary,
    Status,
    Sequence,
    CreatedAt,
    LastModified,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(
                        ColumnDef::new(CalendarFeeds::ArtistId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CalendarFeeds::SecretHash).text().not_null())
                    .col(
                        ColumnDef::new(CalendarFeeds::IssuedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(&mut cascading(
                        "fk_calendar_feeds_artist",
                        (CalendarFeeds::Table, CalendarFeeds::ArtistId),
                        (Artists::Table, Artists::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_calendar_feeds_secret_hash")
                    .table(CalendarFeeds::Table)
                    .col(CalendarFeeds::SecretHash)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CalendarEvents::Table)
                    .col(
                        ColumnDef::new(CalendarEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CalendarEvents::ArtistId).uuid().not_null())
                    .col(ColumnDef::new(CalendarEvents::ScheduleId).uuid().not_null())
                    // Microseconds since the Unix epoch, UTC, as elsewhere.
                    .col(
                        ColumnDef::new(CalendarEvents::StartsAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CalendarEvents::EndsAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CalendarEvents::Summary).text().not_null())
                    .col(ColumnDef::new(CalendarEvents::Status).text().not_null())
                    .col(
                        ColumnDef::new(CalendarEvents::Sequence)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CalendarEvents::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CalendarEvents::LastModified)
                            .big_integer()
                            .not_null(),
                    )
                    .check(Expr::col(CalendarEvents::Status).is_in([
                        "TENTATIVE",
                        "CONFIRMED",
                        "CANCELLED",
                    ]))
                    .check(Expr::col(CalendarEvents::Sequence).gte(0))
                    .foreign_key(&mut cascading(
                        "fk_calendar_events_artist",
                        (CalendarEvents::Table, CalendarEvents::ArtistId),
                        (Artists::Table, Artists::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_calendar_events_artist", CalendarEvents::ArtistId),
            ("ix_calendar_events_schedule", CalendarEvents::ScheduleId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(CalendarEvents::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CalendarFeeds::Table).to_owned())
            .await
    }
}
