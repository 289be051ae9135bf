//! The one way the service changes data: every mutation goes through
//! `Writes`, whose operations each hold the rules of their change (see the
//! modules they call). The GraphQL layer never sees the pool behind it.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::errors::DomainError;
use super::records::{Artist, ArtistChanges, Availability, NewArtist, NewAvailability};
use super::{artists, availabilities, calendars, schedules};

#[derive(Clone)]
pub struct Writes {
    pool: DatabaseConnection,
    /// What the plannings of its schedules may cost.
    planner_effort: crate::planning::Effort,
    /// Where the service is reached from outside, for the calendar feeds'
    /// URLs: `scheme://host[:port]`, no trailing slash.
    public_url: String,
    /// Who follows which schedule: every change wakes them.
    live: schedules::Live,
}

impl Writes {
    pub fn new(pool: DatabaseConnection) -> Self {
        Self {
            live: schedules::Live::in_process(pool.clone()),
            pool,
            planner_effort: crate::planning::Effort::DEFAULT,
            public_url: String::from("http://127.0.0.1:8080"),
        }
    }

    /// The same writes, waking the followers of `live`.
    pub fn with_live(self, live: schedules::Live) -> Self {
        Self { live, ..self }
    }

    /// The followers its changes wake, and whom subscriptions join.
    pub fn live(&self) -> &schedules::Live {
        &self.live
    }

    /// The same writes, the calendar feeds' URLs under `public_url`.
    pub fn with_public_url(self, public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            ..self
        }
    }

    /// A new secret feed URL for the artist's calendar; the previous one
    /// stops working.
    pub async fn issue_calendar_feed(
        &self,
        artist_id: Uuid,
    ) -> Result<(Artist, String), DomainError> {
        let (artist, secret) = calendars::issue(&self.pool, artist_id).await?;
        let url = format!("{}{}{secret}.ics", self.public_url, calendars::FEED_PATH);
        Ok((artist, url))
    }

    /// The same writes, their plannings computed within `effort`.
    pub fn with_planner_effort(self, effort: crate::planning::Effort) -> Self {
        Self {
            planner_effort: effort,
            ..self
        }
    }

    /// Plans the request and keeps the result as a draft schedule.
    pub async fn create_schedule(
        &self,
        input: schedules::NewSchedule,
    ) -> Result<schedules::Schedule, DomainError> {
        schedules::create(&self.pool, input, self.planner_effort).await
    }

    /// Changes the schedule's name, slots or rules.
    pub async fn update_schedule(
        &self,
        id: Uuid,
        changes: schedules::ScheduleChanges,
    ) -> Result<schedules::Change, DomainError> {
        schedules::update(&self.pool, &self.live, id, changes).await
    }

    /// Re-plans the schedule with the fewest changes.
    pub async fn replan_schedule(&self, id: Uuid) -> Result<schedules::Change, DomainError> {
        schedules::replan(&self.pool, &self.live, id, self.planner_effort).await
    }

    pub async fn publish_schedule(&self, id: Uuid) -> Result<schedules::Schedule, DomainError> {
        schedules::publish(&self.pool, &self.live, id).await
    }

    pub async fn delete_schedule(&self, id: Uuid) -> Result<(), DomainError> {
        schedules::delete(&self.pool, &self.live, id).await
    }

    /// Puts the artist on the slot by hand.
    pub async fn assign_artist(
        &self,
        schedule_id: Uuid,
        slot_key: &str,
        artist_id: Uuid,
        pinned: bool,
    ) -> Result<schedules::Assigned, DomainError> {
        schedules::assign(
            &self.pool,
            &self.live,
            schedule_id,
            slot_key,
            artist_id,
            pinned,
        )
        .await
    }

    pub async fn unassign(&self, id: Uuid) -> Result<(), DomainError> {
        schedules::unassign(&self.pool, &self.live, id).await
    }

    /// Records the artist's answer.
    pub async fn set_assignment_status(
        &self,
        id: Uuid,
        status: schedules::AssignmentStatus,
    ) -> Result<schedules::Assigned, DomainError> {
        schedules::set_status(&self.pool, &self.live, id, status).await
    }

    /// Pins or unpins the assignment.
    pub async fn pin_assignment(
        &self,
        id: Uuid,
        pinned: bool,
    ) -> Result<schedules::Assigned, DomainError> {
        schedules::pin(&self.pool, &self.live, id, pinned).await
    }

    pub async fn create_artist(&self, input: NewArtist) -> Result<Artist, DomainError> {
        artists::create(&self.pool, input).await
    }

    pub async fn update_artist(
        &self,
        id: Uuid,
        changes: ArtistChanges,
    ) -> Result<Artist, DomainError> {
        artists::update(&self.pool, id, changes).await
    }

    pub async fn delete_artist(&self, id: Uuid) -> Result<(), DomainError> {
        artists::delete(&self.pool, &self.live, id).await
    }

    pub async fn add_availability(
        &self,
        artist_id: Uuid,
        input: NewAvailability,
    ) -> Result<Availability, DomainError> {
        availabilities::add(&self.pool, artist_id, input).await
    }

    pub async fn update_availability(
        &self,
        id: Uuid,
        input: NewAvailability,
    ) -> Result<Availability, DomainError> {
        availabilities::update(&self.pool, id, input).await
    }

    pub async fn delete_availability(&self, id: Uuid) -> Result<(), DomainError> {
        availabilities::delete(&self.pool, id).await
    }

    pub async fn set_availabilities(
        &self,
        artist_id: Uuid,
        inputs: &[NewAvailability],
    ) -> Result<Artist, DomainError> {
        availabilities::set_all(&self.pool, artist_id, inputs).await
    }
}
