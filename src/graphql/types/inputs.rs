//! The contract's input objects and their conversion to domain inputs.

use async_graphql::{Enum, InputObject, MaybeUndefined};

use crate::domain::{self, Patch};
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

#[derive(InputObject, Clone, Debug)]
pub struct AvailabilityInput {
    pub starts_at: DateTime,
    pub ends_at: DateTime,
    pub note: Option<String>,
}

impl From<AvailabilityInput> for domain::NewAvailability {
    fn from(input: AvailabilityInput) -> Self {
        Self {
            starts_at: input.starts_at.0,
            ends_at: input.ends_at.0,
            note: input.note,
        }
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct CreateArtistInput {
    pub name: String,
    pub email: Option<String>,
    pub skills: Option<Vec<String>>,
    pub availabilities: Option<Vec<AvailabilityInput>>,
}

impl From<CreateArtistInput> for domain::NewArtist {
    fn from(input: CreateArtistInput) -> Self {
        Self {
            name: input.name,
            email: input.email,
            skills: input.skills.unwrap_or_default(),
            availabilities: input
                .availabilities
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

/// Fields left out are unchanged; email: null clears the email.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateArtistInput {
    pub name: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub skills: MaybeUndefined<Vec<String>>,
}

fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Unchanged,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(value) => Patch::Set(value),
    }
}

impl From<UpdateArtistInput> for domain::ArtistChanges {
    fn from(input: UpdateArtistInput) -> Self {
        Self {
            name: patch(input.name),
            email: patch(input.email),
            skills: patch(input.skills),
        }
    }
}
