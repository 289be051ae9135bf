//! The one way the service reads: every resolver, and the compiled read
//! plans, read through `Reads`, and only `Reads` decides how: which
//! statement, on which connection, and what comes with the records asked
//! for. The GraphQL layer says what a selection wants (`Wanted`) and never
//! sees a pool, a driver or SQL.
//!
//! The strategy, and the measurements behind it, are recorded in
//! docs/decisions/0002-read-strategy.md: the hot reads (one artist with
//! its availabilities, a page of artists with their availabilities' times)
//! are one hand-written statement each, run beside the pool where the
//! engine allows (pipelined sessions on PostgreSQL, read-only connections
//! on blocking threads for a SQLite file), and by the pool otherwise.

pub(super) mod rows;

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::LazyLock;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use uuid::Uuid;

use super::errors::DomainError;
use super::listing::{self, Listing, Page, PageBounds, Times, ValidFilter};
use super::records::{Artist, Availability, TimeSpan};
use super::{artists, availabilities, planning, schedules};
use crate::db::{self, Database, PageCost, ReadConnections, ReadError, SqliteReadError};
use crate::entities::artist;

/// How the reads beside the pool connect: the pool's URL and session
/// settings, and how many pipelined sessions PostgreSQL gets.
#[derive(Clone, Debug)]
pub struct ReadSettings {
    pub database_url: String,
    pub pipelined_sessions: u32,
    pub page_cost: PageCost,
}

/// What a selection asks of the artists it reads, beside themselves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    pub skills: bool,
    pub availabilities: Detail,
}

/// How much of their availabilities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    #[default]
    None,
    /// When each starts and ends, and nothing else.
    Times,
    /// Whole records.
    Records,
}

impl Wanted {
    /// What either selection asks.
    pub fn and(self, other: Self) -> Self {
        Self {
            skills: self.skills || other.skills,
            availabilities: self.availabilities.max(other.availabilities),
        }
    }
}

/// What came with the artists a read returned, as `Wanted` asked.
#[derive(Debug, Default)]
pub struct Related {
    pub skills: HashMap<Uuid, Vec<String>>,
    pub availabilities: Availabilities,
}

/// The artists' availabilities as read: whole records, or only when each
/// starts and ends where nothing more was wanted.
#[derive(Debug)]
pub enum Availabilities {
    Records(HashMap<Uuid, Vec<Availability>>),
    Times(HashMap<Uuid, Vec<TimeSpan>>),
}

impl Default for Availabilities {
    fn default() -> Self {
        Self::Records(HashMap::new())
    }
}

/// The read facade over one database.
#[derive(Clone)]
pub struct Reads {
    db: Database,
    /// What the plannings it computes may cost.
    planner_effort: crate::planning::Effort,
}

impl From<DatabaseConnection> for Reads {
    /// Every read through the pool.
    fn from(pool: DatabaseConnection) -> Self {
        Self::on(Database::from(pool))
    }
}

/// The statement of the point read on each engine: the artist's columns
/// as the entity lists them, in a row of its own, then its availabilities'
/// named as `rows` reads them, sorted by start (the artist's row, whose
/// start is null, first). A join would repeat every column of the artist
/// in each availability's row, for the server to send again.
static ARTIST_WITH_AVAILABILITIES: LazyLock<String> =
    LazyLock::new(|| artist_with_availabilities("$1"));
static ARTIST_WITH_AVAILABILITIES_SQLITE: LazyLock<String> =
    LazyLock::new(|| artist_with_availabilities("?1"));

fn artist_with_availabilities(placeholder: &str) -> String {
    use sea_orm::{IdenStatic, Iterable};
    let columns: Vec<&str> = artist::Column::iter()
        .map(|column| column.as_str())
        .collect();
    let nulls = vec!["NULL"; columns.len()];
    format!(
        "SELECT {}, NULL AS availability_id, NULL AS starts_at, NULL AS ends_at, NULL AS note \
         FROM artists WHERE id = {placeholder} \
         UNION ALL \
         SELECT {}, id, starts_at, ends_at, note \
         FROM availabilities WHERE artist_id = {placeholder} \
         ORDER BY starts_at NULLS FIRST",
        columns.join(", "),
        nulls.join(", ")
    )
}

