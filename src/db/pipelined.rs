//! PostgreSQL sessions shared by concurrent point reads, their statements
//! pipelined.
//!
//! The pool lends a connection to one request at a time: each statement
//! is a message to the server, a wake-up of its backend, an answer, and
//! (sqlx does this on every release, with no option to turn it off) a
//! second round trip to check the connection. For the hot point reads,
//! that overhead is most of the work, for the server too, which spends
//! less than half the CPU on a statement that comes in a batch
//! (docs/decisions/0002-read-strategy.md).
//! tokio-postgres sends the statements of concurrent requests on one
//! connection back to back, without waiting for the answers in between,
//! so under load the server reads many at once and answers them in one
//! write.
//!
//! Two kinds of statements go here: those given when the sessions open,
//! prepared on each then (the single artist), and statements built per
//! request (a list page: its filters, order and size make its SQL),
//! prepared on first use and kept in a bounded cache per session. Only
//! single statements outside any transaction, each seeing what was
//! committed before it, as on the pool. The sessions connect
//! where the pool does, read from the pool's own settings. Whenever a
//! session is not open (lost, or not yet reopened), its reads go to the
//! pool: no request ever waits for a session to open.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use quick_cache::sync::Cache;
use sea_orm::Value;
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::{Client, Config, Row, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{self, CertificateFiles, TlsError};

use super::PageCost;

/// How long opening a session may take, as long as the pool waits for a
/// connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A server that stops acknowledging what a session sends, or answering
/// the probes of an idle one, for this long, is gone: the session is
/// replaced instead of waiting for TCP's own limits (minutes to hours).
const DEAD_PEER_TIMEOUT: Duration = Duration::from_secs(30);
/// After a session fails to open, the next try waits this long, doubled
/// at each failure up to `MOST_BETWEEN_RETRIES`.
const FIRST_RETRY_AFTER: Duration = Duration::from_secs(1);
const MOST_BETWEEN_RETRIES: Duration = Duration::from_secs(30);
/// Built statements each session keeps prepared. A list page's SQL varies
/// with its filters, order, direction and size (skills are written in),
/// so the most used stay prepared and the rest are prepared again when
/// they come back. sqlx keeps 100 per pooled connection; one session here
/// carries the pages of a whole pool, so it keeps as many as a pool of
/// four (each costs the server some kilobytes of plan in that session).
const BUILT_STATEMENTS_KEPT: usize = 400;

/// The sessions' `application_name`, unless the pool's settings give one:
/// operators tell them apart in `pg_stat_activity`. Point reads' sessions,
/// then list pages'.
pub const POINT_READS_NAME: &str = "coulisses pipelined reads";
pub const PAGE_READS_NAME: &str = "coulisses pipelined pages";

/// A few sessions, each shared by every request that picks it.
#[derive(Clone)]
pub struct PipelinedReads {
    shared: Arc<Shared>,
}

struct Shared {
    config: Config,
    tls: MakeRustlsConnect,
    /// Prepared on each session as it opens.
    statements: Vec<&'static str>,
    sessions: Box<[Slot]>,
    /// Which session the next read takes: in turn, so the load spreads.
    next: AtomicUsize,
    /// Statements that answered, on every session since these opened.
    statements_run: AtomicU64,
}

/// One session, reopened in the background when lost.
#[derive(Default)]
struct Slot {
    current: Mutex<Option<Arc<Session>>>,
    reopening: AtomicBool,
    retry: Mutex<Retry>,
}

struct Session {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
    /// Statements built per request, by their SQL and parameter types.
    built: Cache<BuiltKey, Statement>,
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct BuiltKey {
    sql: String,
    types: Vec<Type>,
}

/// A key to look up without copying the statement's SQL. Hashes as
/// `BuiltKey` does: field by field, `&str` as `String`, a slice as `Vec`.
#[derive(Hash)]
struct BuiltKeyRef<'a> {
    sql: &'a str,
    types: &'a [Type],
}

impl quick_cache::Equivalent<BuiltKey> for BuiltKeyRef<'_> {
    fn equivalent(&self, key: &BuiltKey) -> bool {
        self.sql == key.sql && self.types == key.types
    }
}

