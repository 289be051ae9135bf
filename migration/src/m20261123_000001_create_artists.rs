use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::constraints::ARTIST_EMAIL_UNIQUE;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Artists {
    Table,
    Id,
    Name,
    NameKey,
    Email,
    EmailKey,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ArtistSkills {
    Table,
    ArtistId,
    Skill,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Sort keys compare byte-wise on both engines, so keyset cursors and
        // orderings are the same whichever database serves them.
        let mut name_key = ColumnDef::new(Artists::NameKey);
        name_key.text().not_null();
        if manager.get_database_backend() == DbBackend::Postgres {
            name_key.extra("COLLATE \"C\"");
        }

        manager
            .create_table(
                Table::create()
                    .table(Artists::Table)
                    .col(ColumnDef::new(Artists::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Artists::Name).text().not_null())
                    .col(&mut name_key)
                    .col(ColumnDef::new(Artists::Email).text().null())
                    .col(ColumnDef::new(Artists::EmailKey).text().null())
                    .col(ColumnDef::new(Artists::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Artists::UpdatedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ARTIST_EMAIL_UNIQUE)
                    .table(Artists::Table)
                    .col(Artists::EmailKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_artists_name_key_id")
                    .table(Artists::Table)
                    .col(Artists::NameKey)
                    .col(Artists::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_artists_created_at_id")
                    .table(Artists::Table)
                    .col(Artists::CreatedAt)
                    .col(Artists::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ArtistSkills::Table)
                    .col(ColumnDef::new(ArtistSkills::ArtistId).uuid().not_null())
                    .col(ColumnDef::new(ArtistSkills::Skill).text().not_null())
                    .primary_key(
                        Index::create()
                            .col(ArtistSkills::ArtistId)
                            .col(ArtistSkills::Skill),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_artist_skills_artist")
                            .from(ArtistSkills::Table, ArtistSkills::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // "Has all these skills" starts from the skill.
        manager
            .create_index(
                Index::create()
                    .name("ix_artist_skills_skill_artist")
                    .table(ArtistSkills::Table)
                    .col(ArtistSkills::Skill)
                    .col(ArtistSkills::ArtistId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArtistSkills::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Artists::Table).to_owned())
            .await
    }
}
