//! Command line and environment: every flag can also be set from an
//! environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::auth::Role;
pub use crate::db::PageCost;
use crate::planning::Effort;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://coulisses.db?mode=rwc";

#[derive(Debug, Parser)]
#[command(
    name = "coulisses",
    version,
    about = "GraphQL API for live-performance planning"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// On an error, also print its backtrace (captured with
    /// RUST_BACKTRACE=1): for reporting a bug, not for finding what to fix.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// `coulisses` alone serves, with these flags.
    #[command(flatten)]
    pub serve: ServeConfig,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run pending migrations, then serve the API (the default).
    Serve(Box<ServeConfig>),
    /// Apply, roll back or list database migrations.
    Migrate(MigrateConfig),
    /// Print the GraphQL schema (SDL), as committed in schema.graphql.
    Schema,
    /// Load a data set into the database, after running pending migrations.
    Seed(SeedConfig),
    /// Copy the SQLite database to a new file, safely while the service
    /// runs (a copy of the file alone could catch a write half done).
    Backup(BackupConfig),
    /// Manage bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a fresh random token, and the line that grants it to add to
    /// the tokens file (only the token's hash is stored there).
    New {
        /// Who the token is for, as logs will show it.
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
}

/// A limit of 0 would refuse everything (or, for a timeout, fire at
/// random), so it is refused at start instead.
fn positive(raw: &str) -> Result<usize, String> {
    match raw.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(value) => Ok(value),
        Err(err) => Err(err.to_string()),
    }
}

/// Validation recurses once per level, so a very deep limit would let a
/// document exhaust the stack; 64 is far above any real query.
fn depth(raw: &str) -> Result<usize, String> {
    match positive(raw)? {
        deeper if deeper > MAX_DEPTH_LIMIT => Err(format!("must be at most {MAX_DEPTH_LIMIT}")),
        depth => Ok(depth),
    }
}

const MAX_DEPTH_LIMIT: usize = 64;

/// A web origin, `scheme://host[:port]`, as browsers send it in `Origin`.
fn origin(raw: &str) -> Result<axum::http::HeaderValue, String> {
    let url = url::Url::parse(raw.trim()).map_err(|err| format!("{raw:?} is no URL: {err}"))?;
    let origin = url.origin();
    let plain = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !origin.is_tuple() || !plain || !url.username().is_empty() {
        return Err(format!(
            "{raw:?} is no origin: give scheme, host and port only, as https://planning.example.org"
        ));
    }
    axum::http::HeaderValue::from_str(&origin.ascii_serialization()).map_err(|err| err.to_string())
}

/// Twice the cores this process may run on, from 2 to 16. A database
/// does its best with about twice its cores in active connections: past
/// that, its processes contend for the cores and requests wait in the
/// scheduler, unfairly, instead of in the pool's queue, first come first
/// served: the same rate, a shorter tail (docs/performance.md, "Pool
/// size"). At most 16, the former default: a host with many cores (all
/// of a large machine, when no CPU quota limits the process) would
/// otherwise take more than PostgreSQL's default `max_connections` (100)
/// can give a few replicas.
fn default_db_max_connections() -> u32 {
    host_cores().saturating_mul(2).clamp(2, 16)
}

/// The cores this process may run on (its CPU quota, where one is set).
fn host_cores() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    u32::try_from(cores).unwrap_or(u32::MAX)
}

/// One pipelined session per four cores, 1 to 4, for point reads and as
/// many for list pages. One served both reads fastest on two cores (the
/// fewer the sessions, the more statements each sends at once); more on
/// a larger host let PostgreSQL spread these
/// reads over more of its cores.
fn default_db_pipelined_sessions() -> u32 {
    host_cores().div_ceil(4).clamp(1, 4)
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw).ok_or_else(|| format!("{raw:?} is no role: use viewer or editor"))
}

