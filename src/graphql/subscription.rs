//! The contract's subscriptions, served over WebSocket (`graphql::socket`).

use async_graphql::futures_util::Stream;
use async_graphql::{Context, ErrorExtensions, ID, Subscription as Root};
use uuid::Uuid;

use super::errors::internal;
use super::socket::SubscriptionPermits;
use super::types::schedule_event::ScheduleEvent;
use crate::domain::schedules::Live;
use crate::domain::{DomainError, Writes};

/// `extensions.code` of a subscription to something that does not exist.
pub const NOT_FOUND: &str = "NOT_FOUND";

pub struct Subscription;

#[Root]
impl Subscription {
    /// Each change of the schedule, whichever replica made it. With afterVersion, a subscriber that reconnects first gets the current state at once when it is newer.
    async fn schedule_changed(
        &self,
        ctx: &Context<'_>,
        id: ID,
        after_version: Option<i32>,
    ) -> async_graphql::Result<impl Stream<Item = ScheduleEvent> + use<>> {
        let permits = SubscriptionPermits::of(ctx)?.take()?;
        let missing = || {
            async_graphql::Error::new(format!("Schedule {} does not exist", id.as_str()))
                .extend_with(|_, e| e.set("code", NOT_FOUND))
        };
        let Ok(schedule_id) = Uuid::parse_str(&id) else {
            return Err(missing());
        };
        let live: &Live = ctx
            .data::<Writes>()
            .map_err(|_| super::errors::internal_fault("the schema has no writes"))?
            .live();
        let following = match live.follow(schedule_id, after_version.map(i64::from)).await {
            Ok(following) => following,
            Err(DomainError::NotFound { .. }) => return Err(missing()),
            Err(err) => return Err(internal(&err)),
        };
        // The permits go with the stream: a subscription counts until its
        // client stops it or goes.
        Ok(async_graphql::futures_util::stream::unfold(
            (following, permits),
            |(mut following, permits)| async move {
                let seen = following.next().await?;
                Some((ScheduleEvent::from(seen), (following, permits)))
            },
        ))
    }
}
