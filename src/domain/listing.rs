//! The artist list: filters, orderings and keyset pagination. A cursor
//! carries the sort key and the id of its row, so a page boundary stays put
//! when rows are inserted or deleted elsewhere.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement, Value,
};
use uuid::Uuid;

use super::errors::DomainError;
use super::records::Artist;
use super::time::to_micros;
use super::validation::{self, Violations};
use crate::entities::{artist, artist_skill, availability};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;
const SEARCH_MAX_CHARS: usize = 200;

#[derive(Clone, Debug, Default)]
pub struct ArtistFilter {
    /// Case-insensitive substring of name or email.
    pub search: Option<String>,
    /// The artist has every one of these skills.
    pub skills: Option<Vec<String>>,
    /// The artist's availabilities cover this whole range.
    pub available_during: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ArtistOrder {
    #[default]
    NameAsc,
    NameDesc,
    CreatedAtAsc,
    CreatedAtDesc,
}

#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Page {
    /// (cursor, artist), in the requested order. A cursor is written out
    /// (`Cursor::encode`) only where a client asks for it.
    pub edges: Vec<(Cursor, Artist)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

/// A list of artists to read: which, in what order, which page.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub filter: ValidFilter,
    pub order: ArtistOrder,
    pub page: PageRequest,
}

/// A filter whose values are validated and normalized, ready for SQL.
#[derive(Clone, Debug, Default)]
pub struct ValidFilter {
    search: Option<String>,
    skills: Vec<String>,
    available_during: Option<(i64, i64)>,
}

impl ArtistFilter {
    /// Field paths are relative to the filter argument.
    pub fn validate(&self) -> Result<ValidFilter, DomainError> {
        let mut violations = Violations::default();
        let search = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        if let Some(search) = &search {
            if search.chars().count() > SEARCH_MAX_CHARS {
                violations.add(
                    "search",
                    format!("must be at most {SEARCH_MAX_CHARS} characters"),
                );
            } else if search.contains('\0') {
                violations.add("search", validation::NUL_MESSAGE);
            }
        }
        let skills = self
            .skills
            .as_deref()
            .map(|raw| validation::skills(raw, "skills", &mut violations))
            .unwrap_or_default();
        if let Some((starts_at, ends_at)) = self.available_during {
            if ends_at <= starts_at {
                violations.add("availableDuring.endsAt", "must be after startsAt");
            }
        }
        violations.finish()?;
        Ok(ValidFilter {
            search,
            skills,
            available_during: self
                .available_during
                .map(|(starts_at, ends_at)| (to_micros(starts_at), to_micros(ends_at))),
        })
    }
}

/// Up to this many skills, PostgreSQL's skills filter is one EXISTS per
/// skill; beyond, one grouped subquery. Planning a join grows fast with
/// each EXISTS (docs/performance.md, "Filtered pages"), and a filter
/// naming many skills matches few artists, where the grouped subquery is
/// fast anyway.
const MOST_SKILLS_AS_EXISTS: usize = 3;

impl ValidFilter {
    /// The filter in SQL.
    ///
    /// "Has these skills", on PostgreSQL with a few skills, is one
    /// EXISTS per skill, which it plans as a semi-join: it walks the
    /// page's order probing each artist when most match (stopping at the
    /// page's end), and starts from the skill's index entries when few do.
    /// It can only choose knowing the skills, so they are written into the
    /// SQL (quoted by sea-query): bound, it soon settles on one generic
    /// plan for every value, and a rare skill then took many times
    /// longer. Each set of skills is a statement of its own, planned once
    /// per connection that runs it and kept among sqlx's 100. Otherwise,
    /// and on SQLite, which makes no such choice (a correlated test would
    /// probe every artist until the page fills), the matching ids come
    /// from one grouped subquery. docs/performance.md, "Filtered pages", has the figures.
    fn condition(&self, backend: DbBackend) -> Condition {
        let mut condition = Condition::all();
        if let Some(search) = &self.search {
            let pattern = format!("%{}%", escape_like(search));
            condition = condition.add(
                Condition::any()
                    .add(artist::Column::NameKey.like(LikeExpr::new(pattern.clone()).escape('\\')))
                    .add(artist::Column::EmailKey.like(LikeExpr::new(pattern).escape('\\'))),
            );
        }
        if backend == DbBackend::Postgres && self.skills.len() <= MOST_SKILLS_AS_EXISTS {
            for skill in &self.skills {
                condition = condition.add(has_skill(skill));
            }
        } else if !self.skills.is_empty() {
            condition =
                condition.add(artist::Column::Id.in_subquery(with_all_skills(&self.skills)));
        }
        if let Some((starts_at, ends_at)) = self.available_during {
            condition = condition.add(artist::Column::Id.in_subquery(covering(starts_at, ends_at)));
        }
        condition
    }
}

