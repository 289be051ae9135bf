//! PostgreSQL sessions shared by concurrent point reads, their statements
//! pipelined.
//!
//! The pool lends a connection to one request at a time: each statement
//! is a message to the server, a wake-up of its backend, an answer, and
//! (sqlx does this on every release, with no option to turn it off) a
//! second round trip to check the connection. For the hot point reads,
//! that overhead is most of PostgreSQL's work: in pgbench, the single
//! artist's statement cost the server 46 µs of CPU sent one at a time and
//! 21 µs sent eight at a time (docs/performance.md, "Pipelined point
//! reads"). tokio-postgres sends the statements of concurrent requests on
//! one connection back to back, without waiting for the answers in
//! between, so under load the server reads many at once and answers them
//! in one write.
//!
//! Only single statements outside any transaction go here (each sees what
//! was committed before it, as on the pool). A session whose connection
//! drops is replaced on its next use, and a read it failed is retried
//! once on the new one: a read changes nothing, so running it twice is
//! safe.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

use crate::config::PageCost;

/// How long opening a session may take, as long as the pool waits for a
/// connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The sessions' `application_name`, unless the URL gives one.
pub const APPLICATION_NAME: &str = "coulisses pipelined reads";

/// A few sessions, each shared by every request that picks it.
#[derive(Clone)]
pub struct PipelinedReads {
    shared: Arc<Shared>,
}

struct Shared {
    config: Config,
    sessions: Box<[Slot]>,
    /// Which session the next read takes: in turn, so the load spreads.
    next: AtomicUsize,
}

/// One session, replaced when its connection drops.
struct Slot {
    current: Mutex<Arc<Session>>,
    /// Held while a replacement connects, so that the reads that find the
    /// connection gone open one new session, not one each.
    reconnecting: tokio::sync::Mutex<()>,
}

struct Session {
    client: Client,
    /// Each statement is prepared once per session, on its first use.
    prepared: Mutex<HashMap<&'static str, Statement>>,
}

/// Why reads are not pipelined.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("the database is not PostgreSQL")]
    NotPostgres,
    #[error("the URL is not one tokio-postgres reads: {0}")]
    Url(tokio_postgres::Error),
    /// The pool may encrypt its connections: so would these have to,
    /// and this path has no TLS. A server on this host needs none.
    #[error("the URL allows or asks for TLS to another host (pipelined reads have no TLS)")]
    Tls,
    #[error("cannot connect: {0}")]
    Connect(tokio_postgres::Error),
}

impl PipelinedReads {
    /// Opens `sessions` sessions to the PostgreSQL server at `url`, with the
    /// pool's session settings.
    pub async fn connect(
        url: &str,
        page_cost: PageCost,
        sessions: NonZeroUsize,
    ) -> Result<Self, Unavailable> {
        let config = session_config(url, page_cost)?;
        let mut slots = Vec::with_capacity(sessions.get());
        for _ in 0..sessions.get() {
            slots.push(Slot {
                current: Mutex::new(Arc::new(
                    Session::open(&config).await.map_err(Unavailable::Connect)?,
                )),
                reconnecting: tokio::sync::Mutex::new(()),
            });
        }
        Ok(Self {
            shared: Arc::new(Shared {
                config,
                sessions: slots.into_boxed_slice(),
                next: AtomicUsize::new(0),
            }),
        })
    }

    /// The rows of `sql`, a statement that changes nothing, run with
    /// `params` on the next session in turn.
    pub async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let shared = &*self.shared;
        let turn = shared.next.fetch_add(1, Ordering::Relaxed) % shared.sessions.len();
        let slot = &shared.sessions[turn];
        let session = slot.session(&shared.config).await?;
        match session.query(sql, params).await {
            Err(err) if connection_lost(&err) => {
                tracing::info!(error = %err, "a pipelined session's connection was lost; reconnecting");
                slot.replace(&session, &shared.config)
                    .await?
                    .query(sql, params)
                    .await
            }
            result => result,
        }
    }
}

impl Slot {
    /// The slot's session, replaced first if its connection is gone.
    async fn session(&self, config: &Config) -> Result<Arc<Session>, tokio_postgres::Error> {
        let session = lock(&self.current).clone();
        if session.client.is_closed() {
            return self.replace(&session, config).await;
        }
        Ok(session)
    }

