//! Rows, read by column name, whichever driver fetched them: each record
//! is decoded from a row in one place (`artist`, `availability`, `spans`)
//! and each driver only says how it reads one column (`Row`).

use std::borrow::Cow;

use sea_orm::sea_query::{ColumnType, Value};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbBackend, EntityTrait, IdenStatic, Iterable, QueryResult,
    TryIntoModel,
};
use uuid::Uuid;

use crate::domain::records::{Availability, TimeSpan};
use crate::domain::time::from_micros;
use crate::domain::{DomainError, listing};

/// One column at a time, by name.
pub trait Row {
    fn text(&self, column: &str) -> Result<Option<String>, DomainError>;
    fn id(&self, column: &str) -> Result<Option<Uuid>, DomainError>;
    fn integer(&self, column: &str) -> Result<Option<i64>, DomainError>;
    fn bytes(&self, column: &str) -> Result<Option<Cow<'_, [u8]>>, DomainError>;
}

/// A column the schema declares NOT NULL: null there is a fault.
fn required<T>(value: Option<T>, column: &str) -> Result<T, DomainError> {
    value.ok_or_else(|| DomainError::internal(format!("column {column} is null")))
}

/// An entity's row, every column read by its own name: a column added to
/// the entity is read with no change here, and one the row lacks is a
/// fault, not a silent default.
pub fn model<E: EntityTrait>(row: &impl Row) -> Result<E::Model, DomainError>
where
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let mut model = <E::ActiveModel as ActiveModelTrait>::default();
    for column in E::Column::iter() {
        let definition = column.def();
        let name = column.as_str();
        let value = match definition.get_column_type() {
            ColumnType::Uuid => Value::Uuid(row.id(name)?),
            ColumnType::BigInteger => Value::BigInt(row.integer(name)?),
            ColumnType::String(_) | ColumnType::Text => Value::String(row.text(name)?),
            other => {
                return Err(DomainError::internal(format!(
                    "column {name}: no decoder for {other:?}"
                )));
            }
        };
        if !definition.is_null() && value == value.as_null() {
            return Err(DomainError::internal(format!("column {name} is null")));
        }
        model.try_set(column, value)?;
    }
    Ok(model.try_into_model()?)
}

/// An availability from a row that names its columns `availability_id`,
/// `starts_at`, `ends_at` and `note`; `None` when the row has none (an
/// artist's row joined to no availability).
pub fn availability(artist_id: Uuid, row: &impl Row) -> Result<Option<Availability>, DomainError> {
    let Some(id) = row.id("availability_id")? else {
        return Ok(None);
    };
    Ok(Some(Availability {
        id,
        artist_id,
        starts_at: from_micros(required(row.integer("starts_at")?, "starts_at")?)?,
        ends_at: from_micros(required(row.integer("ends_at")?, "ends_at")?)?,
        note: row.text("note")?,
    }))
}

/// The times an artist's row keeps (`listing::select_times`), sorted by
/// start; none when it has no availability. PostgreSQL packs them in a
/// `bytea`, 16 bytes an availability: when it starts, then when it ends,
/// each a big-endian `i64`. SQLite, which has no such function to pack
/// them, keeps one JSON text of `[starts, ends]` pairs.
pub fn spans(row: &impl Row, backend: DbBackend) -> Result<Vec<TimeSpan>, DomainError> {
    let pairs: Vec<(i64, i64)> = if backend == DbBackend::Postgres {
        match row.bytes(listing::KEPT_SPANS)? {
            Some(packed) => unpack(&packed)?,
            // Never any availability, or all deleted.
            None => Vec::new(),
        }
    } else {
        match row.text(listing::KEPT_SPANS)? {
            // Null (never any availability) or "[]" (all deleted).
            Some(pairs) => serde_json::from_str(&pairs).map_err(DomainError::internal)?,
            None => Vec::new(),
        }
    };
    let mut spans = pairs
        .into_iter()
        .map(|(starts_at, ends_at)| TimeSpan::from_micros(starts_at, ends_at))
        .collect::<Result<Vec<_>, _>>()?;
    // SQLite's trigger does not sort them (its JSON aggregate would sort
    // at every write, PostgreSQL's already did); an artist's availabilities
    // never overlap, so their starts are distinct and order them fully.
    spans.sort_unstable_by_key(|span| span.starts_at);
    Ok(spans)
}