impl Reads {
    /// Reads over `pool`, with the faster ways beside it that the engine
    /// allows: on a SQLite file, point reads and list pages on reader
    /// threads with read-only connections of their own; on PostgreSQL,
    /// point reads and list pages pipelined, each on sessions of their
    /// own, when these can connect as the pool does. Else (and for
    /// in-memory SQLite) the pool serves every read.
    pub async fn open(pool: DatabaseConnection, settings: &ReadSettings) -> Self {
        let mut db = Database::from(pool);
        let url = &settings.database_url;
        if let Some(reads) = db::SqliteReads::of(url, &[ARTIST_WITH_AVAILABILITIES_SQLITE.as_str()])
        {
            db.page_reads = Some(ReadConnections::Sqlite(reads.clone()));
            db.point_reads = Some(ReadConnections::Sqlite(reads));
            return Self::on(db);
        }
        let Some(sessions) = usize::try_from(settings.pipelined_sessions)
            .ok()
            .and_then(NonZeroUsize::new)
        else {
            return Self::on(db);
        };
        let pipelined = |name, statements| {
            db::PipelinedReads::connect(url, settings.page_cost, name, sessions, statements)
        };
        let points = [ARTIST_WITH_AVAILABILITIES.as_str()];
        match pipelined(db::POINT_READS_NAME, &points).await {
            Ok(points) => db.point_reads = Some(ReadConnections::Pipelined(points)),
            Err(db::Unavailable::NotPostgres) => return Self::on(db),
            Err(why) => {
                tracing::warn!(reason = %why, "reads are not pipelined: the pool serves them");
                return Self::on(db);
            }
        }
        // Connected as the point reads' did: the same settings cannot fail.
        db.page_reads = pipelined(db::PAGE_READS_NAME, &[])
            .await
            .ok()
            .map(ReadConnections::Pipelined);
        Self::on(db)
    }

    fn on(db: Database) -> Self {
        Self {
            db,
            planner_effort: crate::planning::Effort::DEFAULT,
        }
    }

    /// The same reads, their plannings computed within `effort`.
    pub fn with_planner_effort(self, effort: crate::planning::Effort) -> Self {
        Self {
            planner_effort: effort,
            ..self
        }
    }

    /// True when point reads have a way of their own beside the pool
    /// (pipelined sessions, or a SQLite file's reader threads).
    pub fn point_reads_apart(&self) -> bool {
        self.db.point_reads.is_some()
    }

    /// Statements run so far on pipelined sessions (point reads and list
    /// pages): with the pool's, what requests cost.
    pub fn pipelined_statements(&self) -> u64 {
        self.db.pipelined_statements()
    }

    /// List pages' statements run so far on connections of their own (the
    /// pipelined sessions, or a SQLite file's readers), if open.
    pub fn page_statements(&self) -> Option<u64> {
        self.db.page_reads.as_ref().map(|pages| match pages {
            ReadConnections::Pipelined(pipelined) => pipelined.statements_run(),
            ReadConnections::Sqlite(sqlite) => sqlite.built_run(),
        })
    }

    /// The artist, and what `wanted` asks of them.
    pub async fn artist(
        &self,
        id: Uuid,
        wanted: Wanted,
    ) -> Result<Option<(Artist, Related)>, DomainError> {
        let pool = &self.db.pool;
        // Its availabilities come with it, in one statement.
        let (artist, availabilities) = if wanted.availabilities == Detail::None {
            (artists::get(pool, id).await?, None)
        } else {
            match self.artist_with_availabilities(id).await? {
                Some((artist, availabilities)) => (Some(artist), Some(availabilities)),
                None => (None, None),
            }
        };
        let Some(artist) = artist else {
            return Ok(None);
        };
        let skills = if wanted.skills {
            artists::skills_of(pool, &[id]).await?
        } else {
            HashMap::new()
        };
        let availabilities = match availabilities {
            Some(records) => Availabilities::Records(HashMap::from([(id, records)])),
            None => Availabilities::default(),
        };
        Ok(Some((
            artist,
            Related {
                skills,
                availabilities,
            },
        )))
    }

