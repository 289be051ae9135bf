//! Write transactions that stay correct under concurrent requests.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
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

/// Rows per INSERT, and IDs per IN list: far below SQLite's 32,766 bound
/// parameters and PostgreSQL's 65,535 for the widest row (ten columns),
/// whatever the number of rows.
pub(crate) const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts `rows`, a statement per `ROWS_PER_STATEMENT`.
pub(crate) async fn insert_all<A>(
    txn: &impl ConnectionTrait,
    rows: Vec<A>,
) -> Result<(), DomainError>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
