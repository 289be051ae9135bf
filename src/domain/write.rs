//! Write transactions that stay correct under concurrent requests.

use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

use super::errors::DomainError;
use crate::entities::artist;

/// Starts a transaction that writes. On SQLite it takes the write lock at
/// BEGIN (IMMEDIATE): a deferred transaction that read first could not
/// upgrade to a writer while another one commits, and would fail instead of
/// waiting. On PostgreSQL, writers serialize on the artist row they lock.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DomainError> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?)
}

/// Locks the artist's row until the transaction ends (`FOR UPDATE`; SQLite
/// holds the whole database already), so that checks on the artist's
/// availabilities stay true until commit. NotFound when it does not exist.
pub async fn lock_artist(
    txn: &DatabaseTransaction,
    id: Uuid,
) -> Result<artist::Model, DomainError> {
    artist::Entity::find()
        .filter(artist::Column::Id.eq(id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| DomainError::not_found("Artist", id))
}
