// Handling the API's results with the generated types.
//
// A mutation answers a union: its result, or a typed error (NotFoundError,
// ConflictError, ValidationError; all three implement UserError). Switch on
// __typename to narrow it, and end with `default: return unhandled(result)`:
// there `result` must be `never`, so when schema.graphql adds a member to
// the union this file stops compiling until a case handles it.
//
// Send the operations of ../operations.graphql with any GraphQL client;
// `data.createArtist` etc. have the types imported below.
import type {
  AddAvailabilityMutation,
  AddAvailabilityMutationVariables,
  AssignArtistMutation,
  CreateArtistMutation,
  CreateScheduleMutation,
  PlanningQuery,
  ReplanScheduleMutation,
  SetAssignmentStatusMutation,
  UnfilledReason,
  UpdateScheduleMutation,
} from "./generated/operations";
import type { UserError } from "./generated/schema";

type CreateArtistResult = CreateArtistMutation["createArtist"];
type AddAvailabilityResult = AddAvailabilityMutation["addAvailability"];
type PlanningResult = PlanningQuery["planning"];
type CreateScheduleResult = CreateScheduleMutation["createSchedule"];
type AssignArtistResult = AssignArtistMutation["assignArtist"];
type SetAssignmentStatusResult = SetAssignmentStatusMutation["setAssignmentStatus"];
type ReplanScheduleResult = ReplanScheduleMutation["replanSchedule"];
type UpdateScheduleResult = UpdateScheduleMutation["updateSchedule"];

/** What a form shows after a submission. */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: UserError["code"]; message: string; fieldErrors: Record<string, string> };

/** Only compiles when every member of the union has its own case. */
function unhandled(result: never): never {
  throw new Error(`unexpected result: ${JSON.stringify(result)}`);
}

function failure(
  error: Pick<UserError, "code" | "message">,
  fieldErrors: Record<string, string> = {},
): Outcome<never> {
  return { ok: false, code: error.code, message: error.message, fieldErrors };
}

/** A ValidationError names every offending field, e.g. "input.endsAt". */
function byField(fields: ReadonlyArray<{ field: string; message: string }>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { field, message } of fields) {
    errors[field] = errors[field] ? `${errors[field]}; ${message}` : message;
  }
  return errors;
}

export function createArtistOutcome(
  result: CreateArtistResult,
): Outcome<Extract<CreateArtistResult, { __typename: "Artist" }>> {
  switch (result.__typename) {
    case "Artist":
      return { ok: true, value: result };
    case "ValidationError":
      return failure(result, byField(result.fields));
    case "ConflictError":
      // e.g. field "email": another artist has it (conflictingId).
      return failure(result, result.field ? { [result.field]: result.message } : {});
    default:
      return unhandled(result);
  }
}

export function addAvailabilityOutcome(
  result: AddAvailabilityResult,
): Outcome<Extract<AddAvailabilityResult, { __typename: "Availability" }>> {
  switch (result.__typename) {
    case "Availability":
      return { ok: true, value: result };
    case "NotFoundError":
      return failure(result);
    case "ValidationError":
      return failure(result, byField(result.fields));
    case "ConflictError":
      // Overlaps the availability conflictingId.
      return failure(result, result.field ? { [result.field]: result.message } : {});
    default:
      return unhandled(result);
  }
}

/** Variables are typed too: DateTime is an RFC 3339 string. */
export function addAvailabilityVariables(
  artistId: string,
  startsAt: Date,
  endsAt: Date,
  note?: string,
): AddAvailabilityMutationVariables {
  return {
    artistId,
    input: { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), note: note ?? null },
  };
}

const unfilledReasons: Record<UnfilledReason, string> = {
  NO_ARTIST_AVAILABLE: "nobody is available",
  NO_ARTIST_WITH_SKILLS: "nobody available has the skills",
  CANDIDATES_EXHAUSTED: "every candidate is taken",
};

/** A planning as lines of text: who plays when, and what stays open. */
export function planningSummary(result: PlanningResult): string[] {
  switch (result.__typename) {
    case "Planning": {
      const { assignments, unfilled, stats } = result;
      return [
        ...assignments.map(
          (a) => `${a.slotKey} ${a.startsAt}–${a.endsAt}: ${a.artist.name} (${a.reasons.join("; ")})`,
        ),
        ...unfilled.map(
          (slot) => `${slot.slotKey}: ${slot.missing} open, ${unfilledReasons[slot.reason]}. ${slot.explanation}`,
        ),
        `${stats.filled} of ${stats.positions} positions filled` +
          (stats.filled === stats.filledUpperBound ? " (no planning fills more)" : ""),
      ];
    }
    case "ValidationError":
      return result.fields.map((f) => `${f.field}: ${f.message}`);
    case "NotFoundError":
      return [result.message];
    default:
      return unhandled(result);
  }
}

export function createScheduleOutcome(
  result: CreateScheduleResult,
): Outcome<Extract<CreateScheduleResult, { __typename: "Schedule" }>> {
  switch (result.__typename) {
    case "Schedule":
      return { ok: true, value: result };
    case "ValidationError":
      return failure(result, byField(result.fields));
    case "NotFoundError":
      // An artist of artistIds does not exist.
      return failure(result);
    default:
      return unhandled(result);
  }
}

export function assignArtistOutcome(
  result: AssignArtistResult,
): Outcome<Extract<AssignArtistResult, { __typename: "ScheduledAssignment" }>> {
  switch (result.__typename) {
    case "ScheduledAssignment":
      return { ok: true, value: result };
    case "NotFoundError":
      return failure(result);
    case "ValidationError":
      return failure(result, byField(result.fields));
    case "ConflictError":
      // The hard rule it would break, e.g. "Ana lacks rigging".
      return failure(result, result.field ? { [result.field]: result.message } : {});
    default:
      return unhandled(result);
  }
}

export function setAssignmentStatusOutcome(
  result: SetAssignmentStatusResult,
): Outcome<Extract<SetAssignmentStatusResult, { __typename: "ScheduledAssignment" }>> {
  switch (result.__typename) {
    case "ScheduledAssignment":
      return { ok: true, value: result };
    case "NotFoundError":
    case "ConflictError":
      return failure(result);
    default:
      return unhandled(result);
  }
}

/** A re-plan as lines of text: what moved, and why. */
export function replanSummary(result: ReplanScheduleResult): string[] {
  switch (result.__typename) {
    case "ScheduleChange":
      return [
        ...result.added.map((a) => `+ ${a.slotKey}: ${a.artist.name}`),
        ...result.removed.map((r) => `- ${r.slotKey}: ${r.artist.name} (${r.reason})`),
        `${result.kept} kept; version ${result.schedule.version}`,
      ];
    case "NotFoundError":
      return [result.message];
    default:
      return unhandled(result);
  }
}

export function updateScheduleOutcome(
  result: UpdateScheduleResult,
): Outcome<Extract<UpdateScheduleResult, { __typename: "ScheduleChange" }>> {
  switch (result.__typename) {
    case "ScheduleChange":
      return { ok: true, value: result };
    case "NotFoundError":
      return failure(result);
    case "ValidationError":
      return failure(result, byField(result.fields));
    default:
      return unhandled(result);
  }
}