    /// A page of artists, and what `wanted` asks of them. Validation errors
    /// name `first`, `last`, `after`, `before` (the `artists` query's
    /// arguments).
    pub async fn page(
        &self,
        listing: &Listing,
        wanted: Wanted,
    ) -> Result<(Page, Related), DomainError> {
        let Listing {
            filter,
            order,
            page,
        } = listing;
        let window = PageBounds::parse(*order, page)?;
        let backend = self.db.backend();
        // The page's times come with it, in one statement: each artist's
        // row keeps them.
        let times = if wanted.availabilities == Detail::Times {
            Times::Read
        } else {
            Times::NotRead
        };
        let statement = listing::page_statement(backend, filter, *order, &window, times);
        let rows = self
            .page_rows(&statement, move |row| {
                let artist = row.artist()?;
                let spans = match times {
                    Times::Read => Some(row.spans(backend)?),
                    Times::NotRead => None,
                };
                Ok((artist, spans))
            })
            .await?;
        let mut models = Vec::with_capacity(rows.len());
        let mut spans = HashMap::new();
        for (artist, times) in rows {
            if let Some(times) = times.filter(|times| !times.is_empty()) {
                spans.insert(artist.id, times);
            }
            models.push(artist);
        }
        let page = listing::finish_page(&self.db.pool, filter, *order, &window, models).await?;
        let ids: Vec<Uuid> = page.edges.iter().map(|(_, artist)| artist.id).collect();
        let related = self.related(&ids, wanted, spans).await?;
        Ok((page, related))
    }

    /// A planning of `request`'s slots over the artists it names (or all):
    /// validated, read, and computed (not stored).
    pub async fn plan(
        &self,
        request: planning::PlanningRequest,
    ) -> Result<planning::PlanningOutcome, DomainError> {
        planning::plan(&self.db.pool, request, self.planner_effort).await
    }

    /// The kept schedule with this ID, if it exists.
    pub async fn schedule(&self, id: Uuid) -> Result<Option<schedules::Schedule>, DomainError> {
        schedules::read(&self.db.pool, id).await
    }

    /// The calendar feed whose secret this is, if any.
    pub async fn calendar_feed(
        &self,
        secret: &str,
    ) -> Result<Option<super::calendars::Feed>, DomainError> {
        super::calendars::feed(&self.db.pool, secret).await
    }

    /// The kept schedules with these IDs that exist, in no particular order.
    pub async fn schedules(&self, ids: &[Uuid]) -> Result<Vec<schedules::Schedule>, DomainError> {
        schedules::read_many(&self.db.pool, ids).await
    }

    /// A page of the kept schedules with this status (all when `None`),
    /// most recently created first.
    pub async fn schedule_page(
        &self,
        status: Option<schedules::ScheduleStatus>,
        page: &listing::PageRequest,
    ) -> Result<schedules::SchedulePage, DomainError> {
        schedules::list(&self.db.pool, status, page).await
    }

    /// How many kept schedules have this status (all when `None`).
    pub async fn schedule_count(
        &self,
        status: Option<schedules::ScheduleStatus>,
    ) -> Result<u64, DomainError> {
        schedules::count(&self.db.pool, status).await
    }

    /// Who could take a position on the slot of the schedule now, best
    /// first, at most `first`; `None` when the schedule or slot does not
    /// exist.
    pub async fn replacements(
        &self,
        schedule_id: Uuid,
        slot_key: &str,
        first: usize,
    ) -> Result<Option<Vec<schedules::Replacement>>, DomainError> {
        let Some(schedule) = schedules::read(&self.db.pool, schedule_id).await? else {
            return Ok(None);
        };
        schedules::replacements(&self.db.pool, &schedule, slot_key, first).await
    }

