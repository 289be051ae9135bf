//! The arguments of `artists` and their conversion to a domain listing.
//! The inputs that write artists and availabilities are beside their
//! types, in `artist.rs`.

use async_graphql::{Enum, InputObject};

use crate::domain;
use crate::graphql::scalars::DateTime;

#[derive(InputObject, Clone, Debug)]
pub struct TimeRangeInput {
    pub starts_at: DateTime,
    pub ends_at: DateTime,
}

#[derive(InputObject, Clone, Debug, Default)]
pub struct ArtistFilter {
    /// Case-insensitive substring of name or email.
    pub search: Option<String>,
    /// The artist has every one of these skills (normalized like Artist.skills).
    pub skills: Option<Vec<String>>,
    /// The artist's availabilities cover this whole range.
    pub available_during: Option<TimeRangeInput>,
}

impl From<ArtistFilter> for domain::listing::ArtistFilter {
    fn from(filter: ArtistFilter) -> Self {
        Self {
            search: filter.search,
            skills: filter.skills,
            available_during: filter
                .available_during
                .map(|range| (range.starts_at.0, range.ends_at.0)),
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ArtistOrder {
    #[default]
    NameAsc,
    NameDesc,
    CreatedAtAsc,
    CreatedAtDesc,
}

/// The arguments of `artists`, as the resolver and the compiled reads
/// (`graphql::compiled`) both take them.
#[derive(Debug, Default)]
pub struct ListArguments {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub filter: Option<ArtistFilter>,
    pub order_by: Option<ArtistOrder>,
}

impl ListArguments {
    /// The listing, or the filter's violations under `filter`. An absent
    /// `orderBy` is `ArtistOrder::default()`, as the resolver's default.
    pub fn into_listing(self) -> Result<domain::listing::Listing, domain::DomainError> {
        let filter = domain::listing::ArtistFilter::from(self.filter.unwrap_or_default())
            .validate()
            .map_err(|err| err.within("filter"))?;
        Ok(domain::listing::Listing {
            filter,
            order: self.order_by.unwrap_or_default().into(),
            page: domain::listing::PageRequest {
                first: self.first,
                after: self.after,
                last: self.last,
                before: self.before,
            },
        })
    }
}

impl From<ArtistOrder> for domain::listing::ArtistOrder {
    fn from(order: ArtistOrder) -> Self {
        match order {
            ArtistOrder::NameAsc => Self::NameAsc,
            ArtistOrder::NameDesc => Self::NameDesc,
            ArtistOrder::CreatedAtAsc => Self::CreatedAtAsc,
            ArtistOrder::CreatedAtDesc => Self::CreatedAtDesc,
        }
    }
}