/// Why reads are not pipelined at all.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("the database is not PostgreSQL")]
    NotPostgres,
    #[error("the URL is not one the pool reads: {0}")]
    Url(sea_orm::sqlx::Error),
    /// The URL asks for TLS settings that cannot be set up (a
    /// certificate file that cannot be read, say).
    #[error("cannot set up TLS as the URL asks")]
    Tls(#[source] TlsError),
}

/// Why a read did not run here.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Its session is not open: the pool can run it.
    #[error("no pipelined session is open")]
    NoSession,
    /// A statement not given to `connect`: a fault of the caller.
    #[error("statement not prepared for pipelined reads: {0}")]
    Unprepared(&'static str),
    /// A built statement binds a kind of value this path does not send:
    /// the pool can run it.
    #[error("a value of a kind pipelined reads do not bind: {0:?}")]
    Unbindable(Value),
    #[error(transparent)]
    Failed(tokio_postgres::Error),
}

impl PipelinedReads {
    /// Sessions to the server the pool at `url` reaches, with the pool's
    /// session settings, named `name` unless these name them, each with
    /// `statements` prepared. Sessions that cannot open now are logged and
    /// tried again as reads come.
    pub async fn connect(
        url: &str,
        page_cost: PageCost,
        name: &'static str,
        sessions: NonZeroUsize,
        statements: &[&'static str],
    ) -> Result<Self, Unavailable> {
        let (config, tls) = session_config(url, page_cost, name)?;
        let shared = Arc::new(Shared {
            config,
            tls,
            statements: statements.to_vec(),
            sessions: (0..sessions.get()).map(|_| Slot::default()).collect(),
            next: AtomicUsize::new(0),
            statements_run: AtomicU64::new(0),
        });
        for slot in &shared.sessions {
            slot.open(&shared).await;
        }
        Ok(Self { shared })
    }

    /// The rows of `sql`, one of the statements given to `connect`, run
    /// with `params` on the next session in turn.
    pub async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, ReadError> {
        let (turn, session) = self.next_session()?;
        let statement = session
            .prepared
            .get(sql)
            .ok_or(ReadError::Unprepared(sql))?;
        let read = session.client.query(statement, params).await;
        self.settle(turn, &session, read)
    }

    /// The rows of a statement built for this request, run on the next
    /// session in turn: prepared there on first use, with its values'
    /// types as the pool's driver declares them.
    pub async fn query_built(&self, statement: &sea_orm::Statement) -> Result<Vec<Row>, ReadError> {
        let params = statement
            .values
            .iter()
            .flat_map(|values| &values.0)
            .map(|value| Param::of(value).ok_or_else(|| ReadError::Unbindable(value.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let types: Vec<Type> = params.iter().map(Param::ty).collect();
        let (turn, session) = self.next_session()?;
        let sql = statement.sql.as_str();
        let known = session.built.get(&BuiltKeyRef { sql, types: &types });
        let prepared = match known {
            Some(prepared) => prepared,
            None => match Session::prepare(&session, sql, types).await {
                Some(Ok(prepared)) => prepared,
                Some(Err(err)) => return self.settle(turn, &session, Err(err)),
                // The runtime is ending: no session will answer.
                None => return Err(ReadError::NoSession),
            },
        };
        let params: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|param| param as &(dyn ToSql + Sync))
            .collect();
        let read = session.client.query(&prepared, &params).await;
        self.settle(turn, &session, read)
    }

    /// Statements answered on these sessions so far: with the pool's,
    /// what requests cost (tests count them).
    pub fn statements_run(&self) -> u64 {
        self.shared.statements_run.load(Ordering::Relaxed)
    }

    /// The next session in turn, or `NoSession` (its reopening started)
    /// when it is not open.
    fn next_session(&self) -> Result<(usize, Arc<Session>), ReadError> {
        let shared = &self.shared;
        let turn = shared.next.fetch_add(1, Ordering::Relaxed) % shared.sessions.len();
        match shared.sessions[turn].open_session() {
            Some(session) => Ok((turn, session)),
            None => {
                self.reopen(turn);
                Err(ReadError::NoSession)
            }
        }
    }

    /// What a statement sent on `session` (of slot `turn`) gives the
    /// caller: an error that shows the session unusable loses it, and the
    /// read goes to the pool.
    fn settle(
        &self,
        turn: usize,
        session: &Arc<Session>,
        read: Result<Vec<Row>, tokio_postgres::Error>,
    ) -> Result<Vec<Row>, ReadError> {
        match read {
            Ok(rows) => {
                self.shared.statements_run.fetch_add(1, Ordering::Relaxed);
                Ok(rows)
            }
            Err(err) if unusable(&err) => {
                self.shared.sessions[turn].lose(session, &err);
                self.reopen(turn);
                Err(ReadError::NoSession)
            }
            Err(err) => Err(ReadError::Failed(err)),
        }
    }

    /// Reopens the session of slot `turn` in the background, unless that
    /// is under way or the last failure asks to wait.
    fn reopen(&self, turn: usize) {
        let slot = &self.shared.sessions[turn];
        if !lock(&slot.retry).due(Instant::now()) || slot.reopening.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = self.shared.clone();
        tokio::spawn(async move {
            let slot = &shared.sessions[turn];
            slot.open(&shared).await;
            slot.reopening.store(false, Ordering::Release);
        });
    }
}

impl Slot {
    /// The session, if open.
    fn open_session(&self) -> Option<Arc<Session>> {
        let mut current = lock(&self.current);
        if current
            .as_ref()
            .is_some_and(|session| session.client.is_closed())
        {
            // Its connection ended (and its task logged why).
            *current = None;
        }
        current.clone()
    }

    /// Forgets `session`, which `err` showed unusable, unless it was
    /// replaced already.
    fn lose(&self, session: &Arc<Session>, err: &tokio_postgres::Error) {
        let mut current = lock(&self.current);
        if current
            .as_ref()
            .is_some_and(|open| Arc::ptr_eq(open, session))
        {
            tracing::warn!(error = %err, "a pipelined session was lost; the pool serves its reads until it reopens");
            *current = None;
        }
    }

    /// Opens a session into the slot; on failure, logs why and sets when
    /// to try again.
    async fn open(&self, shared: &Shared) {
        let opened = tokio::time::timeout(
            CONNECT_TIMEOUT,
            Session::open(&shared.config, &shared.tls, &shared.statements),
        )
        .await;
        match opened {
            Ok(Ok(session)) => {
                *lock(&self.current) = Some(Arc::new(session));
                *lock(&self.retry) = Retry::default();
            }
            Ok(Err(err)) => self.failed_to_open(&err),
            Err(_) => self.failed_to_open(&format_args!(
                "no session within {} s",
                CONNECT_TIMEOUT.as_secs()
            )),
        }
    }

    fn failed_to_open(&self, cause: &dyn std::fmt::Display) {
        let wait = lock(&self.retry).failed(Instant::now());
        tracing::warn!(
            error = %cause,
            retry_in_secs = wait.as_secs(),
            "cannot open a pipelined session; the pool serves its reads"
        );
    }
}

/// When a slot may try to open its session again.
#[derive(Debug)]
struct Retry {
    not_before: Option<Instant>,
    next_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            not_before: None,
            next_wait: FIRST_RETRY_AFTER,
        }
    }
}

impl Retry {
    fn due(&self, now: Instant) -> bool {
        self.not_before.is_none_or(|not_before| now >= not_before)
    }