/// The artist (the outer query's row) has this skill, written into the SQL.
fn has_skill(skill: &str) -> SimpleExpr {
    use artist_skill::Column::{ArtistId, Skill};
    Expr::exists(
        Query::select()
            .expr(Expr::cust("1"))
            .from(artist_skill::Entity)
            .and_where(
                Expr::col((artist_skill::Entity, ArtistId))
                    .equals((artist::Entity, artist::Column::Id)),
            )
            .and_where(Expr::col((artist_skill::Entity, Skill)).eq(Expr::Constant(skill.into())))
            .to_owned(),
    )
}

/// Artists with every one of these skills. Skills are unique per artist,
/// so matching them all means matching as many rows as there are skills.
fn with_all_skills(skills: &[String]) -> SelectStatement {
    Query::select()
        .column(artist_skill::Column::ArtistId)
        .from(artist_skill::Entity)
        .and_where(artist_skill::Column::Skill.is_in(skills.iter().cloned()))
        .group_by_col(artist_skill::Column::ArtistId)
        .and_having(
            Expr::col(artist_skill::Column::Skill)
                .count()
                .eq(skills.len() as i64),
        )
        .to_owned()
}

/// Artists whose availabilities cover [starts_at, ends_at). An artist's
/// availabilities never overlap, so they cover the range exactly when the
/// parts of them inside it add up to its length: this also accepts a range
/// covered by several availabilities that touch end to start.
///
/// One grouped pass on both engines. A correlated test per artist (with
/// the range written in) made PostgreSQL's pages faster where most
/// artists cover the range, but slower where many availabilities meet it
/// and few cover it, a gap inside the data (PostgreSQL overestimates how
/// many meet it). This form's worst case is the lesser
/// (docs/performance.md, "Filtered pages").
fn covering(starts_at: i64, ends_at: i64) -> SelectStatement {
    use availability::Column::{ArtistId, EndsAt, StartsAt};
    let clipped_end: SimpleExpr = Expr::case(Expr::col(EndsAt).lt(ends_at), Expr::col(EndsAt))
        .finally(ends_at)
        .into();
    let clipped_start: SimpleExpr =
        Expr::case(Expr::col(StartsAt).gt(starts_at), Expr::col(StartsAt))
            .finally(starts_at)
            .into();
    Query::select()
        .column(ArtistId)
        .from(availability::Entity)
        .and_where(Expr::col(StartsAt).lt(ends_at))
        .and_where(Expr::col(EndsAt).gt(starts_at))
        .group_by_col(ArtistId)
        .and_having(Expr::expr(Func::sum(clipped_end.sub(clipped_start))).eq(ends_at - starts_at))
        .to_owned()
}

