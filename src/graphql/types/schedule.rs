//! Kept schedules: the schedule, its slots and its assignments, read as
//! stored; their reasons, problems, empty positions and figures computed
//! on today's data, once per schedule read, and only when asked.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use tokio::sync::OnceCell;

use super::artist::Artist;
use super::planning::{PlanningRules, PlanningStats, SlotInput, UnfilledSlot, saturating_i32};
use crate::domain::planning::PlanningRequest;
use crate::domain::schedules::{self, Evaluation, NewSchedule, Snapshot};
use crate::graphql::errors::{internal, internal_fault, query_error};
use crate::graphql::loaders::Loaders;
use crate::graphql::query::reads;
use crate::graphql::scalars::DateTime;
use crate::planning;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleStatus {
    /// Being prepared: nothing of it reaches the artists' calendars.
    Draft,
    /// Shown to artists: their calendar feeds carry its assignments.
    Published,
}

impl From<schedules::ScheduleStatus> for ScheduleStatus {
    fn from(status: schedules::ScheduleStatus) -> Self {
        match status {
            schedules::ScheduleStatus::Draft => Self::Draft,
            schedules::ScheduleStatus::Published => Self::Published,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentStatus {
    /// Chosen by the planner or by hand; the artist has not answered.
    Proposed,
    /// The artist accepted. Re-plans keep it, as if pinned.
    Confirmed,
    /// The artist refused. It fills no position, and re-plans never give the artist this slot again.
    Declined,
}

impl From<AssignmentStatus> for schedules::AssignmentStatus {
    fn from(status: AssignmentStatus) -> Self {
        match status {
            AssignmentStatus::Proposed => Self::Proposed,
            AssignmentStatus::Confirmed => Self::Confirmed,
            AssignmentStatus::Declined => Self::Declined,
        }
    }
}

impl From<ScheduleStatus> for schedules::ScheduleStatus {
    fn from(status: ScheduleStatus) -> Self {
        match status {
            ScheduleStatus::Draft => Self::Draft,
            ScheduleStatus::Published => Self::Published,
        }
    }
}

impl From<schedules::AssignmentStatus> for AssignmentStatus {
    fn from(status: schedules::AssignmentStatus) -> Self {
        match status {
            schedules::AssignmentStatus::Proposed => Self::Proposed,
            schedules::AssignmentStatus::Confirmed => Self::Confirmed,
            schedules::AssignmentStatus::Declined => Self::Declined,
        }
    }
}

/// A slot of a kept schedule.
pub struct Slot<'a>(&'a planning::Slot);

#[Object]
impl Slot<'_> {
    async fn key(&self) -> &str {
        &self.0.key
    }

    async fn starts_at(&self) -> DateTime {
        self.0.starts_at.into()
    }

    async fn ends_at(&self) -> DateTime {
        self.0.ends_at.into()
    }

    async fn positions(&self) -> i32 {
        saturating_i32(self.0.positions)
    }

    async fn required_skills(&self) -> &[String] {
        &self.0.required_skills
    }

    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }
}

#[derive(SimpleObject)]
pub struct ScheduleRules {
    max_slots_per_artist: Option<i32>,
    min_rest_minutes: i32,
}

/// A schedule as read: its summary, its slots and assignments once a
/// field needs them (a list reads summaries only), and what it is worth
/// today, computed at most once per read.
struct Kept {
    summary: schedules::Summary,
    whole: OnceCell<Arc<schedules::Schedule>>,
    /// Shared by the subscribers of one change (`Schedule::followed`).
    evaluation: Arc<OnceCell<Evaluation>>,
}

impl Kept {
    /// The whole schedule, loaded with the others of the request the first
    /// time a field needs it.
    async fn whole(&self, ctx: &Context<'_>) -> async_graphql::Result<&Arc<schedules::Schedule>> {
        self.whole
            .get_or_try_init(|| async {
                let id = self.summary.id;
                Loaders::of(ctx)?
                    .schedules
                    .load_one(id)
                    .await
                    .map_err(|err| internal(&*err))?
                    .ok_or_else(|| internal_fault(format!("schedule {id} deleted while read")))
            })
            .await
    }

    /// The whole schedule, which the field that made this value loaded.
    fn loaded(&self) -> async_graphql::Result<&schedules::Schedule> {
        self.whole
            .get()
            .map(|whole| &**whole)
            .ok_or_else(|| internal_fault("an assignment of a schedule not loaded"))
    }

    async fn evaluation(&self, ctx: &Context<'_>) -> async_graphql::Result<&Evaluation> {
        let whole = self.whole(ctx).await?;
        self.evaluation
            .get_or_try_init(|| async {
                let _turn = Loaders::of(ctx)?.planner_turn().await?;
                let evaluation = reads(ctx)?
                    .evaluate_schedule(whole)
                    .await
                    .map_err(query_error)?;
                // The artists' skills and availabilities are loaded already.
                Loaders::of(ctx)?.feed_details(&evaluation.artists).await;
                Ok::<_, async_graphql::Error>(evaluation)
            })
            .await
    }
}

