// Run by .ci/client-check against a running service: creates a schedule,
// follows it with graphql-ws, renames it, and succeeds once the change
// arrives as the subscription's event.
//
//   node live-check.js http://127.0.0.1:PORT
import { connect, followSchedule, type ScheduleEvent } from "./live.js";

const base = process.argv[2];
if (base === undefined) {
  console.error("usage: node live-check.js http://host:port");
  process.exit(2);
}

async function post(query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (!response.ok || body.errors !== undefined) {
    throw new Error(`${query}: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.data;
}

const created = await post(
  `mutation { createSchedule(input: { name: "Friday", slots: [] }) { ... on Schedule { id version } } }`,
  {},
);
const { id, version } = created.createSchedule as { id: string; version: number };

const client = connect(base);
const event = await new Promise<ScheduleEvent>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no event within 15 s")), 15_000);
  followSchedule(
    client,
    { id, afterVersion: version },
    (event) => {
      clearTimeout(timer);
      resolve(event);
    },
    (error) => {
      clearTimeout(timer);
      reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
    },
  );
  post(`mutation($id: ID!) { updateSchedule(id: $id, input: { name: "Friday, late" }) { __typename } }`, {
    id,
  }).catch(reject);
});
await client.dispose();

if (event.version !== version + 1 || event.schedule?.name !== "Friday, late") {
  console.error(`graphql-ws received an unexpected event: ${JSON.stringify(event)}`);
  process.exit(1);
}
console.log(`graphql-ws received version ${event.version} of schedule ${id}: ${event.schedule.name}`);
