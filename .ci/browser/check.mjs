// GraphiQL in a real headless Chromium, against a running service; run by
// .ci/browser-check (which installs Chromium and this folder's pinned
// puppeteer-core), not by hand:
//
//   node check.mjs BASE_URL
//
// Environment: CHROMIUM (default /usr/bin/chromium), SCREENSHOT (the PNG to
// write), VERSIONS (assets/graphiql/VERSIONS: the sha256 each asset served
// under /graphiql/ must have), TIMEOUT_MS (default 60000, the whole check).
//
// Every request of the page to another origin than BASE_URL's is aborted and
// fails the check, as does an asset that is missing, differs from VERSIONS or
// has the wrong Content-Type, an HTTP error, an uncaught exception in the page,
// a query whose result has no "data", and a documentation explorer that
// cannot find the type Artist. Waits only on conditions, never on time.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import puppeteer from 'puppeteer-core';

const QUERY = '{ artists(first: 1) { totalCount } }';
const TYPE = 'Artist';
const ASSET_TYPES = { '.js': /^(text|application)\/javascript\b/, '.css': /^text\/css\b/ };

const [baseArg] = process.argv.slice(2);
if (!baseArg) {
  console.error('usage: node check.mjs BASE_URL');
  process.exit(2);
}
const base = new URL(baseArg);
const origin = base.origin;
const pageUrl = new URL('/graphql', base).href;
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshot = process.env.SCREENSHOT || 'target/graphiql.png';
const timeoutMs = Number(process.env.TIMEOUT_MS || 60000);

// file name under /graphiql/ -> sha256, from VERSIONS ("file package version sha256").
const expected = new Map();
if (process.env.VERSIONS) {
  for (const line of readFileSync(process.env.VERSIONS, 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 4 && !line.startsWith('#')) expected.set(fields[0], fields[3]);
  }
}

const problems = []; // what fails the check, reported at the end
const offHost = []; // requests to another origin, aborted
const served = new Map(); // asset file -> { sha256, type }
const reads = []; // reads of the asset bodies under way
let browser;
let page;
let step = 'starting';

function log(message) {
  console.log(`browser check: ${message}`);
}

let finishing = false;
async function finish(error) {
  // Once: after the deadline, the main flow fails too as the browser closes.
  if (finishing) return new Promise(() => {});
  finishing = true;
  if (error) problems.push(`${step}: ${error.message || error}`);
  if (page) {
    try {
      mkdirSync(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot });
      log(`screenshot: ${screenshot}`);
    } catch (e) {
      console.error(`browser check: no screenshot (${e.message})`);
    }
  }
  if (browser) await browser.close().catch(() => {});
  for (const url of offHost) problems.push(`request to another host, blocked: ${url}`);
  if (problems.length > 0) {
    console.error('\nbrowser check FAILED:');
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  log('passed');
  process.exit(0);
}

const deadline = setTimeout(() => {
  // Should the screenshot or closing hang too, exit all the same.
  setTimeout(() => {
    console.error(`\nbrowser check FAILED: ${step}: timed out after ${timeoutMs / 1000} s`);
    process.exit(1);
  }, 10000);
  finish(new Error(`timed out after ${timeoutMs / 1000} s`));
}, timeoutMs);
deadline.unref();

