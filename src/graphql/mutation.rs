use async_graphql::{Context, ErrorExtensions, Guard, ID, Object};
use uuid::Uuid;

use super::errors::into_union;
use super::types::artist::{AvailabilityInput, CreateArtistInput, UpdateArtistInput};
use super::types::results::*;
use super::types::schedule::{AssignmentStatus, CreateScheduleInput, UpdateScheduleInput};
use crate::auth::Role;
use crate::domain::{self, DomainError};

pub struct Mutation;

/// Mutations are for editors: a viewer gets FORBIDDEN and nothing runs.
struct EditorsOnly;

impl Guard for EditorsOnly {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        if ctx.data_opt::<Role>() == Some(&Role::Editor) {
            return Ok(());
        }
        Err(
            async_graphql::Error::new("this operation needs the editor role")
                .extend_with(|_, e| e.set("code", "FORBIDDEN")),
        )
    }
}

/// The record's id, or NotFound when the client sent something that is no id.
fn parse_id(entity: &'static str, raw: &ID) -> Result<Uuid, DomainError> {
    Uuid::parse_str(raw).map_err(|_| DomainError::not_found(entity, raw.as_str()))
}

/// A mutation refers to one record by id; NotFound names it as the client
/// sent it, not as we print ids.
fn as_sent(err: DomainError, raw: &ID) -> DomainError {
    match err {
        DomainError::NotFound { entity, .. } => DomainError::not_found(entity, raw.as_str()),
        other => other,
    }
}

/// As `as_sent`, for an operation that names records of several kinds:
/// NotFound names the one of its kind as the client sent it.
fn as_sent_among(err: DomainError, sent: &[(&str, &ID)]) -> DomainError {
    match err {
        DomainError::NotFound { entity, id } => {
            let raw = sent
                .iter()
                .find(|(kind, _)| *kind == entity)
                .map_or(id, |(_, raw)| raw.to_string());
            DomainError::not_found(entity, raw)
        }
        other => other,
    }
}

fn writes<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a domain::Writes> {
    ctx.data::<domain::Writes>()
}

#[Object]
impl Mutation {
    /// Plans the slots as `planning` would and keeps the result as a DRAFT, every assignment PROPOSED.
    #[graphql(guard = "EditorsOnly")]
    async fn create_schedule(
        &self,
        ctx: &Context<'_>,
        input: CreateScheduleInput,
    ) -> async_graphql::Result<CreateScheduleResult> {
        let result = writes(ctx)?.create_schedule(input.into()).await;
        into_union(result.map_err(|err| err.within("input")))
    }