fn escape_like(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Number of artists matching the filter, across all pages.
pub async fn count(db: &DatabaseConnection, filter: &ValidFilter) -> Result<u64, DomainError> {
    Ok(artist::Entity::find()
        .filter(filter.condition(db.get_database_backend()))
        .count(db)
        .await?)
}

/// Name of an artist's kept times in a page's row (`select_times`).
pub(crate) const KEPT_SPANS: &str = "spans";

/// Adds to `query`, a select of artists, the times of each artist's
/// availabilities, which the artist's row keeps (migrations
/// m20261124_000003 and m20261204_000006, maintained by triggers on every
/// write; the decision is in
/// docs/decisions/0001-times-kept-with-their-artist.md): read them back
/// with `reads::rows::spans`. On PostgreSQL, packed in a `bytea`; on
/// SQLite, a JSON text of `[starts_at, ends_at]` pairs.
fn select_times(query: &mut SelectStatement, backend: DbBackend) {
    use migration::kept_times::{POSTGRES_SPANS, SQLITE_PAIRS};
    let column = if backend == DbBackend::Postgres {
        POSTGRES_SPANS
    } else {
        SQLITE_PAIRS
    };
    query.expr_as(Expr::col((artist::Entity, Alias::new(column))), KEPT_SPANS);
}

/// Whether a page's statement reads its artists' availabilities' times.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Times {
    Read,
    NotRead,
}

/// The statement that reads a page's rows (with `Times::Read`, and the
/// times each artist's row keeps), in reading order, one more than the
/// page holds to tell whether there are more.
///
/// The page size is written into its SQL rather than bound. With `LIMIT
/// $n`, PostgreSQL re-plans the statement at every execution (its generic
/// plan, estimated for 100 rows, never looks cheaper than a custom one):
/// when the page joined its availabilities to aggregate their times, that
/// cost more than the join saved (docs/performance.md, step 8). Written in, an unfiltered
/// page's statement has no parameter left and is planned once per
/// connection. The size is a number the window validated (at most
/// MAX_PAGE_SIZE + 1): one SQL text per size and shape of query.
pub(crate) fn page_statement(
    backend: DbBackend,
    filter: &ValidFilter,
    order: ArtistOrder,
    window: &PageBounds,
    times: Times,
) -> Statement {
    let mut condition = filter.condition(backend);
    if let Some(after) = &window.after {
        condition = condition.add(after.comes_after(order));
    }
    if let Some(before) = &window.before {
        condition = condition.add(before.comes_before(order));
    }
    let direction = window.reading_direction(order);
    let mut query = artist::Entity::find()
        .filter(condition)
        .order_by(order.key_column(), direction.clone())
        .order_by(artist::Column::Id, direction)
        .into_query();
    if times == Times::Read {
        select_times(&mut query, backend);
    }
    let mut statement = backend.build(&query);
    statement.sql = format!("{} LIMIT {}", statement.sql, window.size + 1);
    statement
}

/// The page from its rows as `page_statement` reads them. Whether rows
/// lie beyond a cursor is asked of the pool.
pub(crate) async fn finish_page(
    db: &DatabaseConnection,
    filter: &ValidFilter,
    order: ArtistOrder,
    window: &PageBounds,
    mut rows: Vec<artist::Model>,
) -> Result<Page, DomainError> {
    let has_more = rows.len() as u64 > window.size;
    rows.truncate(window.size as usize);
    if window.backward {
        rows.reverse();
    }

    // Whether rows lie beyond the cursor we came from costs one more
    // statement, spent only when the client paged from a cursor.
    let matching = || filter.condition(db.get_database_backend());
    let (has_next_page, has_previous_page) = if window.backward {
        let beyond = match &window.before {
            Some(before) => exists(db, matching().add(before.comes_before(order).not())).await?,
            None => false,
        };
        (beyond, has_more)
    } else {
        let beyond = match &window.after {
            Some(after) => exists(db, matching().add(after.comes_after(order).not())).await?,
            None => false,
        };
        (has_more, beyond)
    };

    let edges = rows
        .into_iter()
        .map(|row| {
            let cursor = Cursor::of(order, &row);
            Artist::try_from(row).map(|artist| (cursor, artist))
        })
        .collect::<Result<_, _>>()?;
    Ok(Page {
        edges,
        has_next_page,
        has_previous_page,
    })
}

