// Live updates with graphql-ws, the client most frontends use: follow a
// schedule and get each of its changes, typed by the generated
// ScheduleChanged operation.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type {
  ScheduleChangedSubscription,
  ScheduleChangedSubscriptionVariables,
} from "./generated/operations";

export type ScheduleEvent = ScheduleChangedSubscription["scheduleChanged"];

/** A connection to the service at `base` (`http://host:port`), with the token, if any, in `connection_init`. */
export function connect(base: string, token?: string): Client {
  return createClient({
    url: `${base.replace(/^http/, "ws")}/graphql`,
    // Node before 22 has no WebSocket of its own; browsers pass none.
    webSocketImpl: WebSocket,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

/**
 * Calls `onEvent` with each change of the schedule after `afterVersion`;
 * the returned function stops following.
 */
export function followSchedule(
  client: Client,
  variables: ScheduleChangedSubscriptionVariables,
  onEvent: (event: ScheduleEvent) => void,
  onError: (error: unknown) => void,
): () => void {
  return client.subscribe<ScheduleChangedSubscription>(
    {
      // Generated from here too: codegen reads the documents of this file.
      query: /* GraphQL */ `subscription ScheduleChanged($id: ID!, $afterVersion: Int) {
        scheduleChanged(id: $id, afterVersion: $afterVersion) {
          version
          schedule { id name version status assignments { id slotKey status artist { name } } }
        }
      }`,
      variables,
    },
    {
      next: (result) => {
        if (result.errors !== undefined && result.errors.length > 0) {
          onError(result.errors);
        } else if (result.data !== undefined && result.data !== null) {
          onEvent(result.data.scheduleChanged);
        }
      },
      error: onError,
      complete: () => {},
    },
  );
}
