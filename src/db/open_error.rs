//! Why the database cannot be opened, in words a person can act on: which
//! server or file, what is wrong with it, what to check. The drivers' own
//! errors say "pool timed out" for a server that refused the connection,
//! or "(code: 14) unable to open database file" without naming the file.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// How long a PostgreSQL server gets to answer a connection.
pub const CONNECT_PATIENCE: Duration = Duration::from_secs(10);

/// How long a PostgreSQL server that says it is starting up (or shutting
/// down for a restart) is waited for: the one case where waiting helps.
pub const STARTING_PATIENCE: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "PostgreSQL at {server} refused the connection: is the server running, and \
         listening on that address and port?"
    )]
    Refused { server: String },
    #[error("cannot find the host of {server}: check the host name in the database URL")]
    UnknownHost {
        server: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "PostgreSQL at {server} did not answer within {} s: check the address, the \
         port and any firewall between",
        CONNECT_PATIENCE.as_secs()
    )]
    NoAnswer { server: String },
    #[error(
        "PostgreSQL at {server} was still starting up after {} s",
        STARTING_PATIENCE.as_secs()
    )]
    StillStarting { server: String },
    #[error(
        "the database \"{database}\" does not exist on {server}: create it (createdb \
         {database}), or name another one in the database URL"
    )]
    NoDatabase { server: String, database: String },
    #[error(
        "PostgreSQL at {server} refused user \"{user}\" ({reason}): check the user and \
         its password (in the URL, PGPASSWORD or ~/.pgpass)"
    )]
    Authentication {
        server: String,
        user: String,
        reason: String,
    },
    #[error("cannot open the SQLite database {}: {problem}", path.display())]
    Sqlite { path: PathBuf, problem: String },
    #[error("cannot open the database {target}")]
    Other {
        target: String,
        #[source]
        source: DbErr,
    },
}