    /// Records a failure at `now`; returns how long until the next try.
    fn failed(&mut self, now: Instant) -> Duration {
        let wait = self.next_wait;
        self.not_before = Some(now + wait);
        self.next_wait = (wait * 2).min(MOST_BETWEEN_RETRIES);
        wait
    }
}

impl Session {
    async fn open(
        config: &Config,
        tls: &MakeRustlsConnect,
        statements: &[&'static str],
    ) -> Result<Self, tokio_postgres::Error> {
        let (client, connection) = config.connect(tls.clone()).await?;
        // The connection's task sends what the client queues and routes the
        // answers back; it ends when the client is dropped or the
        // connection fails.
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::info!(error = %err, "a pipelined session's connection ended");
            }
        });
        let mut prepared = HashMap::with_capacity(statements.len());
        for &sql in statements {
            prepared.insert(sql, client.prepare(sql).await?);
        }
        Ok(Self {
            client,
            prepared,
            built: Cache::new(BUILT_STATEMENTS_KEPT),
        })
    }
}

/// A value of a built statement, as this path sends it: the kinds the
/// list pages' statements bind (text, int8, uuid). (sea-query-postgres converts every kind,
/// but builds only with each of sea-query's optional kinds enabled, and
/// sea-orm's migrations enable them all: decimals, `time` and more, whose
/// driver support this path would never use.)
#[derive(Debug)]
enum Param {
    BigInt(Option<i64>),
    Text(Option<String>),
    Uuid(Option<uuid::Uuid>),
}