#[derive(Clone)]
pub struct Schedule(Arc<Kept>);

impl From<schedules::Schedule> for Schedule {
    fn from(schedule: schedules::Schedule) -> Self {
        Self::from(Arc::new(schedule))
    }
}

impl From<Arc<schedules::Schedule>> for Schedule {
    fn from(schedule: Arc<schedules::Schedule>) -> Self {
        Self(Arc::new(Kept {
            summary: schedule.summary.clone(),
            whole: OnceCell::new_with(Some(schedule)),
            evaluation: Arc::default(),
        }))
    }
}

impl From<schedules::Summary> for Schedule {
    fn from(summary: schedules::Summary) -> Self {
        Self(Arc::new(Kept {
            summary,
            whole: OnceCell::new(),
            evaluation: Arc::default(),
        }))
    }
}

impl Schedule {
    /// The schedule a subscription shows after a change: what it is worth
    /// today is computed once for every subscriber of the change.
    pub(super) fn followed(snapshot: &Snapshot) -> Self {
        Self(Arc::new(Kept {
            summary: snapshot.schedule.summary.clone(),
            whole: OnceCell::new_with(Some(snapshot.schedule.clone())),
            evaluation: snapshot.evaluation.clone(),
        }))
    }

    /// The assignment with this ID, which the schedule holds.
    pub(super) fn assignment(&self, id: uuid::Uuid) -> async_graphql::Result<ScheduledAssignment> {
        let index = self
            .0
            .loaded()?
            .assignment_with(id)
            .ok_or_else(|| internal_fault(format!("no assignment {id} in its schedule")))?;
        Ok(ScheduledAssignment {
            kept: self.0.clone(),
            index,
        })
    }
}

#[Object]
impl Schedule {
    pub(super) async fn id(&self) -> ID {
        ID(self.0.summary.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.summary.name
    }

    async fn status(&self) -> ScheduleStatus {
        self.0.summary.status.into()
    }

    /// 1 at creation; grows by one with every change to the schedule, its slots or its assignments.
    async fn version(&self) -> i32 {
        i32::try_from(self.0.summary.version).unwrap_or(i32::MAX)
    }

    /// Sorted by startsAt, then key.
    async fn slots(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Slot<'_>>> {
        Ok(self.0.whole(ctx).await?.slots.iter().map(Slot).collect())
    }

    async fn rules(&self) -> ScheduleRules {
        let rules = &self.0.summary.rules;
        ScheduleRules {
            max_slots_per_artist: rules.max_slots_per_artist,
            min_rest_minutes: rules.min_rest_minutes,
        }
    }

    /// Every assignment, DECLINED ones included, sorted by startsAt, then slotKey, then artist name.
    async fn assignments(
        &self,
        ctx: &Context<'_>,
        status: Option<AssignmentStatus>,
    ) -> async_graphql::Result<Vec<ScheduledAssignment>> {
        let schedule = self.0.whole(ctx).await?;
        let chosen: Vec<usize> = (0..schedule.assignments.len())
            .filter(|&index| {
                status.is_none_or(|status| {
                    AssignmentStatus::from(schedule.assignments[index].status) == status
                })
            })
            .collect();
        let ids: Vec<uuid::Uuid> = chosen
            .iter()
            .map(|&index| schedule.assignments[index].artist_id)
            .collect();
        let names = Loaders::of(ctx)?
            .artists
            .load_many(ids)
            .await
            .map_err(|err| internal(&*err))?;
        let mut sorted: Vec<(usize, &str, usize)> = chosen
            .into_iter()
            .map(|index| {
                let assignment = &schedule.assignments[index];
                let name = names
                    .get(&assignment.artist_id)
                    .map_or("", |artist| artist.name.as_str());
                (assignment.slot, name, index)
            })
            .collect();
        // Slots are sorted by start, then key: their order is the one asked.
        sorted.sort();
        Ok(sorted
            .into_iter()
            .map(|(_, _, index)| ScheduledAssignment {
                kept: self.0.clone(),
                index,
            })
            .collect())
    }

    /// Positions no PROPOSED or CONFIRMED assignment fills, with the reasons `planning` gives.
    async fn unfilled(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UnfilledSlot<'_>>> {
        let evaluation = self.0.evaluation(ctx).await?;
        Ok(UnfilledSlot::list(
            &self.0.whole(ctx).await?.slots,
            &evaluation.planning,
        ))
    }

    /// As for `planning`, over the PROPOSED and CONFIRMED assignments; filledUpperBound is for the schedule as it stands (pins, confirmations and refusals included).
    async fn stats(&self, ctx: &Context<'_>) -> async_graphql::Result<PlanningStats> {
        let evaluation = self.0.evaluation(ctx).await?;
        Ok((&evaluation.planning.stats).into())
    }

    async fn created_at(&self) -> DateTime {
        self.0.summary.created_at.into()
    }

    async fn updated_at(&self) -> DateTime {
        self.0.summary.updated_at.into()
    }

    async fn published_at(&self) -> Option<DateTime> {
        self.0.summary.published_at.map(Into::into)
    }
}

pub struct ScheduledAssignment {
    kept: Arc<Kept>,
    index: usize,
}

impl From<schedules::Assigned> for ScheduledAssignment {
    fn from(assigned: schedules::Assigned) -> Self {
        let schedules::Assigned { schedule, index } = assigned;
        let Schedule(kept) = schedule.into();
        Self { kept, index }
    }
}

impl ScheduledAssignment {
    /// The assignment with this ID in `schedule`, if it holds one.
    pub fn of(schedule: schedules::Schedule, id: uuid::Uuid) -> Option<Self> {
        let index = schedule.assignment_with(id)?;
        let Schedule(kept) = schedule.into();
        Some(Self { kept, index })
    }

