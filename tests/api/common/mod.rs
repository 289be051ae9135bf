//! Test support: fresh databases (in-memory SQLite or a file; PostgreSQL,
//! one database per test, dropped after), the API in process, and the app
//! over HTTP on port 0.
//!
//! Every scenario runs on PostgreSQL too: on the server TEST_DATABASE_URL
//! names, else on this host's (`LOCAL_POSTGRES`, over TLS, as production
//! reaches its server). A server that does not answer fails the test that
//! needs it: no test passes without running.

pub mod service;
pub mod socket;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use coulisses::auth::Role;
use coulisses::config::ServeConfig;
use coulisses::domain::{Reads, Writes};
use coulisses::graphql::{Answer, Api, Limits, Transport};
use coulisses::{App, db};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";
/// The server the suite runs on when TEST_DATABASE_URL names none.
pub const LOCAL_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=require";

/// The PostgreSQL server the suite runs on.
pub fn postgres_server_url() -> String {
    std::env::var(TEST_DATABASE_URL)
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| LOCAL_POSTGRES.to_owned())
}

/// A database made for one test.
pub struct TestDb {
    pub db: DatabaseConnection,
    /// The reads as the service makes them: the pool, and beside it the
    /// pipelined sessions on PostgreSQL (point reads and list pages), or
    /// the point reads of a SQLite file.
    reads: Reads,
    pub url: String,
    pub label: &'static str,
    statements: Arc<AtomicUsize>,
    _postgres: Option<PostgresDatabase>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// SQL statements run so far on this database, by the pool or beside
    /// it.
    pub fn statements(&self) -> usize {
        let beside = usize::try_from(self.reads.pipelined_statements()).unwrap_or(usize::MAX);
        self.pooled_statements() + beside
    }

    /// SQL statements run so far by the pool.
    pub fn pooled_statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// True when point reads go beside the pool.
    pub fn point_reads_apart(&self) -> bool {
        self.reads.point_reads_apart()
    }

    /// Statements run so far on the list pages' sessions, if open.
    pub fn page_statements(&self) -> Option<u64> {
        self.reads.page_statements()
    }

    pub fn api(&self) -> TestApi {
        TestApi {
            api: Api::new(
                self.reads.clone(),
                Writes::new(self.db.clone()),
                Limits::default(),
            ),
        }
    }

    /// The API over the pool alone, as when nothing beside it opens.
    pub fn pool_api(&self) -> TestApi {
        TestApi {
            api: Api::new(
                Reads::from(self.db.clone()),
                Writes::new(self.db.clone()),
                Limits::default(),
            ),
        }
    }

    async fn open(
        url: String,
        label: &'static str,
        max_connections: u32,
        postgres: Option<PostgresDatabase>,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        let mut db = match db::connect(&url, max_connections).await {
            Ok(db) => db,
            Err(err) => panic!("cannot open test database {label}: {err}"),
        };
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        if let Err(err) = db::migrate(&db).await {
            panic!("cannot migrate test database {label}: {err}");
        }
        // As the service opens them, with one pipelined session whatever
        // the host (tests/read_sessions.rs counts on one).
        let mut settings = ServeConfig::with_database_url(url.clone())
            .database
            .read_settings();
        settings.pipelined_sessions = 1;
        let reads = Reads::open(db.clone(), &settings).await;
        Self {
            db,
            reads,
            url,
            label,
            statements,
            _postgres: postgres,
            _dir: dir,
        }
    }
}

pub async fn sqlite_memory() -> TestDb {
    TestDb::open("sqlite::memory:".into(), "sqlite", 1, None, None).await
}

/// A SQLite file with a real pool: concurrent requests use several
/// connections, as in production.
pub async fn sqlite_file() -> TestDb {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(err) => panic!("cannot make a temp dir: {err}"),
    };
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    TestDb::open(url, "sqlite-file", 8, None, Some(dir)).await
}