#[derive(Clone, Debug, Args)]
pub struct DatabaseConfig {
    /// SQLite (sqlite://file.db?mode=rwc) or PostgreSQL (postgres://...) URL.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Most connections the pool keeps open to the database. Default:
    /// twice this host's cores (2 to 16), sized for a database on the
    /// same host; for a server of its own, about twice its cores in total
    /// across the replicas. PostgreSQL's point reads and list pages have
    /// sessions of their own beside it (`--db-pipelined-sessions`).
    #[arg(
        long,
        env = "COULISSES_DB_MAX_CONNECTIONS",
        default_value_t = default_db_max_connections(),
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub db_max_connections: u32,
    /// PostgreSQL only: connections shared by concurrent point reads (a
    /// single artist), their statements pipelined, and as many again for
    /// list pages; beside the pool, so count them (twice this number) in
    /// its size. 0 sends every read through the pool. Default: one per
    /// four cores of this host, 1 to 4.
    #[arg(
        long,
        env = "COULISSES_DB_PIPELINED_SESSIONS",
        default_value_t = default_db_pipelined_sessions()
    )]
    pub db_pipelined_sessions: u32,
    /// PostgreSQL only: the planner's random_page_cost for the service's
    /// sessions, sent as a startup option when each connection opens.
    /// `server` sends nothing and keeps the server's own (needed behind
    /// PgBouncer, which refuses startup options). Left alone, too, when
    /// the URL's `options` or PGOPTIONS set random_page_cost themselves.
    #[arg(
        long,
        env = "COULISSES_PG_RANDOM_PAGE_COST",
        default_value = "1.1",
        value_parser = page_cost
    )]
    pub pg_random_page_cost: PageCost,
}

impl DatabaseConfig {
    /// How the reads beside the pool connect.
    pub fn read_settings(&self) -> crate::domain::reads::ReadSettings {
        crate::domain::reads::ReadSettings {
            database_url: self.database_url.clone(),
            pipelined_sessions: self.db_pipelined_sessions,
            page_cost: self.pg_random_page_cost,
        }
    }
}

fn planner_effort(raw: &str) -> Result<Effort, String> {
    raw.parse::<f64>()
        .ok()
        .and_then(Effort::new)
        .ok_or_else(|| {
            format!(
                "{raw:?} is no effort: give a factor from {} to {}, 1 by default",
                Effort::LEAST,
                Effort::MOST
            )
        })
}

fn page_cost(raw: &str) -> Result<PageCost, String> {
    if raw == "server" {
        return Ok(PageCost::Server);
    }
    match raw.parse::<f64>() {
        Ok(cost) if cost.is_finite() && cost > 0.0 => Ok(PageCost::Session(cost)),
        _ => Err(format!(
            "{raw:?} is neither `server` nor a positive number like 1.1"
        )),
    }
}

#[derive(Clone, Debug, Args)]
pub struct ServeConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "COULISSES_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// File of bearer tokens, one `name:role:sha256hex` a line (see
    /// `coulisses token new`). Without it nobody is asked for a token, so
    /// the service then binds only to a loopback address.
    #[arg(long, env = "COULISSES_TOKENS_FILE")]
    pub tokens_file: Option<PathBuf>,
    /// Also accept JWTs signed with HS256 by this secret (the file's content).
    #[arg(
        long,
        env = "COULISSES_JWT_SECRET_FILE",
        conflicts_with = "jwt_public_key_file"
    )]
    pub jwt_secret_file: Option<PathBuf>,
    /// Also accept JWTs signed with RS256, checked with this public key (PEM).
    #[arg(long, env = "COULISSES_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// Where clients reach the service (`https://host[:port]`, behind a
    /// proxy its public address), for the calendar feeds' URLs; the
    /// address it listens on when left out.
    #[arg(long, env = "COULISSES_PUBLIC_URL", value_parser = public_url)]
    pub public_url: Option<String>,
    /// Serve without tokens on an address other than loopback.
    #[arg(long, env = "COULISSES_ALLOW_UNAUTHENTICATED")]
    pub allow_unauthenticated: bool,
    /// Deepest selection a query may nest.
    #[arg(long, env = "COULISSES_MAX_DEPTH", default_value_t = 12, value_parser = depth)]
    pub max_depth: usize,
    /// Most fields a query may select, lists counted once.
    #[arg(long, env = "COULISSES_MAX_COMPLEXITY", default_value_t = 5_000, value_parser = positive)]
    pub max_complexity: usize,
    /// Refuse schema introspection (`__schema`, `__type`); GraphiQL and
    /// client generators need it, so it is on by default.
    #[arg(long, env = "COULISSES_DISABLE_INTROSPECTION")]
    pub disable_introspection: bool,
    /// A web origin (`https://host[:port]`) whose pages may call the API
    /// from a browser; repeat for more (comma-separated in the
    /// environment). None by default: no other site's page can send
    /// requests in a user's name and read the answers.
    #[arg(
        long = "cors-origin",
        env = "COULISSES_CORS_ORIGINS",
        value_delimiter = ',',
        value_parser = origin
    )]
    pub cors_origins: Vec<axum::http::HeaderValue>,
    /// Largest request body, in bytes.
    #[arg(long, env = "COULISSES_MAX_BODY_BYTES", default_value_t = 1024 * 1024, value_parser = positive)]
    pub max_body_bytes: usize,
    /// Longest a request may take, in seconds.
    #[arg(
        long,
        env = "COULISSES_REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub request_timeout_secs: u64,
    /// How much work the planner may spend on a planning it cannot settle
    /// at once (overlapping slots, rest times, limits), as a factor on its
    /// default budgets, from 0.01 to 100. Its work is counted, not timed,
    /// so a request always gets the same planning. Raise it for proofs and
    /// tighter bounds on larger festivals, at the cost of their time;
    /// lower it to answer sooner (docs/planning.md, "Effort").
    #[arg(
        long,
        env = "COULISSES_PLANNER_EFFORT",
        default_value = "1",
        value_parser = planner_effort
    )]
    pub planner_effort: Effort,
    /// Subscriptions running at once in this process (and WebSocket
    /// connections open at once).
    #[arg(long, env = "COULISSES_MAX_SUBSCRIPTIONS", default_value_t = 10_000, value_parser = positive)]
    pub max_subscriptions: usize,
    /// Subscriptions running at once on one WebSocket connection.
    #[arg(
        long,
        env = "COULISSES_MAX_SUBSCRIPTIONS_PER_CONNECTION",
        default_value_t = 20,
        value_parser = positive
    )]
    pub max_subscriptions_per_connection: usize,
    /// How often a WebSocket connection is pinged, in seconds: a peer
    /// silent for two pings is gone, and one that takes longer than a ping
    /// to take a message is dropped.
    #[arg(
        long,
        env = "COULISSES_WS_PING_SECS",
        default_value_t = 15,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub ws_ping_secs: u64,
    /// How long a WebSocket connection may run no subscription, in
    /// seconds, before it is closed.
    #[arg(
        long,
        env = "COULISSES_WS_IDLE_TIMEOUT_SECS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub ws_idle_timeout_secs: u64,
    /// On SIGTERM or Ctrl-C, how long in-flight requests get to finish.
    #[arg(long, env = "COULISSES_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
    #[command(flatten)]
    pub log: LogConfig,
}