impl Param {
    fn of(value: &Value) -> Option<Self> {
        Some(match value {
            Value::BigInt(v) => Self::BigInt(*v),
            Value::String(v) => Self::Text(v.clone()),
            Value::Uuid(v) => Self::Uuid(*v),
            _ => return None,
        })
    }

    /// The parameter's type, declared as the statement is prepared (as
    /// the pool's driver does), rather than left to the server to infer.
    fn ty(&self) -> Type {
        match self {
            Self::BigInt(_) => Type::INT8,
            Self::Text(_) => Type::TEXT,
            Self::Uuid(_) => Type::UUID,
        }
    }
}

impl ToSql for Param {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Self::BigInt(v) => v.to_sql(ty, out),
            Self::Text(v) => v.to_sql(ty, out),
            Self::Uuid(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Which type a value takes is the value's to say: `to_sql_checked`
        // asks it. (So a `Param` is no array element: arrays ask this.)
        true
    }

    fn to_sql_checked(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Self::BigInt(v) => v.to_sql_checked(ty, out),
            Self::Text(v) => v.to_sql_checked(ty, out),
            Self::Uuid(v) => v.to_sql_checked(ty, out),
        }
    }
}

impl Session {
    /// Prepares a built statement on `session` and keeps it there.
    /// Concurrent requests for the same statement wait for one prepare.
    /// The prepare runs as a task of its own: a request dropped midway
    /// (a client gone, a timeout) must not leave a statement the server
    /// prepared and nothing here will ever close. `None` when the runtime
    /// ends meanwhile.
    async fn prepare(
        session: &Arc<Self>,
        sql: &str,
        types: Vec<Type>,
    ) -> Option<Result<Statement, tokio_postgres::Error>> {
        let key = BuiltKey {
            sql: sql.to_owned(),
            types,
        };
        let guard = match session.built.get_value_or_guard_async(&key).await {
            Ok(prepared) => return Some(Ok(prepared)),
            Err(guard) => guard,
        };
        // Dropped midway, this request leaves the task to finish: its
        // statement, kept by no one, is then closed on the server.
        let preparing = tokio::spawn({
            let session = session.clone();
            async move { session.client.prepare_typed(&key.sql, &key.types).await }
        });
        let prepared = match preparing.await {
            Ok(prepared) => prepared,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(_) => return None,
        };
        if let Ok(prepared) = &prepared {
            // Refused only if another prepare of it was kept meanwhile: the
            // same statement.
            let _ = guard.insert(prepared.clone());
        }
        Some(prepared)
    }
}

/// Whether `err` leaves the session unusable: its connection closed or
/// ended by the server (a restart, `pg_terminate_backend`), the error then
/// coming as the answer to a read in flight; or its prepared statements
/// outdated by a change of the tables they read, which only preparing
/// them again, on a new session, mends.
fn unusable(err: &tokio_postgres::Error) -> bool {
    err.is_closed()
        || err.code().is_some_and(|state| {
            let code = state.code();
            // 08: connection exception; 57P: the server shutting down or
            // not accepting connections; 0A000: "cached plan must not
            // change result type".
            code.starts_with("08") || code.starts_with("57P") || code == "0A000"
        })
}

