//! Point reads and list pages on a SQLite file, each on a thread of its
//! own that owns its connection.
//!
//! sqlx runs each SQLite connection on a thread of its own too, but passes
//! every statement and its rows through channels and decodes each value
//! through its own type machinery: for a read by primary key that costs
//! several times the read itself, and a list page's rows each cross a
//! channel and wake a task. Here a read is one job sent to a reader
//! thread (one per core), which runs the statement on its read-only
//! connection, decodes the rows there, and sends back the record: never on
//! an async worker thread, which it would hold for the read. Under load a
//! reader finds the next job queued and never sleeps between them.
//! (tokio's `spawn_blocking` did the same job at about half the rate: each
//! read woke a pooled thread, and the threads had to be bounded apart.)
//!
//! It does not wait for writers: in WAL mode, readers never do. The
//! connections have no busy handler, so a read SQLite refuses as busy
//! (another connection holding the file in exclusive mode, or recovering
//! it) goes at once to the pool, as does a read that finds its reader's
//! queue full. One wait remains, SQLite's own: a reader that meets the log
//! being restarted by a checkpoint retries a few times, sleeping
//! microseconds, before it gives up (then the pool runs it).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};

use rusqlite::types::Value as SqliteValue;
use rusqlite::{Connection, OpenFlags, Params, Rows};
use sea_orm::Value;

/// Reads queued for one reader at most: beyond, the pool serves them.
const QUEUED_PER_READER: usize = 256;
/// Statements each reader's connection keeps prepared: a list page's SQL
/// varies with its filters, order, direction and size, so the most used
/// stay prepared and the rest are prepared again when they come back (as
/// sqlx's pool does, with 100 per connection).
const STATEMENTS_KEPT: usize = 100;

/// Reader threads over one SQLite file, each with its connection. They
/// end when the last handle is dropped.
#[derive(Clone)]
pub struct SqliteReads {
    shared: Arc<Shared>,
}

struct Shared {
    readers: Vec<SyncSender<Job>>,
    /// Which reader the next read goes to: in turn, so the load spreads.
    next: AtomicUsize,
    /// Built statements (list pages) run so far.
    built_run: AtomicU64,
}