/// An `http://` or `https://` URL with a host, no path: a trailing slash
/// is dropped.
fn public_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let host = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(['/', ' ', '?', '#']) => {
            Ok(trimmed.to_owned())
        }
        _ => Err(format!(
            "{raw:?} is not a URL like https://coulisses.example.org (scheme and host, no path)"
        )),
    }
}

impl ServeConfig {
    /// Defaults, on this database: what tests and embedders start from.
    pub fn with_database_url(database_url: impl Into<String>) -> Self {
        let mut config = Self::parse_defaults();
        config.database.database_url = database_url.into();
        config
    }

    fn parse_defaults() -> Self {
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            serve: ServeConfig,
        }
        // No argument is given, so only defaults (and the environment) apply.
        Defaults::parse_from(["coulisses"]).serve
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    /// How WebSocket connections are kept.
    pub fn sockets(&self) -> crate::http::SocketSettings {
        crate::http::SocketSettings {
            ping_interval: Duration::from_secs(self.ws_ping_secs),
            idle_timeout: Duration::from_secs(self.ws_idle_timeout_secs),
            max_connections: self.max_subscriptions,
            max_message_bytes: self.max_body_bytes,
            allowed_origins: self.cors_origins.clone(),
        }
    }
}

#[derive(Clone, Debug, Args)]
pub struct LogConfig {
    /// Log lines as text for people or JSON for collectors. RUST_LOG filters.
    #[arg(long, env = "COULISSES_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct SeedConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Load the demo set: 40 artists, a 3-day festival (9-11 July 2027)
    /// and a 4-week tour (6 September to 3 October 2027).
    // The only set so far, hence required: the flag leaves room for others.
    #[arg(long, required = true)]
    pub demo: bool,
    /// If the database holds artists, delete them all, with their
    /// availabilities, and load the set; without it, such a database is
    /// left untouched.
    // No environment variable, unlike other flags: a forgotten one would
    // wipe data on every run.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BackupConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The file to write; it must not exist.
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct MigrateConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(subcommand)]
    pub action: MigrateAction,
}