try {
  step = `launching ${chromium}`;
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    defaultViewport: { width: 1280, height: 800 },
  });
  page = await browser.newPage();
  // No timeout per step: the deadline above bounds the whole check.
  page.setDefaultTimeout(0);

  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const where = msg.location()?.url ? ` (${msg.location().url})` : '';
      console.error(`browser check: console error: ${msg.text()}${where}`);
    }
  });
  page.on('pageerror', (err) => {
    console.error(`browser check: uncaught exception in the page: ${err.message}`);
    problems.push(`uncaught exception in the page: ${err.message}`);
  });

  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return req.continue();
    let reqOrigin;
    try {
      reqOrigin = new URL(url).origin;
    } catch {
      reqOrigin = null;
    }
    if (reqOrigin !== origin) {
      offHost.push(url);
      return req.abort('blockedbyclient');
    }
    if (req.isNavigationRequest() && url === pageUrl) {
      return req.continue({ headers: { ...req.headers(), accept: 'text/html' } });
    }
    return req.continue();
  });
  page.on('requestfailed', (req) => {
    if (!offHost.includes(req.url())) {
      problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`);
    }
  });
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (url.protocol === 'data:' || url.origin !== origin) return;
    if (res.status() >= 400) {
      problems.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
      return;
    }
    const m = /^\/graphiql\/([^/]+)$/.exec(url.pathname);
    if (m) {
      reads.push(
        res.buffer().then(
          (body) =>
            served.set(m[1], {
              sha256: createHash('sha256').update(body).digest('hex'),
              type: res.headers()['content-type'] || '',
            }),
          (e) => problems.push(`could not read ${res.url()}: ${e.message}`),
        ),
      );
    }
  });

  step = `loading ${pageUrl}`;
  const res = await page.goto(pageUrl, { waitUntil: 'load' });
  if (!res || res.status() !== 200) throw new Error(`GET ${pageUrl} answered ${res ? res.status() : 'nothing'}`);
  const htmlType = res.headers()['content-type'] || '';
  if (!/^text\/html\b/.test(htmlType)) throw new Error(`GET ${pageUrl} answered Content-Type "${htmlType}", not text/html`);
  log(`loaded ${pageUrl} (${htmlType})`);

  step = 'checking the assets served under /graphiql/';
  // Every asset has been answered by now ('load'); wait for their bodies.
  await Promise.all(reads);
  const names = [...expected.keys()];
  const before = problems.length;
  for (const name of names) {
    const got = served.get(name);
    if (!got) {
      problems.push(`the page did not load /graphiql/${name}`);
      continue;
    }
    if (got.sha256 !== expected.get(name)) {
      problems.push(`/graphiql/${name} has sha256 ${got.sha256}, VERSIONS says ${expected.get(name)}`);
    }
    const want = ASSET_TYPES[name.slice(name.lastIndexOf('.'))];
    if (want && !want.test(got.type)) {
      problems.push(`/graphiql/${name} served as Content-Type "${got.type}"`);
    }
  }
  if (names.length > 0 && problems.length === before) {
    log(`assets served as pinned in VERSIONS: ${names.join(', ')}`);
  }
  // An asset that did not load or a script that threw: no editor will come.
  if (problems.length > 0) throw new Error('the page did not load cleanly');

  step = 'waiting for the query editor (.graphiql-query-editor .CodeMirror)';
  await page.waitForFunction(
    () => document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror,
  );

  step = `running ${QUERY}`;
  await page.evaluate((query) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(query);
  }, QUERY);
  await page.waitForSelector('button.graphiql-execute-button:not([disabled])');
  await page.click('button.graphiql-execute-button');

  step = 'waiting for a result with "totalCount" in the result pane (.result-window .CodeMirror)';
  await page.waitForFunction(() => {
    const cm = document.querySelector('.result-window .CodeMirror')?.CodeMirror;
    return cm && cm.getValue().includes('"totalCount"');
  });
  const text = await page.evaluate(() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue());
  let result;
  try {
    result = JSON.parse(text);
  } catch {
    throw new Error(`the result pane holds no JSON: ${text}`);
  }
  if (!result || typeof result.data !== 'object' || result.data === null) {
    throw new Error(`the result has no "data": ${text}`);
  }
  if (result.errors) throw new Error(`the result has errors: ${text}`);
  log(`result: ${JSON.stringify(result)}`);

  step = 'opening the documentation explorer (sidebar button "Show Documentation Explorer")';
  await page.click('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector('.graphiql-doc-explorer');

  step = `searching the documentation explorer for ${TYPE} ([data-cy=doc-explorer-input])`;
  await page.waitForSelector('.graphiql-doc-explorer [data-cy="doc-explorer-input"]');
  await page.type('.graphiql-doc-explorer [data-cy="doc-explorer-input"]', TYPE);
  const option = await page.waitForSelector(
    `::-p-xpath(//*[@data-cy="doc-explorer-option"][.//*[contains(@class, "graphiql-doc-explorer-search-type")][normalize-space(.)="${TYPE}"]][not(.//*[contains(@class, "graphiql-doc-explorer-search-field")])])`,
  );

  step = `opening the type ${TYPE} from the search results`;
  await option.click();
  await page.waitForFunction(
    (type) => document.querySelector('.graphiql-doc-explorer-title')?.textContent.trim() === type,
    {},
    TYPE,
  );
  const fields = await page.$$eval('.graphiql-doc-explorer-content .graphiql-doc-explorer-field-name', (els) =>
    els.map((el) => el.textContent.trim()),
  );
  if (!fields.includes('name')) throw new Error(`the explorer's page of ${TYPE} lists no field "name" (fields: ${fields.join(', ')})`);
  log(`documentation explorer: type ${TYPE} with fields ${fields.join(', ')}`);

  step = 'finishing';
  await finish();
} catch (e) {
  await finish(e);
}