/// A read, as its reader runs it on its connection (`None` when the
/// connection could not open).
type Job = Box<dyn FnOnce(Option<&Connection>) + Send>;

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
    /// A built statement binds a kind of value this path does not bind:
    /// the pool can run it.
    #[error("a value of a kind SQLite reads in place do not bind: {0:?}")]
    Unbindable(Value),
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
        let path = options.get_filename().to_owned();
        let checked = open(&path).and_then(|connection| {
            for sql in statements {
                connection.prepare(sql)?;
            }
            Ok(())
        });
        if let Err(err) = checked {
            tracing::warn!(error = %err, "cannot read the SQLite file in place: the pool serves every read");
            return None;
        }
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let mut readers = Vec::with_capacity(cores);
        for n in 0..cores {
            let (sender, jobs) = mpsc::sync_channel::<Job>(QUEUED_PER_READER);
            let path = path.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("sqlite-reader-{n}"))
                .spawn(move || read_until_dropped(&path, &jobs));
            match spawned {
                Ok(_) => readers.push(sender),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot start a SQLite reader: the pool serves every read");
                    return None;
                }
            }
        }
        Some(Self {
            shared: Arc::new(Shared {
                readers,
                next: AtomicUsize::new(0),
                built_run: AtomicU64::new(0),
            }),
        })
    }

    /// Runs a statement built per request (a list page) on a reader's
    /// thread and hands its rows to `read` there.
    pub async fn query_built<T>(
        &self,
        statement: &sea_orm::Statement,
        read: impl FnOnce(&mut Rows<'_>) -> Result<T, SqliteReadError> + Send + 'static,
    ) -> Result<T, SqliteReadError>
    where
        T: Send + 'static,
    {
        let params = statement
            .values
            .iter()
            .flat_map(|values| &values.0)
            .map(|value| parameter(value).ok_or_else(|| SqliteReadError::Unbindable(value.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let read = self
            .query(
                statement.sql.clone(),
                rusqlite::params_from_iter(params),
                read,
            )
            .await;
        if !matches!(read, Err(SqliteReadError::Busy)) {
            self.shared.built_run.fetch_add(1, Ordering::Relaxed);
        }
        read
    }

    /// Built statements (list pages) run here so far (tests count them).
    pub fn built_run(&self) -> u64 {
        self.shared.built_run.load(Ordering::Relaxed)
    }

    /// Runs `sql` with `params` on a reader's thread and hands its rows to
    /// `read` there.
    pub async fn query<P, T>(
        &self,
        sql: impl AsRef<str> + Send + 'static,
        params: P,
        read: impl FnOnce(&mut Rows<'_>) -> Result<T, SqliteReadError> + Send + 'static,
    ) -> Result<T, SqliteReadError>
    where
        P: Params + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |connection| {
            let result = match connection {
                Some(connection) => query_on(connection, sql.as_ref(), params, read),
                None => Err(SqliteReadError::Busy),
            };
            // The request may be gone: nobody to tell then.
            let _ = answer.send(result);
        });
        let shared = &self.shared;
        let turn = shared.next.fetch_add(1, Ordering::Relaxed) % shared.readers.len();
        match shared.readers[turn].try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(SqliteReadError::Busy),
            Err(TrySendError::Disconnected(_)) => {
                tracing::warn!("a SQLite reader stopped; the pool serves its reads");
                return Err(SqliteReadError::Busy);
            }
        }
        // A reader that stopped drops the job unanswered: the pool runs it.
        answered.await.unwrap_or(Err(SqliteReadError::Busy))
    }
}

/// A reader's life: its connection, opened at its first read (and again
/// after a failure to open), and its jobs, until every handle is dropped.
fn read_until_dropped(path: &Path, jobs: &mpsc::Receiver<Job>) {
    let mut connection: Option<Connection> = None;
    while let Ok(job) = jobs.recv() {
        if connection.is_none() {
            connection = open(path)
                .inspect_err(|err| {
                    tracing::warn!(error = %err, "cannot open a SQLite read connection; the pool serves the read");
                })
                .ok();
        }
        job(connection.as_ref());
    }
}

/// One read on `connection`. A connection whose read failed is as sound as
/// any: SQLite ends a statement's read transaction when the statement is
/// reset, which dropping it does.
fn query_on<T>(
    connection: &Connection,
    sql: &str,
    params: impl Params,
    read: impl FnOnce(&mut Rows<'_>) -> Result<T, SqliteReadError>,
) -> Result<T, SqliteReadError> {
    let mut statement = connection.prepare_cached(sql)?;
    let mut rows = statement.query(params)?;
    read(&mut rows)
}

/// A built statement's value as SQLite takes it, as the pool's driver
/// binds it (a UUID as its 16 bytes); `None` for a kind no list page
/// binds.
fn parameter(value: &Value) -> Option<SqliteValue> {
    Some(match value {
        Value::BigInt(Some(v)) => SqliteValue::Integer(*v),
        Value::String(Some(v)) => SqliteValue::Text(v.clone()),
        Value::Uuid(Some(v)) => SqliteValue::Blob(v.as_bytes().to_vec()),
        Value::BigInt(None) | Value::String(None) | Value::Uuid(None) => SqliteValue::Null,
        _ => return None,
    })
}

fn open(path: &Path) -> Result<Connection, rusqlite::Error> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    // No busy handler (rusqlite sets one of 5 s): a read SQLite would make
    // wait goes to the pool.
    connection.busy_timeout(std::time::Duration::ZERO)?;
    connection.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
    Ok(connection)
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

    async fn sum(reads: &SqliteReads) -> Result<i64, SqliteReadError> {
        reads
            .query(SUM, [], |rows| match rows.next()? {
                Some(row) => Ok(row.get::<_, i64>(0)?),
                None => Ok(0),
            })
            .await
    }

    #[tokio::test]
    async fn a_built_statement_binds_as_the_pool_does_or_is_left_to_it() {
        let (_dir, url, _writer) = database();
        let reads = SqliteReads::of(&url, &[SUM]).unwrap_or_else(|| panic!("a file"));
        let id = uuid::Uuid::now_v7();
        let bound = sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Sqlite,
            "SELECT ? = x'00', ?, ?, length(?)",
            [
                Value::BigInt(None),
                Value::BigInt(Some(7)),
                Value::String(Some("seven".into())),
                Value::Uuid(Some(id)),
            ],
        );
        let read = reads
            .query_built(&bound, |rows| match rows.next()? {
                Some(row) => Ok((
                    row.get::<_, Option<bool>>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                )),
                None => Err(SqliteReadError::Busy),
            })
            .await;
        assert_eq!(
            read.ok(),
            Some((None, 7, "seven".to_owned(), 16)),
            "a UUID as its 16 bytes"
        );
        assert_eq!(reads.built_run(), 1);
        let unbindable = sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Sqlite,
            "SELECT ?",
            [Value::Bool(Some(true))],
        );
        let read = reads.query_built(&unbindable, |_| Ok(())).await;
        assert!(matches!(
            read,
            Err(SqliteReadError::Unbindable(Value::Bool(Some(true))))
        ));
        assert_eq!(reads.built_run(), 1, "nothing ran");
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

    #[tokio::test]
    async fn a_read_sqlite_would_make_wait_is_left_to_the_pool() {
        let (_dir, url, writer) = database();
        let reads = SqliteReads::of(&url, &[SUM]).unwrap_or_else(|| panic!("a file"));
        // A writer in exclusive mode keeps its lock after writing: readers
        // of the file are refused as busy until it lets go. (It can take
        // that lock only while no other connection has the file open: the
        // readers open theirs at their first read.)
        writer
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; INSERT INTO t VALUES (2);")
            .unwrap_or_else(|err| panic!("{err}"));
        assert!(matches!(sum(&reads).await, Err(SqliteReadError::Busy)));
        drop(writer);
        for _ in 0..reads.shared.readers.len() {
            assert_eq!(
                sum(&reads).await.ok(),
                Some(3),
                "and read in place once it does"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_reads_each_get_their_answer() {
        let (_dir, url, _writer) = database();
        let reads = SqliteReads::of(&url, &[SUM]).unwrap_or_else(|| panic!("a file"));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let reads = reads.clone();
                tokio::spawn(async move { sum(&reads).await.ok() })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.ok().flatten(), Some(1));
        }
    }

    #[tokio::test]
    async fn a_read_sees_what_another_connection_committed() {
        let (_dir, url, writer) = database();
        let reads = SqliteReads::of(&url, &[SUM]).unwrap_or_else(|| panic!("a file"));
        for _ in 0..reads.shared.readers.len() {
            assert_eq!(sum(&reads).await.ok(), Some(1));
        }
        writer
            .execute("INSERT INTO t VALUES (2)", [])
            .unwrap_or_else(|err| panic!("{err}"));
        for _ in 0..reads.shared.readers.len() {
            assert_eq!(
                sum(&reads).await.ok(),
                Some(3),
                "every reader's connection sees the commit"
            );
        }
    }
}