async fn exists(db: &DatabaseConnection, condition: Condition) -> Result<bool, DomainError> {
    Ok(artist::Entity::find()
        .select_only()
        .column(artist::Column::Id)
        .filter(condition)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

impl ArtistOrder {
    fn descending(self) -> bool {
        matches!(self, Self::NameDesc | Self::CreatedAtDesc)
    }

    fn reversed(self) -> Self {
        match self {
            Self::NameAsc => Self::NameDesc,
            Self::NameDesc => Self::NameAsc,
            Self::CreatedAtAsc => Self::CreatedAtDesc,
            Self::CreatedAtDesc => Self::CreatedAtAsc,
        }
    }

    fn key_column(self) -> artist::Column {
        match self {
            Self::NameAsc | Self::NameDesc => artist::Column::NameKey,
            Self::CreatedAtAsc | Self::CreatedAtDesc => artist::Column::CreatedAt,
        }
    }

    fn key_kind(self) -> char {
        match self {
            Self::NameAsc | Self::NameDesc => 'n',
            Self::CreatedAtAsc | Self::CreatedAtDesc => 'c',
        }
    }
}

/// The page to read: its size, its bounds, and which end it is counted from.
pub(crate) struct PageBounds {
    pub(crate) size: u64,
    pub(crate) after: Option<Cursor>,
    pub(crate) before: Option<Cursor>,
    /// Counted from the end (`last`): read in reverse order, then turned.
    pub(crate) backward: bool,
}

impl PageBounds {
    /// Backward pages are read in reverse order from their end, then turned.
    fn reading_direction(&self, order: ArtistOrder) -> Order {
        let reading_order = if self.backward {
            order.reversed()
        } else {
            order
        };
        if reading_order.descending() {
            Order::Desc
        } else {
            Order::Asc
        }
    }

    pub(crate) fn parse(order: ArtistOrder, request: &PageRequest) -> Result<Self, DomainError> {
        Self::parse_keyed(order.key_kind(), request)
    }

    /// The page of a list whose cursors are of kind `kind`.
    pub(crate) fn parse_keyed(kind: char, request: &PageRequest) -> Result<Self, DomainError> {
        let mut violations = Violations::default();
        let mut size_of = |name: &str, value: Option<i32>| {
            value.and_then(|n| match u64::try_from(n) {
                Ok(n) if n <= MAX_PAGE_SIZE => Some(n),
                _ => {
                    violations.add(name, format!("must be between 0 and {MAX_PAGE_SIZE}"));
                    None
                }
            })
        };
        let first = size_of("first", request.first);
        let last = size_of("last", request.last);
        if request.first.is_some() && request.last.is_some() {
            violations.add(
                "last",
                "cannot be combined with first; page one way at a time",
            );
        }
        let mut cursor_of = |name: &str, raw: Option<&str>| {
            raw.and_then(|raw| {
                let cursor = Cursor::decode(raw).filter(|c| c.kind == kind);
                if cursor.is_none() {
                    violations.add(name, "is not a cursor of this ordering");
                }
                cursor
            })
        };
        let after = cursor_of("after", request.after.as_deref());
        let before = cursor_of("before", request.before.as_deref());
        violations.finish()?;
        let backward = request.last.is_some();
        Ok(Self {
            size: if backward { last } else { first }.unwrap_or(DEFAULT_PAGE_SIZE),
            after,
            before,
            backward,
        })
    }
}

/// Where a page starts or ends: the sort key and the id of its artist.
#[derive(Clone, Debug, PartialEq)]
pub struct Cursor {
    kind: char,
    id: Uuid,
    key: SortKey,
}

#[derive(Clone, Debug, PartialEq)]
enum SortKey {
    Name(String),
    CreatedAt(i64),
}

impl SortKey {
    fn value(&self) -> Value {
        match self {
            Self::Name(name) => name.clone().into(),
            Self::CreatedAt(micros) => (*micros).into(),
        }
    }
}

impl Cursor {
    fn of(order: ArtistOrder, row: &artist::Model) -> Self {
        let key = match order.key_column() {
            artist::Column::CreatedAt => SortKey::CreatedAt(row.created_at),
            _ => SortKey::Name(row.name_key.clone()),
        };
        Self {
            kind: order.key_kind(),
            id: row.id,
            key,
        }
    }

    /// The cursor as clients send it back: opaque, URL-safe.
    pub fn encode(&self) -> String {
        let key = match &self.key {
            SortKey::Name(name) => name.clone(),
            SortKey::CreatedAt(micros) => micros.to_string(),
        };
        URL_SAFE_NO_PAD.encode(format!("{}:{}:{key}", self.kind, self.id))
    }

    fn decode(raw: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (kind, rest) = text.split_once(':')?;
        let (id, key) = rest.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        let (kind, key) = match kind {
            // No name holds NUL (validation refuses it; PostgreSQL's text
            // cannot): a key with one was not written by this service.
            "n" if key.contains('\0') => return None,
            "n" => ('n', SortKey::Name(key.to_owned())),
            "c" => ('c', SortKey::CreatedAt(key.parse().ok()?)),
            "s" => ('s', SortKey::CreatedAt(key.parse().ok()?)),
            _ => return None,
        };
        Some(Self { kind, id, key })
    }

    /// Rows strictly after this cursor's row in `order`.
    fn comes_after(&self, order: ArtistOrder) -> Condition {
        self.beyond(order.descending())
    }

    /// Rows strictly before this cursor's row in `order`.
    fn comes_before(&self, order: ArtistOrder) -> Condition {
        self.beyond(!order.descending())
    }

    /// (key, id) > cursor, or < cursor when `smaller`.
    fn beyond(&self, smaller: bool) -> Condition {
        let column = match self.key {
            SortKey::Name(_) => artist::Column::NameKey,
            SortKey::CreatedAt(_) => artist::Column::CreatedAt,
        };
        self.beyond_on(column, artist::Column::Id, smaller)
    }

    /// A cursor of kind `kind` at the row `id` created at `created_at`
    /// (microseconds).
    pub(crate) fn created(kind: char, id: Uuid, created_at: i64) -> Self {
        Self {
            kind,
            id,
            key: SortKey::CreatedAt(created_at),
        }
    }

    /// (key, id) > cursor on these columns, or < cursor when `smaller`.
    pub(crate) fn beyond_on<C: ColumnTrait>(&self, column: C, id: C, smaller: bool) -> Condition {
        let key = self.key.value();
        let (key_beyond, id_beyond) = if smaller {
            (column.lt(key.clone()), id.lt(self.id))
        } else {
            (column.gt(key.clone()), id.gt(self.id))
        };
        Condition::any()
            .add(key_beyond)
            .add(Condition::all().add(column.eq(key)).add(id_beyond))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            kind: 'n',
            id: Uuid::now_v7(),
            key: SortKey::Name("zoë: the:colon".into()),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("c:x:1")), None);
        let nul = format!("n:{}:a\0b", Uuid::now_v7());
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode(nul)), None);
    }

    #[test]
    fn a_cursor_of_another_ordering_is_rejected() {
        let cursor = Cursor {
            kind: 'n',
            id: Uuid::now_v7(),
            key: SortKey::Name("ada".into()),
        };
        let request = PageRequest {
            after: Some(cursor.encode()),
            ..PageRequest::default()
        };
        assert!(PageBounds::parse(ArtistOrder::CreatedAtAsc, &request).is_err());
        assert!(PageBounds::parse(ArtistOrder::NameDesc, &request).is_ok());
    }

    #[test]
    fn page_sizes_are_bounded() {
        let request = |first, last| PageRequest {
            first,
            last,
            ..PageRequest::default()
        };
        let size = |r: &PageRequest| PageBounds::parse(ArtistOrder::NameAsc, r).map(|w| w.size);
        assert_eq!(size(&request(None, None)).ok(), Some(DEFAULT_PAGE_SIZE));
        assert_eq!(size(&request(Some(100), None)).ok(), Some(100));
        assert!(size(&request(Some(101), None)).is_err());
        assert!(size(&request(Some(-1), None)).is_err());
        assert!(size(&request(Some(1), Some(1))).is_err());
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}