    /// The kept schedule holding the assignment with this ID, if any.
    pub async fn schedule_of_assignment(
        &self,
        id: Uuid,
    ) -> Result<Option<schedules::Schedule>, DomainError> {
        schedules::of_assignment(&self.db.pool, id).await
    }

    /// What the schedule's assignments are worth on today's data.
    pub async fn evaluate_schedule(
        &self,
        schedule: &schedules::Schedule,
    ) -> Result<schedules::Evaluation, DomainError> {
        schedules::evaluate(&self.db.pool, schedule, self.planner_effort).await
    }

    /// How many artists match the filter, across all pages.
    pub async fn count(&self, filter: &ValidFilter) -> Result<u64, DomainError> {
        listing::count(&self.db.pool, filter).await
    }

    /// The artists with these IDs that exist, in no particular order.
    pub async fn artists(&self, ids: &[Uuid]) -> Result<Vec<Artist>, DomainError> {
        artists::get_many(&self.db.pool, ids).await
    }

    /// Normalized skills per artist, sorted.
    pub async fn skills(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<String>>, DomainError> {
        artists::skills_of(&self.db.pool, ids).await
    }

    /// The availability with this ID, if it exists.
    pub async fn availability(&self, id: Uuid) -> Result<Option<Availability>, DomainError> {
        availabilities::get(&self.db.pool, id).await
    }

    /// Availabilities per artist, sorted by start.
    pub async fn availabilities(
        &self,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Availability>>, DomainError> {
        availabilities::of_artists(&self.db.pool, ids).await
    }

    /// What `wanted` asks of these artists beyond `times`, which came with
    /// them: one statement per kind, run together.
    async fn related(
        &self,
        ids: &[Uuid],
        wanted: Wanted,
        times: HashMap<Uuid, Vec<TimeSpan>>,
    ) -> Result<Related, DomainError> {
        let skills = async {
            if ids.is_empty() || !wanted.skills {
                return Ok(HashMap::new());
            }
            self.skills(ids).await
        };
        let availabilities = async {
            match wanted.availabilities {
                Detail::Times => Ok(Availabilities::Times(times)),
                Detail::Records if !ids.is_empty() => {
                    self.availabilities(ids).await.map(Availabilities::Records)
                }
                _ => Ok(Availabilities::default()),
            }
        };
        let (skills, availabilities) = tokio::try_join!(skills, availabilities)?;
        Ok(Related {
            skills,
            availabilities,
        })
    }

    /// The artist with their availabilities sorted by start, in one
    /// statement: beside the pool where it is open (pipelined with other
    /// requests' reads on PostgreSQL, on a read-only connection of a
    /// SQLite file), by the pool when that way is not open just then.
    async fn artist_with_availabilities(
        &self,
        id: Uuid,
    ) -> Result<Option<(Artist, Vec<Availability>)>, DomainError> {
        match &self.db.point_reads {
            Some(ReadConnections::Pipelined(pipelined)) => {
                match pipelined
                    .query(ARTIST_WITH_AVAILABILITIES.as_str(), &[&id])
                    .await
                {
                    Ok(rows) => return joined(&rows),
                    // Its session is lost or reopening: the pool serves it.
                    Err(ReadError::NoSession) => {}
                    Err(err) => return Err(err.into()),
                }
            }
            Some(ReadConnections::Sqlite(sqlite)) => {
                let read = sqlite
                    .query(
                        ARTIST_WITH_AVAILABILITIES_SQLITE.as_str(),
                        [id],
                        move |found| {
                            let mut joined = Joined::default();
                            while let Some(row) = found.next()? {
                                joined
                                    .add(row)
                                    .map_err(|err| SqliteReadError::Unreadable(Box::new(err)))?;
                            }
                            Ok(joined.found)
                        },
                    )
                    .await;
                match read {
                    Ok(found) => return Ok(found),
                    // SQLite would have had it wait: the pool serves it.
                    Err(SqliteReadError::Busy) => {}
                    Err(err) => return Err(err.into()),
                }
            }
            None => {}
        }
        let backend = self.db.backend();
        let sql = match backend {
            DbBackend::Postgres => &ARTIST_WITH_AVAILABILITIES,
            _ => &ARTIST_WITH_AVAILABILITIES_SQLITE,
        };
        let rows = self
            .db
            .pool
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql.as_str(),
                [id.into()],
            ))
            .await?;
        joined(&rows)
    }

