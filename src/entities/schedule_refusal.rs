use sea_orm::entity::prelude::*;

/// An artist declined a slot: kept after the declined assignment goes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_refusals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub artist_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
