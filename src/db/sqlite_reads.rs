//! Point reads on a SQLite file, on tokio's blocking threads.
//!
//! sqlx runs each SQLite connection on a thread of its own and passes
//! every statement and its rows through channels, and decodes each value
//! through its own type machinery: for a read by primary key that costs
//! several times the read itself. Here the read runs on one of tokio's
//! blocking threads (never on an async worker thread, which it would hold
//! for the read), on a connection of its own, opened read-only.
//!
//! It does not wait for writers: in WAL mode, readers never do. The
//! connections have no busy handler, so a read SQLite refuses as busy
//! (another connection holding the file in exclusive mode, or recovering
//! it) goes at once to the pool. One wait remains, SQLite's own: a reader
//! that meets the log being restarted by a checkpoint retries a few times,
//! sleeping microseconds, before it gives up (then the pool runs it).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OpenFlags, Params, Rows};

/// Read-only connections to one SQLite file, each lent to one read at a
/// time. At most as many reads run at once as the machine has cores (the
/// rest wait their turn without holding a thread), so no more
/// connections open than that.
#[derive(Clone)]
pub struct SqliteReads {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    turns: tokio::sync::Semaphore,
}

/// Why a read did not run here.
#[derive(Debug, thiserror::Error)]
pub enum SqliteReadError {
    /// SQLite would have had the read wait, or no connection could open:
    /// the pool can run it.
    #[error("SQLite is busy")]
    Busy,
    #[error(transparent)]
    Failed(rusqlite::Error),
    /// The caller could not make sense of a row (the caller's error,
    /// whatever its type).
    #[error("unreadable row")]
    Unreadable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<rusqlite::Error> for SqliteReadError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            // SQLITE_PROTOCOL: a reader's retries on a log being restarted
            // ran out.
            Some(
                rusqlite::ErrorCode::DatabaseBusy
                | rusqlite::ErrorCode::DatabaseLocked
                | rusqlite::ErrorCode::FileLockingProtocolFailed,
            ) => Self::Busy,
            _ => Self::Failed(err),
        }
    }
}

