//! The first minutes of a newcomer with the built binary: startup errors
//! that say what to check (and nothing a person cannot use), migrations
//! that say what they did, and a SQLite database that is one file.
//! Messages are checked for the facts they must name, not their wording.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::service::{BINARY, Service, artists_in, sqlite_file};
use serde_json::{Value, json};

/// Runs the binary with `args`, as a newcomer's shell would (with
/// `RUST_BACKTRACE=1`, common on developer machines).
fn run(args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap_or_else(|err| panic!("cannot run {BINARY}: {err}"))
}

/// As `run`, without the capabilities that let root read and write any
/// file: permissions then apply as they do to any user.
fn run_without_override(args: &[&str]) -> Output {
    Command::new("setpriv")
        .args([
            "--bounding-set",
            "-dac_override,-dac_read_search",
            "--inh-caps",
            "-dac_override,-dac_read_search",
            "--",
            BINARY,
        ])
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap_or_else(|err| panic!("cannot run setpriv (util-linux): {err}"))
}

/// The startup error of a failed run: asserts exit status 1 and the
/// shape of a message for a person (no backtrace, no cause said twice).
fn startup_error(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        !stderr.contains("backtrace") && !stderr.contains("rust_begin_unwind"),
        "{stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let text = line
            .trim_start_matches("error: ")
            .trim_start()
            .trim_start_matches("because: ");
        assert!(
            lines[i + 1..].iter().all(|later| !later.contains(text)),
            "said twice: {stderr}"
        );
    }
    stderr
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|err| panic!("bind: {err}"));
    listener
        .local_addr()
        .map(|addr| addr.port())
        .unwrap_or_default()
}

#[test]
fn a_refused_connection_names_the_server_and_never_the_password() {
    let port = closed_port();
    let url = format!("postgres://stage:hunter2@127.0.0.1:{port}/coulisses");
    let error = startup_error(&run(&["serve", "--database-url", &url]));
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(error.contains("refused"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
    assert!(!error.contains("pool timed out"), "{error}");
}

/// A PostgreSQL server as far as a refusal goes: it declines TLS, reads
/// the startup message and answers one ErrorResponse, as PostgreSQL does
/// for a database that does not exist or a refused password.
fn refusing_server(code: &'static str, message: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|err| panic!("bind: {err}"));
    let port = listener
        .local_addr()
        .map(|addr| addr.port())
        .unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut length = [0u8; 4];
            let mut body = Vec::new();
            // SSLRequest (declined with 'N'), then the startup message.
            loop {
                if stream.read_exact(&mut length).is_err() {
                    break;
                }
                let len = u32::from_be_bytes(length) as usize;
                body.resize(len.saturating_sub(4), 0);
                if stream.read_exact(&mut body).is_err() {
                    break;
                }
                if body.starts_with(&[0x04, 0xd2, 0x16, 0x2f]) {
                    let _ = stream.write_all(b"N");
                    continue;
                }
                let mut fields = Vec::new();
                for (tag, value) in [
                    (b'S', "FATAL"),
                    (b'V', "FATAL"),
                    (b'C', code),
                    (b'M', message),
                    (b'F', "postinit.c"),
                    (b'L', "948"),
                    (b'R', "InitPostgres"),
                ] {
                    fields.push(tag);
                    fields.extend_from_slice(value.as_bytes());
                    fields.push(0);
                }
                fields.push(0);
                let mut reply = vec![b'E'];
                reply.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
                reply.extend_from_slice(&fields);
                let _ = stream.write_all(&reply);
                break;
            }
        }
    });
    port
}

#[test]
fn a_missing_database_or_a_refused_user_is_named() {
    let port = refusing_server("3D000", "database \"festival\" does not exist");
    let url = format!("postgres://stage:hunter2@127.0.0.1:{port}/festival");
    let error = startup_error(&run(&["migrate", "--database-url", &url, "up"]));
    assert!(
        error.contains("\"festival\"") && error.contains("does not exist"),
        "{error}"
    );
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(
        !error.contains("line 948") && !error.contains("hunter2"),
        "{error}"
    );

    let port = refusing_server("28P01", "password authentication failed for user \"stage\"");
    let url = format!("postgres://stage:hunter2@127.0.0.1:{port}/festival");
    let error = startup_error(&run(&["serve", "--database-url", &url]));
    assert!(
        error.contains("\"stage\"") && error.contains("password"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
}

#[test]
fn sqlite_errors_name_the_path_and_what_is_wrong_with_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));

    let missing = dir.path().join("nowhere").join("coulisses.db");
    let error = startup_error(&run(&[
        "migrate",
        "--database-url",
        &sqlite_url(&missing),
        "up",
    ]));
    assert!(
        error.contains(&dir.path().join("nowhere").display().to_string()),
        "{error}"
    );
    assert!(error.contains("does not exist"), "{error}");

    // A directory this user cannot write: SQLite cannot create the file,
    // nor its -wal and -shm beside it.
    let locked = dir.path().join("locked");
    assert!(std::fs::create_dir(&locked).is_ok());
    set_mode(&locked, 0o555);
    let error = startup_error(&run_without_override(&[
        "serve",
        "--database-url",
        &sqlite_url(&locked.join("coulisses.db")),
    ]));
    assert!(error.contains(&locked.display().to_string()), "{error}");
    assert!(error.contains("cannot create files"), "{error}");

    // A read-only file in a writable directory.
    let open = dir.path().join("open");
    assert!(std::fs::create_dir(&open).is_ok());
    let file = open.join("coulisses.db");
    let migrated = run(&["migrate", "--database-url", &sqlite_url(&file), "up"]);
    assert!(migrated.status.success(), "{migrated:?}");
    set_mode(&file, 0o444);
    let error = startup_error(&run_without_override(&[
        "serve",
        "--database-url",
        &sqlite_url(&file),
    ]));
    assert!(error.contains(&file.display().to_string()), "{error}");
    assert!(error.contains("cannot write the file"), "{error}");
    set_mode(&locked, 0o755);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    let set = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    assert!(set.is_ok(), "chmod {}: {set:?}", path.display());
}

