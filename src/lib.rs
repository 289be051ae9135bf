//! Coulisses: a GraphQL API for live-performance planning.
//!
//! Data flows one way: `http -> graphql -> domain -> entities/db`, and
//! `domain -> planning`.

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod entities;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod planning;
pub mod telemetry;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::graphql::{Api, Limits};
use crate::http::HttpSettings;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(db::OpenError),
    #[error("cannot migrate the database")]
    Migration(#[source] DbErr),
    #[error("cannot use the tokens file {path}")]
    Tokens {
        path: std::path::PathBuf,
        #[source]
        source: auth::TokensFileError,
    },
    #[error("cannot use the JWT key file {path}")]
    JwtKey {
        path: std::path::PathBuf,
        #[source]
        source: auth::JwtKeyError,
    },
    #[error(
        "refusing to serve {addr} without authentication: configure --tokens-file, \
         bind a loopback address, or pass --allow-unauthenticated"
    )]
    Unprotected { addr: SocketAddr },
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
}

/// The service, bound to its address and ready to serve.
pub struct App {
    listener: TcpListener,
    router: Router,
    shutdown_grace: Duration,
    db: DatabaseConnection,
    /// Set when the service stops: WebSocket connections close then.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl App {
    /// Connects to the configured database, migrates it, and binds.
    pub async fn build(config: ServeConfig) -> Result<Self, StartupError> {
        let db = db::connect_with(
            &config.database.database_url,
            config.database.db_max_connections,
            config.database.pg_random_page_cost,
        )
        .await
        .map_err(StartupError::Database)?;
        Self::with_database(config, db).await
    }

    /// As `build`, on a pool the caller opened (tests count its
    /// statements) to the database `config` names: the reads beside the
    /// pool connect by `config`'s URL.
    pub async fn with_database(
        config: ServeConfig,
        db: DatabaseConnection,
    ) -> Result<Self, StartupError> {
        let access = access(&config)?;
        db::migrate(&db).await.map_err(|err| {
            match db::file_error(&config.database.database_url, &err) {
                Some(explained) => StartupError::Database(explained),
                None => StartupError::Migration(err),
            }
        })?;
        let listener =
            TcpListener::bind(config.bind)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.bind,
                    source,
                })?;
        let public_url = match (&config.public_url, listener.local_addr()) {
            (Some(url), _) => url.clone(),
            (None, Ok(addr)) => format!("http://{addr}"),
            (None, Err(_)) => format!("http://{}", config.bind),
        };
        let reads = domain::Reads::open(db.clone(), &config.database.read_settings())
            .await
            .with_planner_effort(config.planner_effort);
        let writes = domain::Writes::new(db.clone())
            .with_planner_effort(config.planner_effort)
            .with_public_url(&public_url)
            .with_live(domain::schedules::Live::listening(db.clone()));
        let api = Api::new(
            reads,
            writes,
            Limits {
                max_depth: config.max_depth,
                max_complexity: config.max_complexity,
                introspection: !config.disable_introspection,
                max_subscriptions: config.max_subscriptions,
                max_subscriptions_per_connection: config.max_subscriptions_per_connection,
            },
        );
        let (stopping, stopping_seen) = tokio::sync::watch::channel(false);
        let router = http::router(
            api,
            db.clone(),
            access,
            HttpSettings {
                max_body_bytes: config.max_body_bytes,
                request_timeout: config.request_timeout(),
                cors_origins: config.cors_origins.clone(),
                sockets: config.sockets(),
            },
            stopping_seen,
        );
        Ok(Self {
            listener,
            router,
            shutdown_grace: config.shutdown_grace(),
            db,
            stopping,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` completes; new connections are then refused and
    /// in-flight requests get the grace period to finish.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let grace = self.shutdown_grace;
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let sockets = self.stopping;
        let serve = axum::serve(self.listener, self.router).with_graceful_shutdown(async move {
            stop.await;
            tracing::info!("shutting down: finishing in-flight requests");
            // WebSocket connections are not requests: they are told to
            // go, so that their clients connect to another replica.
            sockets.send_replace(true);
            let _ = stopping_tx.send(());
        });
        let serving = tokio::spawn(serve.into_future());
        let _ = stopping_rx.await;
        // Wait for the drain, but no longer than the grace period.
        match tokio::time::timeout(grace, serving).await {
            Ok(joined) => joined.map_err(io::Error::other)??,
            Err(_) => {
                // Requests still run: the checkpoint would wait for them.
                tracing::warn!(?grace, "grace period over: dropping remaining requests");
                return Ok(());
            }
        }
        // Drained: the SQLite file alone then holds every commit, and a
        // copy of it made while the service is stopped is a whole database.
        if let Err(err) = db::checkpoint(&self.db).await {
            tracing::warn!(error = %err, "cannot write the log into the SQLite file");
        }
        Ok(())
    }
}

/// Who may call: bearer token holders, or anyone where the address is
/// private.
fn access(config: &ServeConfig) -> Result<http::Access, StartupError> {
    let tokens = match &config.tokens_file {
        Some(path) => Some(
            auth::Tokens::load(path).map_err(|source| StartupError::Tokens {
                path: path.clone(),
                source,
            })?,
        ),
        None => None,
    };
    let jwt_key = |path: &std::path::PathBuf, source| StartupError::JwtKey {
        path: path.clone(),
        source,
    };
    let jwt = match (&config.jwt_secret_file, &config.jwt_public_key_file) {
        (Some(path), _) => {
            Some(auth::JwtVerifier::hs256_from_file(path).map_err(|err| jwt_key(path, err))?)
        }
        (None, Some(path)) => {
            Some(auth::JwtVerifier::rs256_from_file(path).map_err(|err| jwt_key(path, err))?)
        }
        (None, None) => None,
    };
    if tokens.is_some() || jwt.is_some() {
        tracing::info!(
            tokens = tokens.is_some(),
            jwt = jwt.is_some(),
            "bearer tokens required"
        );
        return Ok(http::Access::Required(std::sync::Arc::new(
            auth::Authenticator { tokens, jwt },
        )));
    }
    if config.bind.ip().is_loopback() {
        tracing::info!("no tokens configured: serving without authentication, on loopback only");
    } else if config.allow_unauthenticated {
        tracing::warn!(addr = %config.bind, "serving WITHOUT authentication on a non-loopback address");
    } else {
        return Err(StartupError::Unprotected { addr: config.bind });
    }
    Ok(http::Access::Open)
}

/// Listens for SIGTERM and Ctrl-C from now on; the future completes on the
/// first. Register it before serving: until then a signal kills the process
/// outright, without the drain.
pub fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if let Err(err) = tokio::signal::ctrl_c().await {
                tracing::error!(error = %err, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
        })
    }
}
