//! Connecting to SQLite or PostgreSQL, and migrating.

mod pipelined;
mod sqlite_reads;

pub use pipelined::{PAGE_READS_NAME, POINT_READS_NAME, PipelinedReads, ReadError, Unavailable};
pub use sqlite_reads::{SqliteReadError, SqliteReads};

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

use crate::config::PageCost;

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
pub struct Database {
    pub pool: DatabaseConnection,
    /// Reads by primary key (the single artist).
    pub point_reads: Option<PointReads>,
    /// List pages, on PostgreSQL: pipelined on sessions of their own, so
    /// that a page, which keeps the server longer, never holds up a point
    /// read queued behind it.
    pub page_reads: Option<PipelinedReads>,
}

/// Where point reads go instead of the pool.
#[derive(Clone)]
pub enum PointReads {
    /// PostgreSQL: sessions shared by concurrent reads (`pipelined`).
    Pipelined(PipelinedReads),
    /// A SQLite file: read in place (`sqlite_reads`).
    Sqlite(SqliteReads),
}

impl Database {
    pub fn backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    /// Statements run so far beside the pool, on pipelined sessions: with
    /// the pool's, what requests cost (tests count them).
    pub fn statements_beside_the_pool(&self) -> u64 {
        let points = match &self.point_reads {
            Some(PointReads::Pipelined(pipelined)) => pipelined.statements_run(),
            _ => 0,
        };
        points
            + self
                .page_reads
                .as_ref()
                .map_or(0, PipelinedReads::statements_run)
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
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, max_connections, PageCost::default()).await
}

/// Connects; on PostgreSQL, sessions plan with `page_cost` (see below).
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    page_cost: PageCost,
) -> Result<DatabaseConnection, DbErr> {
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
        return connect_sqlite(options).await;
    }
    let cost = session_page_cost(url, page_cost);
    options.map_sqlx_postgres_opts(move |postgres| with_page_cost(postgres, cost));
    orm::Database::connect(options).await
}

/// What the service sets on each PostgreSQL session it opens, pooled or
/// pipelined: `random_page_cost`, when `session_page_cost` gives one.
fn with_page_cost(postgres: PgConnectOptions, cost: Option<f64>) -> PgConnectOptions {
    match cost {
        // PostgreSQL's default random_page_cost (4) models spinning disks.
        // With it, the planner reads a page of artists' availabilities by
        // scanning the whole table rather than the artist index while the
        // table holds fewer than some hundred thousand rows: 1 to 2 ms a
        // page instead of 0.2 ms at 10,000 rows. 1.1 is the usual setting
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
/// tests/replicas.rs). Retry that, for as long as the busy timeout would
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

/// How many migrations are not applied yet.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.len())
}