#[test]
fn verbose_asks_for_the_backtrace() {
    let url = format!("postgres://stage@127.0.0.1:{}/x", closed_port());
    let output = run(&["serve", "--verbose", "--database-url", &url]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("backtrace"), "{stderr}");
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The names of the newest migration and of the one before it.
fn last_two_migrations() -> (String, String) {
    let names = crate::common::migration_names();
    match names.as_slice() {
        [.., before, last] => (last.clone(), before.clone()),
        _ => panic!("fewer than two migrations: {names:?}"),
    }
}

#[test]
fn migrations_say_what_they_did_and_what_comes_next() {
    let (_dir, url) = sqlite_file();
    let up = stdout(&run(&["migrate", "--database-url", &url, "up"]));
    assert!(
        up.contains("applied m20261123_000001_create_artists"),
        "{up}"
    );
    assert!(up.contains("applied m20261124_000003_artist_times"), "{up}");
    let again = stdout(&run(&["migrate", "--database-url", &url, "up"]));
    assert!(again.contains("nothing to apply"), "{again}");

    let down = stdout(&run(&["migrate", "--database-url", &url, "down"]));
    let (last, before) = last_two_migrations();
    assert!(down.contains(&format!("rolled back {last}")), "{down}");
    assert!(!down.contains(&before), "one step: {down}");
    assert!(
        down.contains("1 pending") && down.contains("coulisses serve"),
        "{down}"
    );

    let all = stdout(&run(&[
        "migrate",
        "--database-url",
        &url,
        "down",
        "--steps",
        "9",
    ]));
    assert!(
        all.contains("rolled back m20261123_000002_create_availabilities"),
        "{all}"
    );
    assert!(
        all.contains("rolled back m20261123_000001_create_artists"),
        "{all}"
    );
    let none = stdout(&run(&["migrate", "--database-url", &url, "down"]));
    assert!(none.contains("nothing to roll back"), "{none}");
}

/// The database file alone, copied into a directory of its own.
fn copied_alone(file: &Path) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let copy = dir.path().join("copy.db");
    let copied = std::fs::copy(file, &copy);
    assert!(copied.is_ok(), "{copied:?}");
    let url = sqlite_url(&copy);
    (dir, url)
}

async fn artist_count(url: &str) -> usize {
    artists_in(url).await.len()
}

fn wal_bytes(file: &Path) -> u64 {
    let wal = file.with_extension("db-wal");
    std::fs::metadata(wal).map_or(0, |meta| meta.len())
}

#[tokio::test]
async fn the_database_is_one_file_after_seed_and_after_a_clean_stop() {
    let (dir, url) = sqlite_file();
    let file = dir.path().join("coulisses.db");
    let seeded = stdout(&run(&["seed", "--demo", "--database-url", &url]));
    assert!(seeded.contains("40 artists"), "{seeded}");
    assert_eq!(wal_bytes(&file), 0, "the log is written into the file");
    let (_copy_dir, copy) = copied_alone(&file);
    assert_eq!(artist_count(&copy).await, 40);

    let mut service = Service::serve(&url, &[], "info");
    let created = graphql(
        &service.base,
        "mutation { createArtist(input: { name: \"Ada\" }) { __typename } }",
    )
    .await;
    assert_eq!(created["data"]["createArtist"]["__typename"], "Artist");
    service.terminate();
    assert!(service.exit_status().await.success());
    assert_eq!(wal_bytes(&file), 0, "the log is written into the file");
    let (_copy_dir, copy) = copied_alone(&file);
    assert_eq!(artist_count(&copy).await, 41);
}

async fn graphql(base: &str, query: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap_or_else(|err| panic!("request failed: {err}"));
    response.json().await.unwrap_or_default()
}

#[tokio::test]
async fn backup_copies_the_database_while_the_service_runs() {
    let (dir, url) = sqlite_file();
    let mut service = Service::serve(&url, &[], "info");
    for name in ["Ada", "Grace"] {
        let query =
            format!("mutation {{ createArtist(input: {{ name: \"{name}\" }}) {{ __typename }} }}");
        let created = graphql(&service.base, &query).await;
        assert_eq!(created["data"]["createArtist"]["__typename"], "Artist");
    }
    let target = dir.path().join("backup.db");
    let target_text = target.display().to_string();
    let said = stdout(&run(&["backup", "--database-url", &url, &target_text]));
    assert!(said.contains(&target_text), "{said}");
    let (_copy_dir, copy) = copied_alone(&target);
    assert_eq!(artist_count(&copy).await, 2);

    // Never over an existing file.
    let error = startup_error(&run(&["backup", "--database-url", &url, &target_text]));
    assert!(
        error.contains(&target_text) && error.contains("exists"),
        "{error}"
    );
    service.terminate();
    assert!(service.exit_status().await.success());
}