/// `(starts, ends)` pairs from PostgreSQL's packed times.
fn unpack(packed: &[u8]) -> Result<Vec<(i64, i64)>, DomainError> {
    const PAIR: usize = 16;
    if packed.len() % PAIR != 0 {
        return Err(DomainError::internal(format!(
            "packed times of {} bytes: not whole pairs",
            packed.len()
        )));
    }
    Ok(packed
        .chunks_exact(PAIR)
        .map(|pair| {
            let (starts, ends) = pair.split_at(PAIR / 2);
            let integer = |bytes: &[u8]| {
                let mut be = [0; PAIR / 2];
                be.copy_from_slice(bytes);
                i64::from_be_bytes(be)
            };
            (integer(starts), integer(ends))
        })
        .collect())
}

impl Row for QueryResult {
    fn text(&self, column: &str) -> Result<Option<String>, DomainError> {
        Ok(self.try_get("", column)?)
    }
    fn id(&self, column: &str) -> Result<Option<Uuid>, DomainError> {
        Ok(self.try_get("", column)?)
    }
    fn integer(&self, column: &str) -> Result<Option<i64>, DomainError> {
        Ok(self.try_get("", column)?)
    }
    fn bytes(&self, column: &str) -> Result<Option<Cow<'_, [u8]>>, DomainError> {
        Ok(self.try_get::<Option<Vec<u8>>>("", column)?.map(Cow::Owned))
    }
}

impl Row for tokio_postgres::Row {
    fn text(&self, column: &str) -> Result<Option<String>, DomainError> {
        self.try_get(column).map_err(DomainError::internal)
    }
    fn id(&self, column: &str) -> Result<Option<Uuid>, DomainError> {
        self.try_get(column).map_err(DomainError::internal)
    }
    fn integer(&self, column: &str) -> Result<Option<i64>, DomainError> {
        self.try_get(column).map_err(DomainError::internal)
    }
    fn bytes(&self, column: &str) -> Result<Option<Cow<'_, [u8]>>, DomainError> {
        self.try_get::<_, Option<&[u8]>>(column)
            .map(|bytes| bytes.map(Cow::Borrowed))
            .map_err(DomainError::internal)
    }
}

impl Row for rusqlite::Row<'_> {
    fn text(&self, column: &str) -> Result<Option<String>, DomainError> {
        self.get(column).map_err(DomainError::internal)
    }
    fn id(&self, column: &str) -> Result<Option<Uuid>, DomainError> {
        self.get(column).map_err(DomainError::internal)
    }
    fn integer(&self, column: &str) -> Result<Option<i64>, DomainError> {
        self.get(column).map_err(DomainError::internal)
    }
    fn bytes(&self, column: &str) -> Result<Option<Cow<'_, [u8]>>, DomainError> {
        self.get::<_, Option<Vec<u8>>>(column)
            .map(|bytes| bytes.map(Cow::Owned))
            .map_err(DomainError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::unpack;

    #[test]
    fn packed_times_unpack_as_postgres_sends_them() {
        // int8send(-1) || int8send(86400000000) || int8send(i64::MIN) || int8send(0)
        let mut packed = Vec::new();
        for value in [-1_i64, 86_400_000_000, i64::MIN, 0] {
            packed.extend_from_slice(&value.to_be_bytes());
        }
        assert_eq!(
            unpack(&packed).ok(),
            Some(vec![(-1, 86_400_000_000), (i64::MIN, 0)])
        );
        assert_eq!(unpack(&[]).ok(), Some(Vec::new()));
    }

    #[test]
    fn packed_times_of_a_broken_length_are_a_fault() {
        for length in [1, 8, 15, 17, 24] {
            assert!(unpack(&vec![0; length]).is_err(), "{length} bytes");
        }
    }
}