    fn assignment(&self) -> async_graphql::Result<&schedules::ScheduledAssignment> {
        self.kept
            .loaded()?
            .assignments
            .get(self.index)
            .ok_or_else(|| internal_fault(format!("no assignment {}", self.index)))
    }

    fn its_slot(&self) -> async_graphql::Result<&planning::Slot> {
        let slot = self.assignment()?.slot;
        self.kept
            .loaded()?
            .slots
            .get(slot)
            .ok_or_else(|| internal_fault(format!("assignment on no slot {slot}")))
    }
}

#[Object]
impl ScheduledAssignment {
    /// Stable while the same artist keeps the same slot, across re-plans: a calendar event's UID.
    pub(super) async fn id(&self) -> async_graphql::Result<ID> {
        Ok(ID(self.assignment()?.id.to_string()))
    }

    async fn slot_key(&self) -> async_graphql::Result<&str> {
        Ok(&self.its_slot()?.key)
    }

    async fn slot(&self) -> async_graphql::Result<Slot<'_>> {
        self.its_slot().map(Slot)
    }

    async fn artist(&self, ctx: &Context<'_>) -> async_graphql::Result<Artist> {
        let assignment = self.assignment()?;
        Artist::referenced(ctx, assignment.artist_id, || {
            format!("assignment {}", assignment.id)
        })
        .await
    }

    async fn status(&self) -> async_graphql::Result<AssignmentStatus> {
        Ok(self.assignment()?.status.into())
    }

    /// Kept by every re-plan until unpinned.
    async fn pinned(&self) -> async_graphql::Result<bool> {
        Ok(self.assignment()?.pinned)
    }

    /// Why this artist fits this slot, most important first (at most 3).
    async fn reasons(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let id = self.assignment()?.id;
        let evaluation = self.kept.evaluation(ctx).await?;
        Ok(evaluation.reasons.get(&id).cloned().unwrap_or_default())
    }

    /// The hard rules this assignment breaks now, one sentence each (e.g. after the artist removed an availability); empty when it holds every rule.
    async fn problems(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let id = self.assignment()?.id;
        let evaluation = self.kept.evaluation(ctx).await?;
        Ok(evaluation.problems.get(&id).cloned().unwrap_or_default())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct CreateScheduleInput {
    pub name: String,
    pub slots: Vec<SlotInput>,
    /// Only these artists are considered; all artists when left out.
    pub artist_ids: Option<Vec<ID>>,
    pub rules: Option<PlanningRules>,
}

impl From<CreateScheduleInput> for NewSchedule {
    fn from(input: CreateScheduleInput) -> Self {
        let CreateScheduleInput {
            name,
            slots,
            artist_ids,
            rules,
        } = input;
        Self {
            name,
            planning: PlanningRequest::from(super::planning::PlanningInput {
                slots,
                artist_ids,
                rules,
                pinned: None,
                previous: None,
            }),
        }
    }
}

/// Fields left out are unchanged. New slots start empty; a slot whose key is gone loses its assignments; assignments that a change makes break a hard rule are removed. Nothing is re-planned.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateScheduleInput {
    pub name: Option<String>,
    pub slots: Option<Vec<SlotInput>>,
    pub rules: Option<PlanningRules>,
}

impl From<UpdateScheduleInput> for schedules::ScheduleChanges {
    fn from(input: UpdateScheduleInput) -> Self {
        Self {
            name: input.name,
            slots: input
                .slots
                .map(|slots| slots.into_iter().map(Into::into).collect()),
            rules: input.rules.map(Into::into),
        }
    }
}
