//! Kept schedules: a schedule, its slots, its assignments and the
//! refusals its artists gave.
//!
//! - A slot belongs to one schedule and is named by its key there.
//! - An assignment puts one artist on one slot, once; deleting the
//!   schedule, the slot or the artist removes it.
//! - A refusal outlives the assignment the artist declined: a re-plan must
//!   never give that slot back to them, even after someone removed the
//!   declined assignment by hand.
//! - `version` starts at 1 and grows by one with each change; the service
//!   takes the schedule's row first in every change, so changes to one
//!   schedule run one after the other.

use sea_orm_migration::prelude::*;

use crate::constraints::{SCHEDULE_ASSIGNMENT_UNIQUE, SCHEDULE_SLOT_KEY_UNIQUE};
use crate::m20261123_000001_create_artists::Artists;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Schedules {
    Table,
    Id,
    Name,
    Status,
    Version,
    MaxSlotsPerArtist,
    MinRestMinutes,
    /// Whether only the artists of `schedule_artists` are considered.
    ArtistsListed,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum ScheduleArtists {
    Table,
    ScheduleId,
    ArtistId,
}

#[derive(DeriveIden)]
enum ScheduleSlots {
    Table,
    Id,
    ScheduleId,
    Key,
    StartsAt,
    EndsAt,
    Positions,
    RequiredSkills,
    Label,
}

#[derive(DeriveIden)]
enum ScheduleAssignments {
    Table,
    Id,
    SlotId,
    ArtistId,
    Status,
    Pinned,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ScheduleRefusals {
    Table,
    SlotId,
    ArtistId,
}

/// A foreign key removing its rows with the row it points to.
pub(crate) fn cascading(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Schedules::Table)
                    .col(
                        ColumnDef::new(Schedules::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Schedules::Name).text().not_null())
                    .col(ColumnDef::new(Schedules::Status).text().not_null())
                    .col(ColumnDef::new(Schedules::Version).big_integer().not_null())
                    .col(
                        ColumnDef::new(Schedules::MaxSlotsPerArtist)
                            .integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Schedules::MinRestMinutes)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Schedules::ArtistsListed)
                            .boolean()
                            .not_null(),
                    )
                    // Microseconds since the Unix epoch, UTC, as elsewhere.
                    .col(
                        ColumnDef::new(Schedules::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Schedules::UpdatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Schedules::PublishedAt).big_integer().null())
                    .check(Expr::col(Schedules::Status).is_in(["DRAFT", "PUBLISHED"]))
                    .check(Expr::col(Schedules::Version).gte(1))
                    .check(Expr::col(Schedules::MinRestMinutes).gte(0))
                    .to_owned(),
            )
            .await?;
        // Most recently created first, by status or not.
        manager
            .create_index(
                Index::create()
                    .name("ix_schedules_created_at_id")
                    .table(Schedules::Table)
                    .col(Schedules::CreatedAt)
                    .col(Schedules::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ScheduleArtists::Table)
                    .col(
                        ColumnDef::new(ScheduleArtists::ScheduleId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ScheduleArtists::ArtistId).uuid().not_null())
                    .primary_key(
                        Index::create()
                            .col(ScheduleArtists::ScheduleId)
                            .col(ScheduleArtists::ArtistId),
                    )
                    .foreign_key(&mut cascading(
                        "fk_schedule_artists_schedule",
                        (ScheduleArtists::Table, ScheduleArtists::ScheduleId),
                        (Schedules::Table, Schedules::Id),
                    ))
                    .foreign_key(&mut cascading(
                        "fk_schedule_artists_artist",
                        (ScheduleArtists::Table, ScheduleArtists::ArtistId),
                        (Artists::Table, Artists::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_schedule_artists_artist")
                    .table(ScheduleArtists::Table)
                    .col(ScheduleArtists::ArtistId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ScheduleSlots::Table)
                    .col(
                        ColumnDef::new(ScheduleSlots::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ScheduleSlots::ScheduleId).uuid().not_null())
                    .col(ColumnDef::new(ScheduleSlots::Key).text().not_null())
                    .col(
                        ColumnDef::new(ScheduleSlots::StartsAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScheduleSlots::EndsAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScheduleSlots::Positions)
                            .integer()
                            .not_null(),
                    )
                    // A JSON array of normalized skill names: always read whole.
                    .col(
                        ColumnDef::new(ScheduleSlots::RequiredSkills)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ScheduleSlots::Label).text().null())
                    .check(Expr::col(ScheduleSlots::StartsAt).lt(Expr::col(ScheduleSlots::EndsAt)))
                    .check(Expr::col(ScheduleSlots::Positions).gte(0))
                    .foreign_key(&mut cascading(
                        "fk_schedule_slots_schedule",
                        (ScheduleSlots::Table, ScheduleSlots::ScheduleId),
                        (Schedules::Table, Schedules::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(SCHEDULE_SLOT_KEY_UNIQUE)
                    .table(ScheduleSlots::Table)
                    .col(ScheduleSlots::ScheduleId)
                    .col(ScheduleSlots::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ScheduleAssignments::Table)
                    .col(
                        ColumnDef::new(ScheduleAssignments::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ScheduleAssignments::SlotId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScheduleAssignments::ArtistId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScheduleAssignments::Status)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScheduleAssignments::Pinned)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScheduleAssignments::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .check(Expr::col(ScheduleAssignments::Status).is_in([
                        "PROPOSED",
                        "CONFIRMED",
                        "DECLINED",
                    ]))
                    .foreign_key(&mut cascading(
                        "fk_schedule_assignments_slot",
                        (ScheduleAssignments::Table, ScheduleAssignments::SlotId),
                        (ScheduleSlots::Table, ScheduleSlots::Id),
                    ))
                    .foreign_key(&mut cascading(
                        "fk_schedule_assignments_artist",
                        (ScheduleAssignments::Table, ScheduleAssignments::ArtistId),
                        (Artists::Table, Artists::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(SCHEDULE_ASSIGNMENT_UNIQUE)
                    .table(ScheduleAssignments::Table)
                    .col(ScheduleAssignments::SlotId)
                    .col(ScheduleAssignments::ArtistId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // An artist's assignments, when the artist goes.
        manager
            .create_index(
                Index::create()
                    .name("ix_schedule_assignments_artist")
                    .table(ScheduleAssignments::Table)
                    .col(ScheduleAssignments::ArtistId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ScheduleRefusals::Table)
                    .col(ColumnDef::new(ScheduleRefusals::SlotId).uuid().not_null())
                    .col(ColumnDef::new(ScheduleRefusals::ArtistId).uuid().not_null())
                    .primary_key(
                        Index::create()
                            .col(ScheduleRefusals::SlotId)
                            .col(ScheduleRefusals::ArtistId),
                    )
                    .foreign_key(&mut cascading(
                        "fk_schedule_refusals_slot",
                        (ScheduleRefusals::Table, ScheduleRefusals::SlotId),
                        (ScheduleSlots::Table, ScheduleSlots::Id),
                    ))
                    .foreign_key(&mut cascading(
                        "fk_schedule_refusals_artist",
                        (ScheduleRefusals::Table, ScheduleRefusals::ArtistId),
                        (Artists::Table, Artists::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_schedule_refusals_artist")
                    .table(ScheduleRefusals::Table)
                    .col(ScheduleRefusals::ArtistId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ScheduleRefusals::Table.into_iden(),
            ScheduleAssignments::Table.into_iden(),
            ScheduleSlots::Table.into_iden(),
            ScheduleArtists::Table.into_iden(),
            Schedules::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
