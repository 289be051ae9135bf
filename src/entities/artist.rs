use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "artists")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Lower-cased name: the sort and search key.
    pub name_key: String,
    pub email: Option<String>,
    /// Lower-cased email: unique, so emails are unique case-insensitively.
    pub email_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::availability::Entity")]
    Availabilities,
    #[sea_orm(has_many = "super::artist_skill::Entity")]
    Skills,
}

impl Related<super::availability::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Availabilities.def()
    }
}

impl Related<super::artist_skill::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Skills.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