    /// Fields left out stay; removes only the assignments the change makes invalid and says why; re-plans nothing.
    #[graphql(guard = "EditorsOnly")]
    async fn update_schedule(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateScheduleInput,
    ) -> async_graphql::Result<UpdateScheduleResult> {
        let result = match parse_id("Schedule", &id) {
            Ok(uuid) => writes(ctx)?.update_schedule(uuid, input.into()).await,
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err.within("input"), &id)))
    }

    /// Re-plans: keeps pinned and CONFIRMED assignments, removes those that break a hard rule, fills every position it can while changing as few assignments as possible.
    #[graphql(guard = "EditorsOnly")]
    async fn replan_schedule(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ReplanScheduleResult> {
        let result = match parse_id("Schedule", &id) {
            Ok(uuid) => writes(ctx)?.replan_schedule(uuid).await,
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err, &id)))
    }

    /// Shows the schedule to its artists; publishing it again changes nothing.
    #[graphql(guard = "EditorsOnly")]
    async fn publish_schedule(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<PublishScheduleResult> {
        let result = match parse_id("Schedule", &id) {
            Ok(uuid) => writes(ctx)?.publish_schedule(uuid).await,
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err, &id)))
    }

    /// Also deletes its slots, assignments and refusals.
    #[graphql(guard = "EditorsOnly")]
    async fn delete_schedule(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DeleteScheduleResult> {
        let result = match parse_id("Schedule", &id) {
            Ok(uuid) => writes(ctx)?.delete_schedule(uuid).await,
            Err(err) => Err(err),
        };
        into_union(
            result
                .map(|()| Deleted(id.to_string()))
                .map_err(|err| as_sent(err, &id)),
        )
    }

    /// By hand: puts the artist on the slot (PROPOSED), or refuses with a typed error naming the rule it would break.
    #[graphql(guard = "EditorsOnly")]
    async fn assign_artist(
        &self,
        ctx: &Context<'_>,
        schedule_id: ID,
        slot_key: String,
        artist_id: ID,
        #[graphql(default = false)] pinned: bool,
    ) -> async_graphql::Result<AssignArtistResult> {
        let result = match (
            parse_id("Schedule", &schedule_id),
            parse_id("Artist", &artist_id),
        ) {
            (Ok(schedule), Ok(artist)) => {
                writes(ctx)?
                    .assign_artist(schedule, &slot_key, artist, pinned)
                    .await
            }
            (Err(err), _) | (_, Err(err)) => Err(err),
        };
        into_union(result.map_err(|err| {
            as_sent_among(err, &[("Schedule", &schedule_id), ("Artist", &artist_id)])
        }))
    }

    /// Removes the assignment; a refusal it recorded stays.
    #[graphql(guard = "EditorsOnly")]
    async fn unassign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<UnassignResult> {
        let result = match parse_id("ScheduledAssignment", &id) {
            Ok(uuid) => writes(ctx)?.unassign(uuid).await,
            Err(err) => Err(err),
        };
        into_union(
            result
                .map(|()| Deleted(id.to_string()))
                .map_err(|err| as_sent(err, &id)),
        )
    }

    /// The artist's answer. Confirming an assignment that breaks a hard rule is a ConflictError.
    #[graphql(guard = "EditorsOnly")]
    async fn set_assignment_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: AssignmentStatus,
    ) -> async_graphql::Result<UpdateAssignmentResult> {
        let result = match parse_id("ScheduledAssignment", &id) {
            Ok(uuid) => {
                writes(ctx)?
                    .set_assignment_status(uuid, status.into())
                    .await
            }
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err, &id)))
    }

    /// Kept by every re-plan until unpinned; pinning one that breaks a hard rule is a ConflictError.
    #[graphql(guard = "EditorsOnly")]
    async fn pin_assignment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        pinned: bool,
    ) -> async_graphql::Result<UpdateAssignmentResult> {
        let result = match parse_id("ScheduledAssignment", &id) {
            Ok(uuid) => writes(ctx)?.pin_assignment(uuid, pinned).await,
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err, &id)))
    }

    /// A new secret feed URL for the artist; the previous one stops working.
    #[graphql(guard = "EditorsOnly")]
    async fn issue_calendar_feed(
        &self,
        ctx: &Context<'_>,
        artist_id: ID,
    ) -> async_graphql::Result<IssueCalendarFeedResult> {
        let result = match parse_id("Artist", &artist_id) {
            Ok(uuid) => writes(ctx)?.issue_calendar_feed(uuid).await,
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err, &artist_id)))
    }

    #[graphql(guard = "EditorsOnly")]
    async fn create_artist(
        &self,
        ctx: &Context<'_>,
        input: CreateArtistInput,
    ) -> async_graphql::Result<CreateArtistResult> {
        let result = writes(ctx)?.create_artist(input.into()).await;
        into_union(result.map_err(|err| err.within("input")))
    }

    #[graphql(guard = "EditorsOnly")]
    async fn update_artist(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateArtistInput,
    ) -> async_graphql::Result<UpdateArtistResult> {
        let result = match parse_id("Artist", &id) {
            Ok(uuid) => writes(ctx)?.update_artist(uuid, input.into()).await,
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err.within("input"), &id)))
    }

    /// Also deletes the artist's availabilities.
    #[graphql(guard = "EditorsOnly")]
    async fn delete_artist(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DeleteArtistResult> {
        let result = match parse_id("Artist", &id) {
            Ok(uuid) => writes(ctx)?.delete_artist(uuid).await,
            Err(err) => Err(err),
        };
        into_union(
            result
                .map(|()| Deleted(id.to_string()))
                .map_err(|err| as_sent(err, &id)),
        )
    }

    #[graphql(guard = "EditorsOnly")]
    async fn add_availability(
        &self,
        ctx: &Context<'_>,
        artist_id: ID,
        input: AvailabilityInput,
    ) -> async_graphql::Result<AddAvailabilityResult> {
        let result = match parse_id("Artist", &artist_id) {
            Ok(uuid) => writes(ctx)?.add_availability(uuid, input.into()).await,
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err.within("input"), &artist_id)))
    }

    #[graphql(guard = "EditorsOnly")]
    async fn update_availability(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: AvailabilityInput,
    ) -> async_graphql::Result<UpdateAvailabilityResult> {
        let result = match parse_id("Availability", &id) {
            Ok(uuid) => writes(ctx)?.update_availability(uuid, input.into()).await,
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err.within("input"), &id)))
    }

    #[graphql(guard = "EditorsOnly")]
    async fn delete_availability(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DeleteAvailabilityResult> {
        let result = match parse_id("Availability", &id) {
            Ok(uuid) => writes(ctx)?.delete_availability(uuid).await,
            Err(err) => Err(err),
        };
        into_union(
            result
                .map(|()| Deleted(id.to_string()))
                .map_err(|err| as_sent(err, &id)),
        )
    }

    /// Atomically replaces all of the artist's availabilities with these.
    #[graphql(guard = "EditorsOnly")]
    async fn set_availabilities(
        &self,
        ctx: &Context<'_>,
        artist_id: ID,
        availabilities: Vec<AvailabilityInput>,
    ) -> async_graphql::Result<SetAvailabilitiesResult> {
        let inputs: Vec<domain::NewAvailability> =
            availabilities.into_iter().map(Into::into).collect();
        let result = match parse_id("Artist", &artist_id) {
            Ok(uuid) => writes(ctx)?.set_availabilities(uuid, &inputs).await,
            Err(err) => Err(err),
        };
        into_union(result.map_err(|err| as_sent(err, &artist_id)))
    }
}
