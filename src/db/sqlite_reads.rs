//! Point reads on a SQLite file, run in place on the calling thread.
//!
//! sqlx runs each SQLite connection on a thread of its own and passes
//! every statement and its rows through channels: two thread wake-ups a
//! statement, which for a read by primary key cost several times the read
//! itself (docs/performance.md, "Point reads on SQLite"). Here the read
//! runs where the request is, on a connection of its own, opened read-only.
//!
//! Running SQLite on an async worker thread holds that thread for the
//! read: a read of one artist by its key takes some microseconds, less
//! than writing its JSON. It never waits either: in WAL mode, readers do
//! not wait for writers, and the connections have no busy timeout, so in
//! the rare cases SQLite would make a reader wait (a checkpoint resetting
//! the log just then), the read is refused at once and the pool, on its
//! own thread, runs it instead.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OpenFlags, Params, Rows};

/// Read-only connections to one SQLite file, each lent to one read at a
/// time. As reads never await, no more are open than threads read at
/// once.
#[derive(Clone)]
pub struct SqliteReads {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// Why a read did not run here.
#[derive(Debug, thiserror::Error)]
pub enum SqliteReadError {
    /// SQLite would have had the read wait: the pool can run it.
    #[error("SQLite is busy")]
    Busy,
    #[error(transparent)]
    Failed(rusqlite::Error),
    /// The caller could not make sense of a row.
    #[error("unreadable row")]
    Unreadable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<rusqlite::Error> for SqliteReadError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Self::Busy
            }
            _ => Self::Failed(err),
        }
    }
}

impl SqliteReads {
    /// Reads of the SQLite file at `url`, a pool's URL; `None` for an
    /// in-memory database, which each connection would see empty.
    pub fn of(url: &str) -> Option<Self> {
        if !url.starts_with("sqlite:") {
            return None;
        }
        let options: sea_orm::sqlx::sqlite::SqliteConnectOptions = url.parse().ok()?;
        let path = options.get_filename();
        if super::is_in_memory(url) || path.as_os_str().is_empty() {
            return None;
        }
        Some(Self {
            shared: Arc::new(Shared {
                path: path.to_owned(),
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Runs `sql` with `params` and hands its rows to `read`.
    pub fn query<T>(
        &self,
        sql: &str,
        params: impl Params,
        read: impl FnOnce(&mut Rows<'_>) -> Result<T, SqliteReadError>,
    ) -> Result<T, SqliteReadError> {
        let connection = match lock(&self.shared.idle).pop() {
            Some(connection) => connection,
            None => self.open()?,
        };
        let result = connection
            .prepare_cached(sql)
            .map_err(SqliteReadError::from)
            .and_then(|mut statement| {
                let mut rows = statement.query(params)?;
                read(&mut rows)
            });
        // A connection whose read failed is as sound as any: SQLite ends a
        // statement's read transaction when the statement is reset, which
        // dropping it does.
        lock(&self.shared.idle).push(connection);
        result
    }

    fn open(&self) -> Result<Connection, SqliteReadError> {
        let connection = Connection::open_with_flags(
            &self.shared.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        // No busy timeout: a read SQLite would make wait goes to the pool.
        connection.busy_timeout(std::time::Duration::ZERO)?;
        Ok(connection)
    }
}

/// A lock held only to take or return a connection: nothing under it can
/// panic, so a poisoned one holds a sound list.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_are_read_in_place() {
        assert!(SqliteReads::of("sqlite://coulisses.db?mode=rwc").is_some());
        assert!(SqliteReads::of("sqlite::memory:").is_none());
        assert!(SqliteReads::of("sqlite://file.db?mode=memory").is_none());
    }

    #[test]
    fn a_read_sees_what_another_connection_committed() {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
        let path = dir.path().join("reads.db");
        let writer = Connection::open(&path).unwrap_or_else(|err| panic!("{err}"));
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);",
            )
            .unwrap_or_else(|err| panic!("{err}"));
        let reads = SqliteReads::of(&format!("sqlite://{}", path.display()))
            .unwrap_or_else(|| panic!("a file"));
        let sum = |reads: &SqliteReads| {
            reads
                .query("SELECT sum(v) FROM t", [], |rows| match rows.next()? {
                    Some(row) => Ok(row.get::<_, i64>(0)?),
                    None => Ok(0),
                })
                .unwrap_or_else(|err| panic!("{err}"))
        };
        assert_eq!(sum(&reads), 1);
        writer
            .execute("INSERT INTO t VALUES (2)", [])
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(sum(&reads), 3, "the connection lent again sees the commit");
    }
}