#[derive(Clone, Copy, Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Roll back the last `steps` migrations.
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_cost_is_a_positive_number_or_server() {
        let parse = |value: &str| {
            Cli::try_parse_from(["coulisses", "serve", "--pg-random-page-cost", value]).map(|cli| {
                match cli.command {
                    Some(Command::Serve(serve)) => serve.database.pg_random_page_cost,
                    _ => panic!("serve expected"),
                }
            })
        };
        assert_eq!(parse("server").ok(), Some(PageCost::Server));
        assert_eq!(parse("4").ok(), Some(PageCost::Session(4.0)));
        for refused in ["0", "-1", "NaN", "inf", "fast"] {
            assert!(parse(refused).is_err(), "{refused}");
        }
        let defaults =
            Cli::try_parse_from(["coulisses"]).map(|cli| cli.serve.database.pg_random_page_cost);
        assert_eq!(defaults.ok(), Some(PageCost::default()));
    }

    #[test]
    fn the_planner_effort_is_a_factor_from_a_hundredth_to_a_hundred() {
        let parse = |value: &str| {
            Cli::try_parse_from(["coulisses", "serve", &format!("--planner-effort={value}")]).map(
                |cli| match cli.command {
                    Some(Command::Serve(serve)) => serve.planner_effort.factor(),
                    _ => panic!("serve expected"),
                },
            )
        };
        assert_eq!(parse("0.01").ok(), Some(0.01));
        assert_eq!(parse("2.5").ok(), Some(2.5));
        assert_eq!(parse("100").ok(), Some(100.0));
        for refused in ["0", "-1", "0.001", "101", "NaN", "inf", "hard"] {
            let Err(err) = parse(refused) else {
                panic!("{refused} was accepted");
            };
            assert!(err.to_string().contains("no effort"), "{refused}: {err}");
        }
        let default = Cli::try_parse_from(["coulisses"]).map(|cli| cli.serve.planner_effort);
        assert_eq!(default.ok(), Some(Effort::DEFAULT));
    }

    #[test]
    fn the_public_url_is_a_scheme_and_a_host() {
        let parse = |value: &str| {
            Cli::try_parse_from(["coulisses", "serve", &format!("--public-url={value}")]).map(
                |cli| match cli.command {
                    Some(Command::Serve(serve)) => serve.public_url,
                    _ => panic!("serve expected"),
                },
            )
        };
        assert_eq!(
            parse("https://coulisses.example.org/")
                .ok()
                .flatten()
                .as_deref(),
            Some("https://coulisses.example.org")
        );
        assert_eq!(
            parse("http://10.0.0.5:8080").ok().flatten().as_deref(),
            Some("http://10.0.0.5:8080")
        );
        for refused in [
            "coulisses.example.org",
            "ftp://x",
            "https://",
            "https://x/feeds",
            "https://x y",
        ] {
            let Err(err) = parse(refused) else {
                panic!("{refused} was accepted");
            };
            assert!(
                err.to_string().contains("scheme and host"),
                "{refused}: {err}"
            );
        }
        let default = Cli::try_parse_from(["coulisses"]).map(|cli| cli.serve.public_url);
        assert_eq!(default.ok(), Some(None));
    }

    #[test]
    fn limits_of_zero_are_refused_at_start() {
        for flag in [
            "--max-depth",
            "--max-complexity",
            "--max-body-bytes",
            "--request-timeout-secs",
            "--db-max-connections",
        ] {
            let parsed = Cli::try_parse_from(["coulisses", "serve", flag, "0"]);
            let Err(err) = parsed else {
                panic!("{flag} 0 was accepted");
            };
            assert!(err.to_string().contains(flag), "{flag}: {err}");
            assert!(
                Cli::try_parse_from(["coulisses", "serve", flag, "1"]).is_ok(),
                "{flag} 1 is fine"
            );
        }
        assert!(Cli::try_parse_from(["coulisses", "serve", "--max-depth", "64"]).is_ok());
        assert!(Cli::try_parse_from(["coulisses", "serve", "--max-depth", "65"]).is_err());
    }

    #[test]
    fn cors_origins_are_origins_and_none_by_default() {
        let origins = |args: &[&str]| {
            let mut argv = vec!["coulisses", "serve"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv).map(|cli| match cli.command {
                Some(Command::Serve(serve)) => serve
                    .cors_origins
                    .iter()
                    .map(|origin| origin.to_str().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>(),
                _ => panic!("serve expected"),
            })
        };
        assert_eq!(origins(&[]).ok(), Some(vec![]));
        assert_eq!(
            origins(&[
                "--cors-origin",
                "https://planning.example.org",
                "--cors-origin",
                "http://localhost:3000/",
            ])
            .ok(),
            Some(vec![
                "https://planning.example.org".to_owned(),
                "http://localhost:3000".to_owned()
            ])
        );
        for refused in [
            "*",
            "planning.example.org",
            "https://x.org/app",
            "https://u@x.org",
        ] {
            assert!(origins(&["--cors-origin", refused]).is_err(), "{refused}");
        }
    }
}
