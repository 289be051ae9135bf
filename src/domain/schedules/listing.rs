//! The list of schedules, most recently created first, in keyset pages as
//! the artists' (`domain::listing`): a cursor carries the creation time and
//! the ID of its schedule.

use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{ScheduleStatus, Summary, store};
use crate::domain::errors::DomainError;
use crate::domain::listing::{Cursor, PageBounds, PageRequest};
use crate::entities::schedule;

/// The kind of the schedule list's cursors: one of the artist list is
/// refused here.
const CURSOR_KIND: char = 's';

#[derive(Clone, Debug)]
pub struct SchedulePage {
    pub edges: Vec<(Cursor, Summary)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

fn matching(status: Option<ScheduleStatus>) -> Condition {
    let mut condition = Condition::all();
    if let Some(status) = status {
        condition = condition.add(schedule::Column::Status.eq(status.stored()));
    }
    condition
}

/// Rows after `cursor` in the list's order (newer first), or before it
/// when `before`.
fn past(cursor: &Cursor, before: bool) -> Condition {
    cursor.beyond_on(schedule::Column::CreatedAt, schedule::Column::Id, !before)
}

/// One page of the schedules with this status (all when `None`).
pub async fn list(
    db: &DatabaseConnection,
    status: Option<ScheduleStatus>,
    request: &PageRequest,
) -> Result<SchedulePage, DomainError> {
    let window = PageBounds::parse_keyed(CURSOR_KIND, request)?;
    let mut condition = matching(status);
    if let Some(after) = &window.after {
        condition = condition.add(past(after, false));
    }
    if let Some(before) = &window.before {
        condition = condition.add(past(before, true));
    }
    let direction = if window.backward {
        Order::Asc
    } else {
        Order::Desc
    };
    let mut rows = schedule::Entity::find()
        .filter(condition)
        .order_by(schedule::Column::CreatedAt, direction.clone())
        .order_by(schedule::Column::Id, direction)
        .limit(window.size + 1)
        .all(db)
        .await?;
    let has_more = rows.len() as u64 > window.size;
    rows.truncate(usize::try_from(window.size).unwrap_or(usize::MAX));
    if window.backward {
        rows.reverse();
    }
    // Whether rows lie beyond the cursor we came from costs one more
    // statement, spent only when the client paged from a cursor.
    let beyond = |cursor: &Option<Cursor>, before: bool| {
        let cursor = cursor.clone();
        async move {
            match cursor {
                Some(cursor) => exists(db, matching(status).add(past(&cursor, before).not())).await,
                None => Ok(false),
            }
        }
    };
    let (has_next_page, has_previous_page) = if window.backward {
        (beyond(&window.before, true).await?, has_more)
    } else {
        (has_more, beyond(&window.after, false).await?)
    };
    let edges = rows
        .into_iter()
        .map(|row| {
            let cursor = Cursor::created(CURSOR_KIND, row.id, row.created_at);
            Ok((cursor, store::summary(row)?))
        })
        .collect::<Result<_, DomainError>>()?;
    Ok(SchedulePage {
        edges,
        has_next_page,
        has_previous_page,
    })
}

async fn exists(db: &DatabaseConnection, condition: Condition) -> Result<bool, DomainError> {
    Ok(schedule::Entity::find()
        .select_only()
        .column(schedule::Column::Id)
        .filter(condition)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// How many schedules have this status (all when `None`), across pages.
pub async fn count(
    db: &DatabaseConnection,
    status: Option<ScheduleStatus>,
) -> Result<u64, DomainError> {
    Ok(schedule::Entity::find()
        .filter(matching(status))
        .count(db)
        .await?)
}