/// A lock held only to read or swap a value: no code that could panic
/// runs under it, so a poisoned one holds a sound value.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The sessions' settings: where and as whom the pool connects, read by
/// sqlx from the URL and the PG* environment as for the pool itself, with
/// the pool's session options.
fn session_config(
    url: &str,
    page_cost: PageCost,
    name: &str,
) -> Result<(Config, MakeRustlsConnect), Unavailable> {
    if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
        return Err(Unavailable::NotPostgres);
    }
    let pool = super::postgres_options(url, page_cost).map_err(Unavailable::Url)?;
    let socket = pool.get_socket().cloned().or_else(|| {
        // sqlx takes a host that is a path (PGHOST, or its default when a
        // local socket exists) for the socket's directory.
        pool.get_host()
            .starts_with('/')
            .then(|| pool.get_host().into())
    });
    let files = url::Url::parse(url)
        .map(|url| CertificateFiles::of(&url))
        .unwrap_or_default();
    let tls = tls::settings(pool.get_ssl_mode(), &files).map_err(Unavailable::Tls)?;
    let mut config = Config::new();
    match socket {
        Some(directory) => config.host_path(directory),
        None => config.host(pool.get_host()),
    };
    config
        .port(pool.get_port())
        .user(pool.get_username())
        .application_name(pool.get_application_name().unwrap_or(name))
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives_idle(DEAD_PEER_TIMEOUT)
        .tcp_user_timeout(DEAD_PEER_TIMEOUT);
    if let Some(database) = pool.get_database() {
        config.dbname(database);
    }
    if let Some(options) = pool.get_options() {
        config.options(options);
    }
    if let Some(password) = password(url) {
        config.password(password);
    }
    config.ssl_mode(tls.mode);
    Ok((config, tls.connector))
}

/// The password the pool sends, as sqlx finds it: in the URL, its
/// `password` parameter, or PGPASSWORD. (sqlx also reads ~/.pgpass, which
/// these sessions do not: with a password only there, they cannot log in,
/// say so in the log, and the pool serves every read.)
fn password(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let given = url
        .query_pairs()
        .filter(|(key, _)| key == "password")
        .map(|(_, value)| value.into_owned())
        .last();
    let in_authority = url.password().and_then(|encoded| {
        percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .ok()
            .map(|decoded| decoded.into_owned())
    });
    given
        .or(in_authority)
        .or_else(|| std::env::var("PGPASSWORD").ok())
}

#[cfg(test)]
mod tests {
    use tokio_postgres::config::Host;

    use super::*;

    fn decide(url: &str) -> Result<Config, Unavailable> {
        session_config(url, PageCost::default(), POINT_READS_NAME).map(|(config, _)| config)
    }

    /// As the pool: in clear only where the URL lets the pool send in
    /// clear; encrypted, on whatever network, where it asks for TLS.
    #[test]
    fn sessions_encrypt_where_the_pool_does() {
        use tokio_postgres::config::SslMode;
        for (url, mode) in [
            (
                "postgres://postgres@db.internal/db?sslmode=disable",
                SslMode::Disable,
            ),
            ("postgres://postgres@127.0.0.1:5432/db", SslMode::Prefer),
            (
                "postgres://postgres@db.internal/db?sslmode=prefer",
                SslMode::Prefer,
            ),
            (
                "postgres://postgres@127.0.0.1/db?sslmode=require",
                SslMode::Require,
            ),
            (
                "postgres://postgres@db.internal/db?sslmode=verify-full",
                SslMode::Require,
            ),
        ] {
            match decide(url) {
                Ok(config) => assert_eq!(config.get_ssl_mode(), mode, "{url}"),
                Err(err) => panic!("{url}: {err}"),
            }
        }
        assert!(matches!(
            decide("postgres://postgres@db.internal/db?sslmode=verify-ca&sslrootcert=/nowhere.pem"),
            Err(Unavailable::Tls(_))
        ));
        assert!(matches!(
            decide("sqlite://coulisses.db?mode=rwc"),
            Err(Unavailable::NotPostgres)
        ));
    }