    /// Replaces `lost` with a new session, unless another read did already.
    async fn replace(
        &self,
        lost: &Arc<Session>,
        config: &Config,
    ) -> Result<Arc<Session>, tokio_postgres::Error> {
        let _reconnecting = self.reconnecting.lock().await;
        let current = lock(&self.current).clone();
        if !Arc::ptr_eq(&current, lost) {
            return Ok(current);
        }
        let fresh = Arc::new(Session::open(config).await?);
        *lock(&self.current) = fresh.clone();
        Ok(fresh)
    }
}

/// Whether `err` says the session's connection is gone: closed, or ended
/// by the server (a restart, an administrator's `pg_terminate_backend`),
/// in which case the error may come as the answer to the read in flight,
/// before the connection shows as closed.
fn connection_lost(err: &tokio_postgres::Error) -> bool {
    err.is_closed()
        || err.code().is_some_and(|state| {
            let code = state.code();
            // Class 08: connection exception; 57P: the server shutting
            // down or not yet accepting connections.
            code.starts_with("08") || code.starts_with("57P")
        })
}

impl Session {
    async fn open(config: &Config) -> Result<Self, tokio_postgres::Error> {
        let (client, connection) = config.connect(NoTls).await?;
        // The connection's task sends what the client queues and routes the
        // answers back; it ends when the client is dropped or the
        // connection fails.
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::warn!(error = %err, "a pipelined session's connection failed");
            }
        });
        Ok(Self {
            client,
            prepared: Mutex::new(HashMap::new()),
        })
    }

    async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let known = lock(&self.prepared).get(sql).cloned();
        let statement = match known {
            Some(statement) => statement,
            None => {
                let statement = self.client.prepare(sql).await?;
                lock(&self.prepared).insert(sql, statement.clone());
                statement
            }
        };
        self.client.query(&statement, params).await
    }
}

/// A lock held only to read or swap a value: no code that could panic
/// runs under it, so a poisoned one holds a sound value.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The sessions' settings: the URL's, and the pool's `random_page_cost`.
fn session_config(url: &str, page_cost: PageCost) -> Result<Config, Unavailable> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(Unavailable::NotPostgres);
    }
    let mut config: Config = url.parse().map_err(Unavailable::Url)?;
    if !without_tls(&config) {
        return Err(Unavailable::Tls);
    }
    config.connect_timeout(CONNECT_TIMEOUT);
    if config.get_application_name().is_none() {
        // So that operators tell these sessions apart in pg_stat_activity.
        config.application_name(APPLICATION_NAME);
    }
    if let Some(cost) = super::session_page_cost(url, page_cost) {
        let option = format!("-c random_page_cost={cost}");
        let options = match config.get_options() {
            Some(given) if !given.is_empty() => format!("{given} {option}"),
            _ => option,
        };
        config.options(options);
    }
    Ok(config)
}

/// Whether the pool's connections go unencrypted too: TLS turned off, or
/// left to the server's choice (`prefer`, the default) on a server of this
/// host, which the pool may encrypt but where nothing travels a network.
fn without_tls(config: &Config) -> bool {
    match config.get_ssl_mode() {
        SslMode::Disable => true,
        SslMode::Prefer => config.get_hosts().iter().all(is_local),
        _ => false,
    }
}

fn is_local(host: &Host) -> bool {
    match host {
        Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|address| address.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(url: &str) -> Result<Config, Unavailable> {
        session_config(url, PageCost::default())
    }

    #[test]
    fn reads_are_pipelined_only_where_the_pool_would_not_encrypt_across_a_network() {
        for plain in [
            "postgres://postgres@127.0.0.1:5432/db",
            "postgres://postgres@localhost/db",
            "postgresql://postgres@[::1]/db",
            "postgres://postgres@db.internal/db?sslmode=disable",
        ] {
            assert!(decide(plain).is_ok(), "{plain}");
        }
        for encrypted in [
            "postgres://postgres@db.internal/db",
            "postgres://postgres@db.internal/db?sslmode=prefer",
            "postgres://postgres@127.0.0.1/db?sslmode=require",
        ] {
            assert!(
                matches!(decide(encrypted), Err(Unavailable::Tls)),
                "{encrypted}"
            );
        }
        // sqlx's verify modes are beyond tokio-postgres: the pool serves.
        assert!(matches!(
            decide("postgres://postgres@db.internal/db?sslmode=verify-full"),
            Err(Unavailable::Url(_))
        ));
        assert!(matches!(
            decide("sqlite://coulisses.db?mode=rwc"),
            Err(Unavailable::NotPostgres)
        ));
    }

    #[test]
    fn sessions_plan_with_the_pools_page_cost() {
        let options = |url: &str, cost| {
            session_config(url, cost)
                .ok()
                .and_then(|config| config.get_options().map(str::to_owned))
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
}