impl SqliteReads {
    /// Reads of the SQLite file at `url`, a pool's URL, with `statements`
    /// checked by preparing them on a first connection. `None` for an
    /// in-memory database, which each connection would see empty, and
    /// (logged) when the file cannot be read so: the pool serves then.
    /// Call it once the pool has created and migrated the file.
    pub fn of(url: &str, statements: &[&str]) -> Option<Self> {
        if !url.starts_with("sqlite:") || super::is_in_memory(url) {
            return None;
        }
        let options: sea_orm::sqlx::sqlite::SqliteConnectOptions = url.parse().ok()?;
        let reads = Self {
            shared: Arc::new(Shared {
                path: options.get_filename().to_owned(),
                idle: Mutex::new(Vec::new()),
                turns: tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
                ),
            }),
        };
        let checked = reads.open().and_then(|connection| {
            for sql in statements {
                connection.prepare_cached(sql)?;
            }
            Ok(connection)
        });
        match checked {
            Ok(connection) => {
                lock(&reads.shared.idle).push(connection);
                Some(reads)
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the SQLite file in place: the pool serves every read");
                None
            }
        }
    }

    /// Runs `sql` with `params` on a blocking thread and hands its rows
    /// to `read` there.
    pub async fn query<P, T>(
        &self,
        sql: &'static str,
        params: P,
        read: impl FnOnce(&mut Rows<'_>) -> Result<T, SqliteReadError> + Send + 'static,
    ) -> Result<T, SqliteReadError>
    where
        P: Params + Send + 'static,
        T: Send + 'static,
    {
        // The semaphore is never closed.
        let Ok(_turn) = self.shared.turns.acquire().await else {
            return Err(SqliteReadError::Busy);
        };
        let reads = self.clone();
        match tokio::task::spawn_blocking(move || reads.query_here(sql, params, read)).await {
            Ok(result) => result,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            // The runtime is shutting down: the pool says so in its turn.
            Err(_) => Err(SqliteReadError::Busy),
        }
    }

    /// The read, on the calling thread.
    fn query_here<T>(
        &self,
        sql: &str,
        params: impl Params,
        read: impl FnOnce(&mut Rows<'_>) -> Result<T, SqliteReadError>,
    ) -> Result<T, SqliteReadError> {
        // Taken apart from the match, so that the lock is not held while
        // a connection opens.
        let idle = lock(&self.shared.idle).pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.open().map_err(|err| {
                tracing::warn!(error = %err, "cannot open a SQLite read connection; the pool serves the read");
                SqliteReadError::Busy
            })?,
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

    fn open(&self) -> Result<Connection, rusqlite::Error> {
        let connection = Connection::open_with_flags(
            &self.shared.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        // No busy handler (rusqlite sets one of 5 s): a read SQLite would
        // make wait goes to the pool.
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

    /// A WAL file with one table `t` of one row (1), and its writer.
    fn database() -> (tempfile::TempDir, String, Connection) {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
        let path = dir.path().join("reads.db");
        let writer = Connection::open(&path).unwrap_or_else(|err| panic!("{err}"));
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);",
            )
            .unwrap_or_else(|err| panic!("{err}"));
        let url = format!("sqlite://{}", path.display());
        (dir, url, writer)
    }

    const SUM: &str = "SELECT sum(v) FROM t";

    fn sum(reads: &SqliteReads) -> Result<i64, SqliteReadError> {
        reads.query_here(SUM, [], |rows| match rows.next()? {
            Some(row) => Ok(row.get::<_, i64>(0)?),
            None => Ok(0),
        })
    }

    #[test]
    fn only_files_that_read_so_are_read_in_place() {
        let (_dir, url, _writer) = database();
        assert!(SqliteReads::of(&url, &[SUM]).is_some());
        assert!(SqliteReads::of("sqlite::memory:", &[SUM]).is_none());
        assert!(SqliteReads::of("sqlite://file.db?mode=memory", &[SUM]).is_none());
        assert!(SqliteReads::of("sqlite:///nowhere/at/all.db", &[SUM]).is_none());
        assert!(
            SqliteReads::of(&url, &["SELECT v FROM no_such_table"]).is_none(),
            "a statement the file cannot run"
        );
    }

    #[test]
    fn a_read_sqlite_would_make_wait_is_left_to_the_pool() {
        let (_dir, url, writer) = database();
        let reads = SqliteReads::of(&url, &[SUM]).unwrap_or_else(|| panic!("a file"));
        // A writer in exclusive mode keeps its lock after writing: readers
        // of the file are refused as busy until it lets go. (It can take
        // that lock only while no other connection has the file open.)
        lock(&reads.shared.idle).clear();
        writer
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; INSERT INTO t VALUES (2);")
            .unwrap_or_else(|err| panic!("{err}"));
        assert!(matches!(sum(&reads), Err(SqliteReadError::Busy)));
        drop(writer);
        assert_eq!(sum(&reads).ok(), Some(3), "and read in place once it does");
    }

    #[test]
    fn reads_on_several_threads_each_get_a_connection() {
        let (_dir, url, _writer) = database();
        let reads = SqliteReads::of(&url, &[SUM]).unwrap_or_else(|| panic!("a file"));
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..200 {
                        assert_eq!(sum(&reads).ok(), Some(1));
                    }
                });
            }
        });
        let opened = lock(&reads.shared.idle).len();
        assert!((1..=4).contains(&opened), "{opened} connections");
    }

    #[test]
    fn a_read_sees_what_another_connection_committed() {
        let (_dir, url, writer) = database();
        let reads = SqliteReads::of(&url, &[SUM]).unwrap_or_else(|| panic!("a file"));
        assert_eq!(sum(&reads).ok(), Some(1));
        writer
            .execute("INSERT INTO t VALUES (2)", [])
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            sum(&reads).ok(),
            Some(3),
            "the connection lent again sees the commit"
        );
    }
}
