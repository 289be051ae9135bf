use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_assignments")]
pub struct Model {
    /// Stable while the same artist keeps the same slot.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub slot_id: Uuid,
    pub artist_id: Uuid,
    /// `PROPOSED`, `CONFIRMED` or `DECLINED`.
    pub status: String,
    pub pinned: bool,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