/// A connection to the SQLite file at `url` that holds its write lock
/// until COMMIT or ROLLBACK: writers of the service wait on it, which
/// holds a request in flight without any sleep.
pub async fn hold_write_lock(url: &str) -> DatabaseConnection {
    // One connection, so that BEGIN and COMMIT run on the same one.
    let db = db::connect(url, 1)
        .await
        .unwrap_or_else(|err| panic!("cannot open {url}: {err}"));
    db.execute_unprepared("BEGIN IMMEDIATE")
        .await
        .unwrap_or_else(|err| panic!("cannot take the write lock: {err}"));
    db
}

/// A fresh PostgreSQL database, migrated.
pub async fn postgres() -> TestDb {
    migrated(empty_postgres().await).await
}

/// As `postgres`, reached over TLS whatever the suite's URL says.
pub async fn postgres_with_tls() -> TestDb {
    let mut database = empty_postgres().await;
    let mut url = url::Url::parse(&database.url).unwrap_or_else(|err| panic!("{err}"));
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != "sslmode")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("sslmode", "require");
    database.url = url.to_string();
    migrated(database).await
}

/// `database`, migrated, as the service opens it.
async fn migrated(database: PostgresDatabase) -> TestDb {
    let url = database.url.clone();
    TestDb::open(url, "postgres", 10, Some(database), None).await
}

/// A fresh PostgreSQL database with no table at all (not even migrated),
/// dropped when the value is: for tests of what happens on first start.
pub async fn empty_postgres() -> PostgresDatabase {
    let admin_url = postgres_server_url();
    let admin = match Database::connect(&admin_url).await {
        Ok(admin) => admin,
        Err(err) => panic!(
            "the suite runs on PostgreSQL, and {admin_url} does not answer ({err}): \
             start the local server, or name one in {TEST_DATABASE_URL}"
        ),
    };
    let name = format!("coulisses_test_{}", uuid::Uuid::new_v4().simple());
    if let Err(err) = admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
    {
        panic!("cannot create database {name}: {err}");
    }
    let _ = admin.close().await;
    let url = with_database_name(&admin_url, &name);
    PostgresDatabase {
        admin_url,
        name,
        url,
    }
}

/// The databases every integration scenario runs on.
pub async fn backends() -> Vec<TestDb> {
    vec![sqlite_memory().await, postgres().await]
}

/// Backends with real connection pools, for concurrency.
pub async fn pooled_backends() -> Vec<TestDb> {
    vec![sqlite_file().await, postgres().await]
}

fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Drops its database when the test ends, pass or fail.
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
    /// Where the database is.
    pub url: String,
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime; a runtime of its own on
        // another thread may block on the DROP.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| err.to_string())?;
            runtime.block_on(async {
                let admin = Database::connect(&admin_url)
                    .await
                    .map_err(|err| err.to_string())?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .map_err(|err| err.to_string())?;
                admin.close().await.map_err(|err| err.to_string())
            })
        })
        .join();
        if let Ok(Err(err)) = dropped {
            eprintln!("could not drop test database {}: {err}", self.name);
        }
    }
}

/// The fields of an Artist that take no argument and have no sub-selection.
pub const ARTIST_FIELDS: &[&str] = &[
    "id",
    "name",
    "email",
    "createdAt",
    "updatedAt",
    "skills",
    "__typename",
];
/// The fields of an Availability that take no argument and have no
/// sub-selection.
pub const AVAILABILITY_FIELDS: &[&str] = &["id", "startsAt", "endsAt", "note", "__typename"];

/// The API in process: `schema.execute` with per-request loaders.
#[derive(Clone)]
pub struct TestApi {
    pub api: Api,
}

impl TestApi {
    /// The whole response: `data` and `errors`. A document seen before is
    /// answered by its compiled plan, if it has one, as the server would.
    pub async fn execute(&self, query: &str, variables: Value) -> Value {
        self.answer(query, variables).await.0
    }

    /// As `execute`, and whether a compiled plan wrote the answer.
    pub async fn answer(&self, query: &str, variables: Value) -> (Value, bool) {
        self.answer_as(Role::Editor, query, variables).await
    }