    /// The rows of a page's statement, each read by `read`: on the page
    /// reads' own connections where the database has them (pipelined
    /// sessions, a SQLite file's readers), else, and while those are not
    /// open, by the pool.
    async fn page_rows<T: Send + 'static>(
        &self,
        statement: &Statement,
        read: impl Fn(&dyn PageRow) -> Result<T, DomainError> + Clone + Send + 'static,
    ) -> Result<Vec<T>, DomainError> {
        match &self.db.page_reads {
            Some(ReadConnections::Pipelined(pages)) => match pages.query_built(statement).await {
                Ok(rows) => return rows.iter().map(|row| read(row)).collect(),
                // Its session is lost or reopening: the pool serves it.
                Err(ReadError::NoSession) => {}
                Err(err @ ReadError::Unbindable(_)) => unbindable(&err),
                Err(err) => return Err(err.into()),
            },
            Some(ReadConnections::Sqlite(pages)) => {
                // The reader's thread runs a copy: the pool may need `read`.
                let read = read.clone();
                let rows = pages
                    .query_built(statement, move |rows| {
                        let mut read_rows = Vec::new();
                        while let Some(row) = rows.next()? {
                            read_rows.push(
                                read(row)
                                    .map_err(|err| SqliteReadError::Unreadable(Box::new(err)))?,
                            );
                        }
                        Ok(read_rows)
                    })
                    .await;
                match rows {
                    Ok(rows) => return Ok(rows),
                    // SQLite would have had it wait: the pool serves it.
                    Err(SqliteReadError::Busy) => {}
                    Err(err @ SqliteReadError::Unbindable(_)) => unbindable(&err),
                    Err(err) => return Err(err.into()),
                }
            }
            None => {}
        }
        self.db
            .pool
            .query_all_raw(statement.clone())
            .await?
            .iter()
            .map(|row| read(row))
            .collect()
    }
}

/// A statement binding a kind of value the page reads' own connections do
/// not bind is a fault of this code (`db::pipelined::Param`,
/// `db::sqlite_reads::parameter`), not of the request: said once, then the
/// pool serves such pages.
fn unbindable(err: &dyn std::error::Error) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| tracing::error!(error = %err, "list pages go to the pool"));
}

/// A page's row, whichever driver read it: `rows::Row` as a trait object,
/// so that one closure reads both.
trait PageRow {
    fn artist(&self) -> Result<artist::Model, DomainError>;
    fn spans(&self, backend: DbBackend) -> Result<Vec<TimeSpan>, DomainError>;
}

impl<R: rows::Row> PageRow for R {
    fn artist(&self) -> Result<artist::Model, DomainError> {
        rows::model::<artist::Entity>(self)
    }
    fn spans(&self, backend: DbBackend) -> Result<Vec<TimeSpan>, DomainError> {
        rows::spans(self, backend)
    }
}

/// The artist and availabilities of the point read, from its rows.
fn joined(rows: &[impl rows::Row]) -> Result<Option<(Artist, Vec<Availability>)>, DomainError> {
    let mut joined = Joined::default();
    for row in rows {
        joined.add(row)?;
    }
    Ok(joined.found)
}

/// The point read's rows, assembled one by one: the artist from the first
/// (whose availability's columns are null), an availability from each of
/// the others.
#[derive(Default)]
struct Joined {
    found: Option<(Artist, Vec<Availability>)>,
}

impl Joined {
    fn add(&mut self, row: &impl rows::Row) -> Result<(), DomainError> {
        let (artist, availabilities) = match &mut self.found {
            Some(found) => found,
            found @ None => found.insert((
                Artist::try_from(rows::model::<artist::Entity>(row)?)?,
                Vec::new(),
            )),
        };
        availabilities.extend(rows::availability(artist.id, row)?);
        Ok(())
    }
}
