use sea_orm::entity::prelude::*;

/// An event an artist's feed shows: one per assignment in a published
/// schedule, kept as CANCELLED for a while after the assignment goes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_events")]
pub struct Model {
    /// The assignment's ID: the event's UID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub artist_id: Uuid,
    pub schedule_id: Uuid,
    pub starts_at: i64,
    pub ends_at: i64,
    pub summary: String,
    pub status: String,
    pub sequence: i32,
    pub created_at: i64,
    pub last_modified: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