    /// As `answer`, for a caller of `role`.
    pub async fn answer_as(&self, role: Role, query: &str, variables: Value) -> (Value, bool) {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        let answer = self.api.answer(request, role, Transport::Post).await;
        let by_plan = matches!(answer, Answer::Written(_));
        let value = serde_json::from_slice::<Value>(&answer.into_json());
        match value {
            Ok(value) => (value, by_plan),
            Err(err) => panic!("response does not serialize: {err}"),
        }
    }

    /// `data`, asserting there is no top-level error.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.execute(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors for {query}: {response:#}"
        );
        response["data"].clone()
    }

    /// Creates an artist and returns its id.
    pub async fn create_artist(&self, input: Value) -> String {
        let data = self
            .data(
                "mutation($input: CreateArtistInput!) { createArtist(input: $input) { __typename ... on Artist { id } ... on UserError { message } } }",
                json!({ "input": input }),
            )
            .await;
        let result = &data["createArtist"];
        assert_eq!(
            result["__typename"], "Artist",
            "createArtist failed: {result}"
        );
        string(&result["id"])
    }

    pub async fn add_availability(&self, artist_id: &str, starts_at: &str, ends_at: &str) -> Value {
        let data = self
            .data(
                "mutation($id: ID!, $input: AvailabilityInput!) { addAvailability(artistId: $id, input: $input) { __typename ... on Availability { id startsAt endsAt } ... on UserError { code message } ... on ConflictError { field conflictingId } ... on NotFoundError { entity id } ... on ValidationError { fields { field message } } } }",
                json!({ "id": artist_id, "input": { "startsAt": starts_at, "endsAt": ends_at } }),
            )
            .await;
        data["addAvailability"].clone()
    }
}

pub fn string(value: &Value) -> String {
    match value.as_str() {
        Some(text) => text.to_owned(),
        None => panic!("expected a string, got {value}"),
    }
}

/// The field paths of a ValidationError's `fields`, in order.
pub fn field_paths(fields: &Value) -> Vec<&str> {
    fields
        .as_array()
        .map(|all| all.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default()
}

/// A ValidationError's `fields` as (field, message) pairs, in order.
pub fn field_messages(fields: &Value) -> Vec<(String, String)> {
    fields
        .as_array()
        .map(|all| {
            all.iter()
                .map(|f| (string(&f["field"]), string(&f["message"])))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs a scenario on every configured backend, one fresh database each.
pub async fn on_each_backend<F, Fut>(scenario: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for db in backends().await {
        eprintln!("-- on {}", db.label);
        scenario(db).await;
    }
}

/// The app over HTTP on 127.0.0.1, port 0.
pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start(db: &TestDb) -> Self {
        Self::start_with(db, |_| {}).await
    }

    /// Starts the app with the defaults changed by `configure`.
    pub async fn start_with(db: &TestDb, configure: impl FnOnce(&mut ServeConfig)) -> Self {
        let mut config = ServeConfig::with_database_url(db.url.clone());
        config.bind = ([127, 0, 0, 1], 0).into();
        configure(&mut config);
        let app = match App::with_database(config, db.db.clone()).await {
            Ok(app) => app,
            Err(err) => panic!("cannot start the app: {err}"),
        };
        let addr = match app.local_addr() {
            Ok(addr) => addr,
            Err(err) => panic!("no local address: {err}"),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Self {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            stop: Some(stop),
        }
    }

    /// POSTs a GraphQL request; returns the status and the JSON body.
    pub async fn graphql(&self, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(err) => panic!("request failed: {err}"),
        };
        let status = response.status().as_u16();
        match response.json::<Value>().await {
            Ok(body) => (status, body),
            Err(err) => panic!("status {status}: body is not JSON: {err}"),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The migrations' names, oldest first.
pub fn migration_names() -> Vec<String> {
    use migration::MigratorTrait as _;
    migration::Migrator::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect()
}
