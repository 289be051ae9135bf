//! Connecting to SQLite or PostgreSQL, and migrating.

mod open_error;
mod pipelined;
mod sqlite_reads;
mod tls;

pub use open_error::{CONNECT_PATIENCE, OpenError, STARTING_PATIENCE, sqlite_file as file_error};

pub use pipelined::{PAGE_READS_NAME, POINT_READS_NAME};
pub(crate) use pipelined::{PipelinedReads, ReadError, Unavailable};
pub(crate) use sqlite_reads::{SqliteReadError, SqliteReads};

use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx;
use sea_orm::sqlx::error::DatabaseError;
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    self as orm, ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, RuntimeErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// How the service's PostgreSQL sessions set `random_page_cost`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PageCost {
    /// Keep the server's (or the role's, or the database's) setting.
    Server,
    Session(f64),
}

impl Default for PageCost {
    /// The usual value for SSDs; see docs/deployment.md.
    fn default() -> Self {
        Self::Session(1.1)
    }
}

/// How long a SQLite writer waits for another to finish before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A pooled connection idle longer than this is pinged before it is lent
/// out, to find one the server or a firewall dropped meanwhile. Pinging
/// every connection on every checkout (sqlx's default) cost a round trip
/// per statement: about a third of a PostgreSQL read's time in the service.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Rows the SQLite driver may read ahead of the code consuming them.
const SQLITE_ROW_BUFFER: usize = 4_096;

/// The database as requests reach it: the pool, and the faster ways the
/// engine allows for the hottest reads.
#[derive(Clone)]
pub(crate) struct Database {
    pub pool: DatabaseConnection,
    /// Reads by primary key (the single artist).
    pub point_reads: Option<ReadConnections>,
    /// List pages: on PostgreSQL pipelined on sessions of their own, so
    /// that a page, which keeps the server longer, never holds up a point
    /// read queued behind it; on a SQLite file, by the same reader threads
    /// as point reads.
    pub page_reads: Option<ReadConnections>,
}

/// Connections of their own that serve some reads instead of the pool.
#[derive(Clone)]
pub(crate) enum ReadConnections {
    /// PostgreSQL: sessions shared by concurrent reads (`pipelined`).
    Pipelined(PipelinedReads),
    /// A SQLite file: read in place (`sqlite_reads`).
    Sqlite(SqliteReads),
}

impl ReadConnections {
    /// Statements run so far on pipelined sessions.
    fn pipelined_statements(&self) -> u64 {
        match self {
            Self::Pipelined(pipelined) => pipelined.statements_run(),
            Self::Sqlite(_) => 0,
        }
    }
}

impl Database {
    pub fn backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    /// Statements run so far beside the pool, on pipelined sessions: with
    /// the pool's, what requests cost (tests count them).
    pub fn pipelined_statements(&self) -> u64 {
        [&self.point_reads, &self.page_reads]
            .into_iter()
            .flatten()
            .map(ReadConnections::pipelined_statements)
            .sum()
    }
}

impl From<DatabaseConnection> for Database {
    /// The pool alone: every statement goes through it.
    fn from(pool: DatabaseConnection) -> Self {
        Self {
            pool,
            point_reads: None,
            page_reads: None,
        }
    }
}

/// Connects with the default session settings (see `connect_with`).
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, OpenError> {
    connect_with(url, max_connections, PageCost::default()).await
}

/// Connects; on PostgreSQL, sessions plan with `page_cost` (see below).
/// A server that refuses the connection, a database that does not exist,
/// a file that cannot be written: each is an `OpenError` that says so at
/// once. Only a PostgreSQL server starting up is waited for, up to
/// `STARTING_PATIENCE`.
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    page_cost: PageCost,
) -> Result<DatabaseConnection, OpenError> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR);
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
                // wrote when the process dies (bench/durability.py kills it
                // to check); only an OS crash or a power loss could roll
                // back the last commits, which FULL would prevent at an
                // fsync per commit. See docs/deployment.md.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                // The driver steps SQLite on a thread of its own and passes
                // rows through a bounded channel: room for a whole page of
                // availabilities keeps that thread from stalling and waking
                // the reader every few dozen rows.
                .row_buffer_size(SQLITE_ROW_BUFFER)
        });
        if !is_in_memory(url) {
            // SQLite opens a file it cannot write, and would fail at the
            // first write instead; the service writes, so say it now.
            open_error::check_sqlite_file(url)?;
        }
        return connect_sqlite(options).await.map_err(|err| {
            match open_error::sqlite_file(url, &err) {
                Some(explained) => explained,
                None => OpenError::Other {
                    target: url.to_owned(),
                    source: err,
                },
            }
        });
    }
    let postgres = postgres_options(url, page_cost).map_err(|err| OpenError::Other {
        target: "named by the database URL".to_owned(),
        source: DbErr::Conn(RuntimeErr::SqlxError(err.into())),
    })?;
    probe_postgres(&postgres).await?;
    let cost = session_page_cost(url, page_cost);
    options.map_sqlx_postgres_opts(move |postgres| with_page_cost(postgres, cost));
    orm::Database::connect(options)
        .await
        .map_err(|source| OpenError::Other {
            target: open_error::server_of(&postgres),
            source,
        })
}

