use async_graphql::{Context, ID, Object};
use uuid::Uuid;

use super::errors::{into_union, query_error};
use super::loaders::Loaders;
use super::types::artist::{Artist, Availability, wanted_by};
use super::types::connection::ArtistConnection;
use super::types::inputs::{ArtistFilter, ArtistOrder, ListArguments};
use super::types::node::Node;
use super::types::planning::PlanningInput;
use super::types::results::PlanningResult;
use super::types::schedule::{Schedule, ScheduleStatus, ScheduledAssignment};
use super::types::schedule_change::{Replacement, ScheduleConnection};
use crate::domain::listing::PageRequest;
use crate::domain::{DomainError, Reads, Violation};

/// Replacements a `replacements` query lists by default (the contract's
/// default for `first`), and at most.
const DEFAULT_REPLACEMENTS: i32 = 5;
const MAX_REPLACEMENTS: usize = 100;

pub struct Query;

#[Object]
impl Query {
    /// null when the ID does not resolve.
    async fn artist(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Artist>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let wanted = wanted_by([ctx.look_ahead()]);
        let read = reads(ctx)?.artist(id, wanted).await.map_err(query_error)?;
        let Some((artist, related)) = read else {
            return Ok(None);
        };
        Loaders::of(ctx)?.feed([&artist], related, wanted).await;
        Ok(Some(Artist(artist)))
    }

    /// Any object by its ID; null when the ID does not resolve. IDs are
    /// unique across types, so the ID alone says which object it is.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let reads = reads(ctx)?;
        let wanted = wanted_by([ctx.look_ahead()]);
        if let Some((artist, related)) = reads.artist(id, wanted).await.map_err(query_error)? {
            Loaders::of(ctx)?.feed([&artist], related, wanted).await;
            return Ok(Some(Node::Artist(Artist(artist))));
        }
        if let Some(availability) = reads.availability(id).await.map_err(query_error)? {
            return Ok(Some(Node::Availability(Availability(availability))));
        }
        if let Some(schedule) = reads.schedule(id).await.map_err(query_error)? {
            return Ok(Some(Node::Schedule(schedule.into())));
        }
        let holding = reads
            .schedule_of_assignment(id)
            .await
            .map_err(query_error)?;
        Ok(holding
            .and_then(|schedule| ScheduledAssignment::of(schedule, id))
            .map(Node::ScheduledAssignment))
    }

    /// null when the ID does not resolve.
    async fn schedule(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Schedule>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let schedule = reads(ctx)?.schedule(id).await.map_err(query_error)?;
        Ok(schedule.map(Schedule::from))
    }

    /// Most recently created first; first defaults to 20 and is at most 100.
    async fn schedules(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        status: Option<ScheduleStatus>,
    ) -> async_graphql::Result<ScheduleConnection> {
        let request = PageRequest {
            first,
            after,
            last,
            before,
        };
        let status = status.map(Into::into);
        let page = reads(ctx)?
            .schedule_page(status, &request)
            .await
            .map_err(query_error)?;
        Ok(ScheduleConnection { page, status })
    }

    /// Who could take a position on this slot now, best first (fewest moves, then balance); null when the schedule or slot does not resolve.
    async fn replacements(
        &self,
        ctx: &Context<'_>,
        schedule_id: ID,
        slot_key: String,
        #[graphql(default = 5)] first: Option<i32>,
    ) -> async_graphql::Result<Option<Vec<Replacement>>> {
        let Ok(schedule_id) = Uuid::parse_str(&schedule_id) else {
            return Ok(None);
        };
        // An explicit null asks for the default.
        let first = usize::try_from(first.unwrap_or(DEFAULT_REPLACEMENTS))
            .ok()
            .filter(|&first| first <= MAX_REPLACEMENTS)
            .ok_or_else(|| {
                query_error(DomainError::Validation(vec![Violation::new(
                    "first",
                    format!("must be between 0 and {MAX_REPLACEMENTS}"),
                )]))
            })?;
        let _turn = Loaders::of(ctx)?.planner_turn().await?;
        let found = reads(ctx)?
            .replacements(schedule_id, &slot_key, first)
            .await
            .map_err(query_error)?;
        let Some(found) = found else {
            return Ok(None);
        };
        // Their skills and availabilities are loaded already.
        Loaders::of(ctx)?
            .feed_details(found.iter().map(|replacement| &replacement.artist))
            .await;
        Ok(Some(found.into_iter().map(Replacement).collect()))
    }

    /// Relay cursor pagination; first defaults to 20 and is at most 100.
    #[allow(clippy::too_many_arguments)]
    async fn artists(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ArtistFilter>,
        #[graphql(default_with = "Some(ArtistOrder::default())")] order_by: Option<ArtistOrder>,
    ) -> async_graphql::Result<ArtistConnection> {
        let listing = ListArguments {
            first,
            after,
            last,
            before,
            filter,
            order_by,
        }
        .into_listing()
        .map_err(query_error)?;
        let selection = ctx.look_ahead();
        let wanted = wanted_by([
            selection.field("nodes"),
            selection.field("edges").field("node"),
        ]);
        let (page, related) = reads(ctx)?
            .page(&listing, wanted)
            .await
            .map_err(query_error)?;
        Loaders::of(ctx)?
            .feed(page.edges.iter().map(|(_, artist)| artist), related, wanted)
            .await;
        Ok(ArtistConnection {
            page,
            filter: listing.filter,
        })
    }

    /// Computes (does not store) an assignment of artists to slots.
    async fn planning(
        &self,
        ctx: &Context<'_>,
        input: PlanningInput,
    ) -> async_graphql::Result<PlanningResult> {
        let outcome = reads(ctx)?.plan(input.into()).await;
        if let Ok(outcome) = &outcome {
            // The assigned artists' skills and availabilities are loaded
            // already: serve their fields from them.
            Loaders::of(ctx)?
                .feed_details(outcome.assigned_artists())
                .await;
        }
        into_union(outcome.map_err(|err| err.within("input")))
    }
}

pub(super) fn reads<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Reads> {
    ctx.data::<Reads>()
}
