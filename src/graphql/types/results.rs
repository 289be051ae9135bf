//! Result unions: the success type or a typed error, for the mutations and
//! for `planning`.

use async_graphql::{ID, SimpleObject, Union};

use super::artist::{Artist, Availability};
use super::errors::{ConflictError, NotFoundError, ValidationError};
use super::planning::Planning;
use super::schedule::{Schedule, ScheduledAssignment};
use super::schedule_change::{CalendarFeed, DeletedAssignment, DeletedSchedule, ScheduleChange};
use crate::domain;
use crate::graphql::errors::UserFacing;

#[derive(SimpleObject)]
pub struct DeletedArtist {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct DeletedAvailability {
    pub id: ID,
}

/// Declares a result union: its success member, made from a domain value,
/// and the error members it may carry.
macro_rules! result_union {
    ($union:ident { $success:ident from $domain:ty $(, $error:ident <- $facing:ident)* $(,)? }) => {
        #[derive(Union)]
        pub enum $union {
            $success($success),
            $($error($error),)*
        }

        impl From<$domain> for $union {
            fn from(value: $domain) -> Self {
                Self::$success(value.into())
            }
        }

        impl TryFrom<UserFacing> for $union {
            type Error = UserFacing;

            fn try_from(err: UserFacing) -> Result<Self, UserFacing> {
                match err {
                    $(UserFacing::$facing(err) => Ok(Self::$error(err)),)*
                    #[allow(unreachable_patterns)]
                    other => Err(other),
                }
            }
        }
    };
}

impl From<domain::Artist> for Artist {
    fn from(artist: domain::Artist) -> Self {
        Self(artist)
    }
}

impl From<domain::Availability> for Availability {
    fn from(availability: domain::Availability) -> Self {
        Self(availability)
    }
}

/// The id of a deleted record.
pub struct Deleted(pub String);

impl From<Deleted> for DeletedArtist {
    fn from(deleted: Deleted) -> Self {
        Self { id: ID(deleted.0) }
    }
}

impl From<Deleted> for DeletedAvailability {
    fn from(deleted: Deleted) -> Self {
        Self { id: ID(deleted.0) }
    }
}

impl From<Deleted> for DeletedSchedule {
    fn from(deleted: Deleted) -> Self {
        Self { id: ID(deleted.0) }
    }
}

impl From<Deleted> for DeletedAssignment {
    fn from(deleted: Deleted) -> Self {
        Self { id: ID(deleted.0) }
    }
}

result_union!(CreateArtistResult {
    Artist from domain::Artist,
    ValidationError <- Validation,
    ConflictError <- Conflict,
});
result_union!(UpdateArtistResult {
    Artist from domain::Artist,
    NotFoundError <- NotFound,
    ValidationError <- Validation,
    ConflictError <- Conflict,
});
result_union!(DeleteArtistResult {
    DeletedArtist from Deleted,
    NotFoundError <- NotFound,
});
result_union!(AddAvailabilityResult {
    Availability from domain::Availability,
    NotFoundError <- NotFound,
    ValidationError <- Validation,
    ConflictError <- Conflict,
});
result_union!(UpdateAvailabilityResult {
    Availability from domain::Availability,
    NotFoundError <- NotFound,
    ValidationError <- Validation,
    ConflictError <- Conflict,
});
result_union!(DeleteAvailabilityResult {
    DeletedAvailability from Deleted,
    NotFoundError <- NotFound,
});
result_union!(SetAvailabilitiesResult {
    Artist from domain::Artist,
    NotFoundError <- NotFound,
    ValidationError <- Validation,
});

result_union!(PlanningResult {
    Planning from domain::planning::PlanningOutcome,
    ValidationError <- Validation,
    NotFoundError <- NotFound,
});

result_union!(CreateScheduleResult {
    Schedule from domain::schedules::Schedule,
    ValidationError <- Validation,
    NotFoundError <- NotFound,
});
result_union!(UpdateScheduleResult {
    ScheduleChange from domain::schedules::Change,
    NotFoundError <- NotFound,
    ValidationError <- Validation,
});
result_union!(ReplanScheduleResult {
    ScheduleChange from domain::schedules::Change,
    NotFoundError <- NotFound,
});
result_union!(PublishScheduleResult {
    Schedule from domain::schedules::Schedule,
    NotFoundError <- NotFound,
});
result_union!(DeleteScheduleResult {
    DeletedSchedule from Deleted,
    NotFoundError <- NotFound,
});
result_union!(AssignArtistResult {
    ScheduledAssignment from domain::schedules::Assigned,
    NotFoundError <- NotFound,
    ValidationError <- Validation,
    ConflictError <- Conflict,
});
result_union!(UnassignResult {
    DeletedAssignment from Deleted,
    NotFoundError <- NotFound,
});
result_union!(UpdateAssignmentResult {
    ScheduledAssignment from domain::schedules::Assigned,
    NotFoundError <- NotFound,
    ConflictError <- Conflict,
});
result_union!(IssueCalendarFeedResult {
    CalendarFeed from (domain::Artist, String),
    NotFoundError <- NotFound,
});
