// Runs graphql-http's serverAudits (the GraphQL over HTTP spec's checks)
// against a running service and prints one line per audit:
//
//   node audit.mjs URL        e.g. http://127.0.0.1:18081/graphql
//
// Each audit ends 'ok', or 'error' (a MUST failed), 'warn' (a SHOULD
// failed) or 'notice' (a MAY not taken); see the package's
// lib/audits/utils.js, where the status follows the audit name's first
// word. For anything but 'ok' the line after it gives the reason and the
// response's status, content-type and body. Exits 1 when any audit is
// 'error' or 'warn', or when one could not run at all (the service did not
// answer); notices are printed but do not fail. .ci/graphql-http-audit
// installs the pinned package and runs this.
import { serverAudits } from 'graphql-http';

const TIMEOUT_MS = 15_000;
const BODY_CHARS = 300;

const url = process.argv[2];
if (process.argv.length !== 3 || !/^https?:\/\//.test(url ?? '')) {
  console.error('usage: node audit.mjs URL   (e.g. http://127.0.0.1:18081/graphql)');
  process.exit(2);
}

// Node's own fetch, bounded in time so that a request the service never
// answers fails the audit run instead of hanging CI. Each audit sends one
// request; its body is kept here because the package hands back a response
// whose body it has already read when the body is no JSON.
let lastBody;
const fetchFn = async (input, init = {}) => {
  const response = await fetch(input, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  lastBody = response
    .clone()
    .text()
    .catch((err) => `(unreadable: ${err?.message ?? err})`);
  return response;
};

async function describe(response) {
  if (!response) return 'no response';
  const type = response.headers.get('content-type') ?? '(no content-type)';
  let body = (await lastBody) ?? '(not kept)';
  body = body.replace(/\s+/g, ' ').trim();
  if (body.length > BODY_CHARS) body = `${body.slice(0, BODY_CHARS)}…`;
  return `got ${response.status} ${type}; body: ${body || '(empty)'}`;
}

// Past this many audits that could not run, the service is taken to be
// down or stuck and the rest are not tried.
const MAX_FATAL = 3;
const counts = { ok: 0, notice: 0, warn: 0, error: 0, fatal: 0 };
// One at a time, in the package's order: the lines read in the same order
// on every run, and the service sees one request at a time.
for (const audit of serverAudits({ url, fetchFn })) {
  if (counts.fatal >= MAX_FATAL) {
    console.log(`\n${counts.fatal} audits could not run: the rest are not tried`);
    break;
  }
  lastBody = undefined;
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // The package throws only for what is no assertion: a refused
    // connection, a timeout.
    counts.fatal += 1;
    console.log(`FATAL  ${audit.id} ${audit.name}`);
    console.log(`       -> could not run: ${err?.cause?.message ?? err?.message ?? err}`);
    continue;
  }
  counts[result.status] += 1;
  console.log(`${result.status.padEnd(6)} ${result.id} ${result.name}`);
  if (result.status !== 'ok') {
    console.log(`       -> ${result.reason}: ${await describe(result.response)}`);
  }
}

const total = serverAudits({ url, fetchFn }).length;
const done = Object.values(counts).reduce((a, b) => a + b, 0);
console.log(
  `\ngraphql-http audits against ${url}: ${counts.ok} ok, ${counts.error} error (MUST), ` +
    `${counts.warn} warn (SHOULD), ${counts.notice} notice (MAY)` +
    (counts.fatal ? `, ${counts.fatal} could not run` : '') +
    (done < total ? `, ${total - done} not tried` : '') +
    ` (of ${total})`,
);
process.exit(counts.error || counts.warn || counts.fatal ? 1 : 0);