/// Where a PostgreSQL server is, for a message: `host:port`, or the
/// socket's path.
pub fn server_of(options: &PgConnectOptions) -> String {
    let host = options.get_host();
    let port = options.get_port();
    if host.starts_with('/') {
        format!("{host}/.s.PGSQL.{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// What a failed connection to PostgreSQL means; `None` for a server
/// that is starting up (worth waiting for).
pub fn postgres(options: &PgConnectOptions, err: sqlx::Error) -> Option<OpenError> {
    let server = server_of(options);
    match err {
        sqlx::Error::Io(io) => Some(match io.kind() {
            std::io::ErrorKind::ConnectionRefused => OpenError::Refused { server },
            std::io::ErrorKind::TimedOut => OpenError::NoAnswer { server },
            _ if is_unknown_host(&io) => OpenError::UnknownHost { server, source: io },
            _ => OpenError::Other {
                target: server,
                source: DbErr::Conn(RuntimeErr::SqlxError(sqlx::Error::Io(io).into())),
            },
        }),
        sqlx::Error::Database(db_err) => {
            let code = db_err.code().map(|code| code.into_owned());
            match code.as_deref() {
                // cannot_connect_now: starting up, shutting down, in recovery.
                Some("57P03") => None,
                Some("3D000") => Some(OpenError::NoDatabase {
                    server,
                    database: options
                        .get_database()
                        .unwrap_or(options.get_username())
                        .to_owned(),
                }),
                Some("28P01" | "28000") => Some(OpenError::Authentication {
                    server,
                    user: options.get_username().to_owned(),
                    reason: db_err.message().to_owned(),
                }),
                _ => Some(OpenError::Other {
                    target: server,
                    source: DbErr::Conn(RuntimeErr::SqlxError(
                        sqlx::Error::Database(db_err).into(),
                    )),
                }),
            }
        }
        other => Some(OpenError::Other {
            target: server,
            source: DbErr::Conn(RuntimeErr::SqlxError(other.into())),
        }),
    }
}

/// Name resolution fails with an error of kind `Other` (or `NotFound`)
/// whose message comes from getaddrinfo.
fn is_unknown_host(io: &std::io::Error) -> bool {
    let message = io.to_string();
    message.contains("failed to lookup address")
        || message.contains("Name or service not known")
        || message.contains("nodename nor servname")
}

/// What an error on the SQLite file of `url` means, when it is about the
/// file: the path and what is wrong with it. `None` for other errors.
pub fn sqlite_file(url: &str, err: &DbErr) -> Option<OpenError> {
    const CANTOPEN: i32 = 14;
    const READONLY: i32 = 8;
    let code = super::database_error(err)
        .and_then(|db_err| db_err.code())
        .and_then(|code| code.parse::<i32>().ok())?;
    if code & 0xff != CANTOPEN && code & 0xff != READONLY {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = absolute(options.get_filename());
    let problem = file_problem(&path).unwrap_or_else(|| {
        super::database_error(err)
            .map(|db_err| db_err.message().to_owned())
            .unwrap_or_default()
    });
    Some(OpenError::Sqlite { path, problem })
}

/// Refuses a SQLite file this process could not write (see
/// `file_problem`).
pub fn check_sqlite_file(url: &str) -> Result<(), OpenError> {
    let Ok(options) = SqliteConnectOptions::from_str(url) else {
        // The driver says what is wrong with the URL.
        return Ok(());
    };
    let path = absolute(options.get_filename());
    match file_problem(&path) {
        Some(problem) => Err(OpenError::Sqlite { path, problem }),
        None => Ok(()),
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// What keeps this process from using the database file at `path`, as
/// SQLite does: reading and writing the file, and creating the journal
/// files (`-wal`, `-shm`) beside it.
pub fn file_problem(path: &Path) -> Option<String> {
    let directory = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !directory.is_dir() {
        return Some(format!(
            "the directory {} does not exist: create it, or name a file in another one",
            directory.display()
        ));
    }
    if path.is_dir() {
        return Some("that is a directory, not a file".to_owned());
    }
    if path.exists() {
        if let Err(err) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
        {
            return Some(format!(
                "this user cannot write the file ({err}): make it writable, or run as its owner"
            ));
        }
    }
    if !can_create_in(directory) {
        return Some(format!(
            "this user cannot create files in the directory {} (SQLite keeps \
             {file_name}-wal and {file_name}-shm beside the file): make it writable",
            directory.display()
        ));
    }
    None
}

/// Creating a file is the only sure test: permissions, ownership,
/// capabilities and read-only mounts all have a say.
fn can_create_in(directory: &Path) -> bool {
    let probe = directory.join(format!(".coulisses-write-test-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(err) => err.kind() == std::io::ErrorKind::AlreadyExists,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_named_by_host_and_port_or_socket() {
        let tcp = PgConnectOptions::from_str("postgres://u:secret@db.example:6543/x");
        assert_eq!(
            tcp.map(|o| server_of(&o)).ok().as_deref(),
            Some("db.example:6543")
        );
        let socket = PgConnectOptions::new()
            .host("/var/run/postgresql")
            .port(5432);
        assert_eq!(server_of(&socket), "/var/run/postgresql/.s.PGSQL.5432");
    }

    #[test]
    fn file_problems_name_the_directory_or_the_file() {
        let dir = std::env::temp_dir().join(format!("coulisses-open-{}", std::process::id()));
        let missing = dir.join("nowhere").join("c.db");
        let problem = file_problem(&missing).unwrap_or_default();
        assert!(problem.contains("does not exist"), "{problem}");
        assert!(
            problem.contains(&dir.join("nowhere").display().to_string()),
            "{problem}"
        );
        assert!(std::fs::create_dir_all(&dir).is_ok());
        assert_eq!(file_problem(&dir.join("c.db")), None);
        let problem = file_problem(&dir).unwrap_or_default();
        assert!(problem.contains("directory, not a file"), "{problem}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