    #[test]
    fn sessions_connect_where_and_as_whom_the_pool_does() {
        let config = decide(
            "postgres://planner:s%40fe@localhost:6543/stage?hostaddr=127.0.0.2&sslmode=disable\
             &application_name=front&password=p2",
        )
        .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(config.get_hosts(), [Host::Tcp("127.0.0.2".into())]);
        assert_eq!(config.get_ports(), [6543]);
        assert_eq!(config.get_user(), Some("planner"));
        assert_eq!(config.get_dbname(), Some("stage"));
        assert_eq!(config.get_application_name(), Some("front"));
        // As sqlx: the parameter wins over the authority's.
        assert_eq!(config.get_password(), Some(&b"p2"[..]));
        let socket = decide("postgres://postgres@localhost/db?host=/run/pg")
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(socket.get_hosts(), [Host::Unix("/run/pg".into())]);
        assert_eq!(socket.get_application_name(), Some(POINT_READS_NAME));
    }

    #[test]
    fn sessions_plan_with_the_pools_page_cost() {
        let options = |url: &str, cost| {
            session_config(url, cost, POINT_READS_NAME)
                .ok()
                .and_then(|(config, _)| config.get_options().map(str::to_owned))
        };
        assert_eq!(
            options("postgres://127.0.0.1/db", PageCost::Session(1.1)).as_deref(),
            Some("-c random_page_cost=1.1")
        );
        assert_eq!(
            options(
                "postgres://127.0.0.1/db?options=-c%20work_mem%3D8MB",
                PageCost::Session(2.0)
            )
            .as_deref(),
            Some("-c work_mem=8MB -c random_page_cost=2")
        );
        assert_eq!(options("postgres://127.0.0.1/db", PageCost::Server), None);
    }

    #[test]
    fn built_statements_bind_the_kinds_the_service_sends_and_leave_the_rest_to_the_pool() {
        let id = uuid::Uuid::now_v7();
        let bound: Vec<Type> = [
            Value::from(1_700_000_000_000_000_i64),
            Value::from("listed"),
            Value::from(id),
            Value::String(None),
        ]
        .iter()
        .map(|value| Param::of(value).map(|param| param.ty()))
        .collect::<Option<_>>()
        .unwrap_or_else(|| panic!("a kind the service sends did not bind"));
        assert_eq!(bound, [Type::INT8, Type::TEXT, Type::UUID, Type::TEXT]);
        for unbound in [
            Value::from(1.5_f64),
            Value::from(7_i32),
            Value::from(5_u64),
            Value::from(vec![1_u8, 2]),
        ] {
            assert!(Param::of(&unbound).is_none(), "{unbound:?}");
        }
    }

    #[test]
    fn a_built_statement_is_found_by_its_sql_and_types_without_copying_them() {
        let cache: Cache<BuiltKey, u32> = Cache::new(BUILT_STATEMENTS_KEPT);
        let sql = r#"SELECT "id" FROM "artists" WHERE "name_key" LIKE $1"#;
        cache.insert(
            BuiltKey {
                sql: sql.to_owned(),
                types: vec![Type::TEXT],
            },
            1,
        );
        let find = |sql, types: &[Type]| cache.get(&BuiltKeyRef { sql, types });
        assert_eq!(find(sql, &[Type::TEXT]), Some(1));
        assert_eq!(find(sql, &[Type::INT8]), None, "other types, another plan");
        assert_eq!(find("SELECT 1", &[Type::TEXT]), None);
    }

    #[test]
    fn a_session_that_fails_to_open_is_tried_again_later_and_later() {
        let start = Instant::now();
        let mut retry = Retry::default();
        assert!(retry.due(start));
        let waits: Vec<u64> = (0..7).map(|_| retry.failed(start).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert!(!retry.due(start + Duration::from_secs(29)));
        assert!(retry.due(start + MOST_BETWEEN_RETRIES));
    }
}
