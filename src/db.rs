//! Connecting to SQLite or PostgreSQL, and migrating.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// How long a SQLite writer waits for another to finish before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Rows the SQLite driver may read ahead of the code consuming them.
const SQLITE_ROW_BUFFER: usize = 4_096;

pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        if is_in_memory(url) {
            // Each in-memory connection is a database of its own: keep
            // exactly one, forever.
            options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        options.map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                // Without this, ON DELETE CASCADE silently does nothing.
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode, NORMAL loses nothing a committed transaction
                // wrote when the process dies; only an OS crash could.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                // The driver steps SQLite on a thread of its own and passes
                // rows through a bounded channel: room for a whole page of
                // availabilities keeps that thread from stalling and waking
                // the reader every few dozen rows.
                .row_buffer_size(SQLITE_ROW_BUFFER)
        });
    }
    Database::connect(options).await
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// How many migrations are not applied yet.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.len())
}