/// One connection to the server before the pool opens its own: the pool
/// would retry a refused connection until its acquire timeout, then say
/// only that it timed out.
async fn probe_postgres(options: &PgConnectOptions) -> Result<(), OpenError> {
    use sea_orm::sqlx::Connection as _;
    let deadline = Instant::now() + STARTING_PATIENCE;
    loop {
        let attempt =
            tokio::time::timeout(CONNECT_PATIENCE, sqlx::PgConnection::connect_with(options)).await;
        let err = match attempt {
            Ok(Ok(connection)) => {
                // A failed goodbye changes nothing: the server answered.
                let _ = connection.close().await;
                return Ok(());
            }
            Ok(Err(err)) => err,
            Err(_elapsed) => {
                return Err(OpenError::NoAnswer {
                    server: open_error::server_of(options),
                });
            }
        };
        match open_error::postgres(options, err) {
            Some(err) => return Err(err),
            None if Instant::now() >= deadline => {
                return Err(OpenError::StillStarting {
                    server: open_error::server_of(options),
                });
            }
            None => {
                tracing::info!(
                    server = %open_error::server_of(options),
                    "PostgreSQL is starting up; waiting for it"
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Writes what SQLite's write-ahead log holds into the database file and
/// empties the log, so that the file alone holds every commit (a copy of
/// it is a whole database). Nothing to do on PostgreSQL.
pub async fn checkpoint(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(())
}

/// Writes a consistent copy of the SQLite database to `path` while the
/// service may be writing (`VACUUM INTO`). On PostgreSQL, `pg_dump` does
/// this job, so the request is refused.
pub async fn backup(db: &DatabaseConnection, path: &std::path::Path) -> Result<(), BackupError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    if path.exists() {
        return Err(BackupError::Exists(path.to_owned()));
    }
    let target = path
        .to_str()
        .ok_or_else(|| BackupError::NotUtf8(path.to_owned()))?;
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await
    .map_err(|source| BackupError::Write {
        path: path.to_owned(),
        source,
    })?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backup copies a SQLite database; for PostgreSQL use pg_dump (see docs/deployment.md)")]
    NotSqlite,
    #[error("{} exists already: name a new file", .0.display())]
    Exists(std::path::PathBuf),
    #[error("the path {} is not UTF-8", .0.display())]
    NotUtf8(std::path::PathBuf),
    #[error("cannot write the backup to {}", path.display())]
    Write {
        path: std::path::PathBuf,
        #[source]
        source: DbErr,
    },
}

/// What the service sets on each PostgreSQL session it opens, pooled or
/// pipelined: `random_page_cost`, when `session_page_cost` gives one.
fn with_page_cost(postgres: PgConnectOptions, cost: Option<f64>) -> PgConnectOptions {
    match cost {
        // PostgreSQL's default random_page_cost (4) models spinning disks.
        // With it, the planner reads a page of artists' availabilities by
        // scanning the whole table rather than the artist index while the
        // table holds fewer than some hundred thousand rows, several times
        // slower. 1.1 is the usual setting
        // for SSDs, which is what servers and cloud databases run on.
        Some(cost) => postgres.options([("random_page_cost", cost)]),
        None => postgres,
    }
}

/// The pool's settings for the PostgreSQL server at `url`: the URL's, the
/// PG* environment's where it is silent (as sqlx reads them), and ours.
fn postgres_options(url: &str, page_cost: PageCost) -> Result<PgConnectOptions, sqlx::Error> {
    let cost = session_page_cost(url, page_cost);
    url.parse::<PgConnectOptions>()
        .map(|postgres| with_page_cost(postgres, cost))
}

/// The random_page_cost to send, unless the operator keeps the server's or
/// sets it already in the URL's `options` or in PGOPTIONS (which a startup
/// option of ours would silently override).
fn session_page_cost(url: &str, page_cost: PageCost) -> Option<f64> {
    let PageCost::Session(cost) = page_cost else {
        return None;
    };
    let set_elsewhere = url.contains("random_page_cost")
        || std::env::var("PGOPTIONS").is_ok_and(|options| options.contains("random_page_cost"));
    (!set_elsewhere).then_some(cost)
}

/// Opens a SQLite pool, waiting out another process that is switching the
/// same new file to WAL.
///
/// The first connection to a new file switches it to WAL, which takes an
/// exclusive lock. A process that had read the file's header meanwhile and
/// tries the same switch gets SQLITE_BUSY at once: SQLite never calls the
/// busy handler for it, since waiting while holding a shared lock could
/// deadlock. So of two replicas started together on a new file, one
/// could fail with "database is locked" (about 1 start in 40 in
/// tests/api/replicas.rs). Retry that, for as long as the busy timeout would
/// have waited. Once the file is in WAL mode, which is permanent, this no
/// longer happens.
async fn connect_sqlite(options: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    let deadline = Instant::now() + SQLITE_BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(2);
    loop {
        match orm::Database::connect(options.clone()).await {
            Err(err) if is_sqlite_busy(&err) && Instant::now() < deadline => {
                tracing::debug!(error = %err, "SQLite file locked while opening, retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            result => return result,
        }
    }
}

/// SQLITE_BUSY (5), or one of its extended codes (5 in the low byte).
fn is_sqlite_busy(err: &DbErr) -> bool {
    const SQLITE_BUSY: i32 = 5;
    database_error(err)
        .and_then(|db_err| db_err.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == SQLITE_BUSY)
}

/// The error the database itself reported, if `err` is one: the driver's
/// view of it, with its code and constraint.
pub(crate) fn database_error(err: &DbErr) -> Option<&dyn DatabaseError> {
    let (DbErr::Conn(RuntimeErr::SqlxError(sqlx_err))
    | DbErr::Exec(RuntimeErr::SqlxError(sqlx_err))
    | DbErr::Query(RuntimeErr::SqlxError(sqlx_err))) = err
    else {
        return None;
    };
    sqlx_err.as_database_error()
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Key of the PostgreSQL advisory lock that migrations hold: any number
/// that nothing else on the server uses ("coulisse" in ASCII).
const MIGRATION_LOCK: i64 = 0x636f_756c_6973_7365;

/// Applies every pending migration, all or none.
///
/// Replicas that start together on a new database all migrate it. Left to
/// itself, the migrator reads what is pending, then creates the tables: two
/// processes both find everything pending and the second fails on the
/// first's tables (PostgreSQL: a duplicate key in `pg_type`; SQLite: "table
/// already exists"), so that replica never starts. Migrating under one
/// lock makes the others wait, then find nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = begin_migrating(db).await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Rolls back the last `steps` migrations, under the same lock as `migrate`.
pub async fn roll_back(db: &DatabaseConnection, steps: u32) -> Result<(), DbErr> {
    let txn = begin_migrating(db).await?;
    Migrator::down(&txn, Some(steps)).await?;
    txn.commit().await
}

/// A transaction that no other process migrating the same database runs
/// beside. The migrator nests each migration's own transaction in it (a
/// savepoint); both engines have transactional DDL, so a failed migration
/// leaves the schema as it found it.
async fn begin_migrating(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            // The transaction-level lock is released at commit or rollback,
            // and by the server when a killed process's connection drops:
            // it can never be left held. A session-level lock would need
            // its unlock on the same pooled connection.
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                .await?;
            Ok(txn)
        }
        // SQLite's write lock, taken at BEGIN, is the lock: other processes
        // wait for it on the busy timeout.
        _ => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
        }
    }
}

/// The migrations not applied yet, by name, in the order they apply.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let pending = Migrator::get_pending_migrations(db).await?;
    Ok(pending.iter().map(|m| m.name().to_owned()).collect())
}

/// The migrations applied, by name, in the order they were.
pub async fn applied_migrations(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let applied = Migrator::get_applied_migrations(db).await?;
    Ok(applied.iter().map(|m| m.name().to_owned()).collect())
}
