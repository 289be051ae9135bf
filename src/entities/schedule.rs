use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// `DRAFT` or `PUBLISHED`.
    pub status: String,
    /// 1 at creation, one more with each change.
    pub version: i64,
    pub max_slots_per_artist: Option<i32>,
    pub min_rest_minutes: i32,
    /// Only the artists of `schedule_artists` are considered; all when false.
    pub artists_listed: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::schedule_slot::Entity")]
    Slots,
}

impl Related<super::schedule_slot::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Slots.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
