// Browser walk of the unmodified Postiz web frontend against postiz-server.
//
// Assumes the frontend, the backend and the fake networks are already running
// (tests/tests/suite/browser_walk.rs starts them). Settings come from the environment:
//   FRONTEND_URL      default http://127.0.0.1:4200
//   BACKEND_URL       default http://127.0.0.1:3000
//   MODE              cookie | header (header = NOT_SECURED=true on both sides)
//   BLUESKY_SERVICE, BLUESKY_HANDLE, BLUESKY_PASSWORD   credentials for the fake PDS
//   OUT_DIR           screenshots + report.json (default ./out/<MODE>)
//   CHROMIUM_PATH     default /usr/bin/chromium
//   TIMEOUT_SCALE     multiply every timeout (default 1)
//   PUBLISH_TIMEOUT_S how long to wait for the post to be published (default 45)
//   HEADED=1          show the browser
//
// Exit code: 0 when every step passed, no backend response >= 400 outside the allow-list,
// no crash screen and no console error from the backend origin (known issues excepted);
// 1 otherwise; 2 when the walk itself could not run.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const trimSlash = (s) => s.replace(/\/+$/, '');
const FRONTEND_URL = trimSlash(process.env.FRONTEND_URL || 'http://127.0.0.1:4200');
const BACKEND_URL = trimSlash(process.env.BACKEND_URL || 'http://127.0.0.1:3000');
const MODE = (process.env.MODE || 'cookie').toLowerCase();
const OUT_DIR = path.resolve(process.env.OUT_DIR || path.join(HERE, 'out', MODE));
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCALE = Number(process.env.TIMEOUT_SCALE || 1) || 1;
const PUBLISH_TIMEOUT_MS = Number(process.env.PUBLISH_TIMEOUT_S || 45) * 1000 * SCALE;
const BLUESKY = {
  service: process.env.BLUESKY_SERVICE || '',
  handle: process.env.BLUESKY_HANDLE || '',
  password: process.env.BLUESKY_PASSWORD || '',
};
const T = {
  action: 20000 * SCALE,
  nav: 90000 * SCALE,
  response: 45000 * SCALE,
  tile: 20000 * SCALE,
};

if (!['cookie', 'header'].includes(MODE)) {
  console.error(`MODE must be cookie or header, got ${MODE}`);
  process.exit(2);
}

// Backend responses >= 400 that are expected behaviour of the walk. Each entry needs a reason.
// Keep empty unless a failure is expected behaviour.
const ALLOWED_BACKEND_ERRORS = [
  // { method: 'GET', path: /^\/example$/, status: 404, why: '...' },
];

// Known and accepted problems, each with its reason. Empty: stock Postiz fails CopilotKit's
// credentialed request in header mode (no Access-Control-Allow-Credentials), this backend
// allows credentials in both modes, so nothing is excused.
const KNOWN = [];
const knownFor = (e) => KNOWN.find((k) => k.applies(e))?.id || null;

// Fills a form's fields and makes sure the values stay: a page that hydrates after the
// fields appear re-renders them empty, so fill again until every value holds.
async function fillForm(page, fields) {
  await page.waitForLoadState('load').catch(() => {});
  for (let attempt = 0; attempt < 10; attempt++) {
    for (const [selector, value] of fields) {
      await page.locator(selector).fill(value);
    }
    await page.waitForTimeout(300);
    let held = true;
    for (const [selector, value] of fields) {
      if ((await page.locator(selector).inputValue()) !== value) held = false;
    }
    if (held) return;
  }
  throw new Error(`the form kept losing its values: ${fields.map(([s]) => s).join(', ')}`);
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const started = Date.now();
const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const EMAIL = `walk-${MODE}-${stamp}@example.com`;
const PASSWORD = `Walk-${stamp}-pw`;
const COMPANY = `Walk Co ${stamp}`;
const POST_TEXT = `Browser walk ${MODE} ${stamp}`;
const LATER_TEXT = `Scheduled later ${MODE} ${stamp}`;
const SIGN_TEXT = `Signed by walk ${stamp}`;
const SET_TEXT = `Set content ${MODE} ${stamp}`;
const SET_NAME = `Walk set ${stamp}`;
const CUSTOMER_NAME = `Walk customer ${stamp}`;
const MEDIA_NAME = `walk-${stamp}.png`;

fs.mkdirSync(OUT_DIR, { recursive: true });
// Remove this script's own output from an earlier run (numbered screenshots, report.json).
for (const f of fs.readdirSync(OUT_DIR)) {
  if (/^\d{2,}-.*\.png$/.test(f) || /^walk-.*\.png$/.test(f) || f === 'report.json') fs.rmSync(path.join(OUT_DIR, f), { force: true });
}

const report = {
  mode: MODE,
  frontendUrl: FRONTEND_URL,
  backendUrl: BACKEND_URL,
  startedAt: new Date(started).toISOString(),
  finishedAt: null,
  durationS: null,
  user: { email: EMAIL, password: PASSWORD, company: COMPANY },
  postText: POST_TEXT,
  ok: false,
  failureReasons: [],
  steps: [],
  providerTiles: [],
  pages: [],
  backendErrors: [], // responses >= 400 from BACKEND_URL
  backendRequestFailures: [], // network-level failures (CORS, connection refused)
  consoleErrors: [],
  pageErrors: [],
  crashes: [],
  dialogs: [],
  toasts: [],
  outsideRequests: {}, // host -> { count, samples }
  interceptedNavigations: [],
  knownIssues: KNOWN.map(({ id, why }) => ({ id, why })),
  allowList: ALLOWED_BACKEND_ERRORS.map((a) => ({ ...a, path: String(a.path) })),
  cors: null, // CORS headers of the first cross-origin backend answers (observation only)
  backendCalls: [], // every call to BACKEND_URL: method, path, status
};

// ---------------------------------------------------------------- state shared by listeners
let activity = 'start';
let shotNo = 0;
const interceptNav = { on: false, list: [] };
const wire = { json: new Map(), postBodies: [], postsCreate: [] };
const crashSeen = new Set();
const navEpoch = new WeakMap(); // page -> main-frame navigation counter

const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const snippet = (s, n = 400) => (s == null ? '' : String(s).replace(/\s+/g, ' ').slice(0, n));
const backendPath = (url) => {
  const u = new URL(url);
  return u.pathname + u.search;
};
const isBackend = (url) => String(url).startsWith(BACKEND_URL + '/') || url === BACKEND_URL;

async function shot(page, name) {
  shotNo += 1;
  const file = `${String(shotNo).padStart(2, '0')}-${name.replace(/[^a-z0-9_-]+/gi, '_').slice(0, 60)}.png`;
  try {
    await page.screenshot({ path: path.join(OUT_DIR, file), fullPage: false, timeout: 15000 });
    return file;
  } catch (e) {
    return `(screenshot failed: ${snippet(e.message, 120)})`;
  }
}

const CRASH_RE =
  /Application error: a (client|server)-side exception has occurred|Internal Server Error|This page couldn.t load|Unhandled Runtime Error/i;

async function checkCrash(page, where) {
  let text = '';
  try {
    text = await page.evaluate(() => (document.body ? document.body.innerText : ''));
  } catch {
    return null; // navigating
  }
  const m = text.match(CRASH_RE);
  if (!m) return null;
  const url = page.url();
  // One record per page load: the same crash screen stays until the page navigates.
  const key = `${url}|${navEpoch.get(page) || 0}`;
  if (crashSeen.has(key)) return m[0];
  crashSeen.add(key);
  const file = await shot(page, `crash-${where || activity}`);
  const rec = { url, activity: where || activity, text: snippet(text, 300), screenshot: file };
  report.crashes.push(rec);
  log('CRASH SCREEN', JSON.stringify(rec));
  return m[0];
}

// ---------------------------------------------------------------- helpers on the wire
function findOurPost() {
  // Look through every /posts and /posts/list body seen for a post with our text.
  let found = null;
  const visit = (node) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const content = node.c ?? node.content;
    if (typeof content === 'string' && content.includes(POST_TEXT)) {
      found = {
        id: node.i ?? node.id,
        state: node.s ?? node.state,
        publishDate: node.d ?? node.publishDate,
        releaseURL: node.u ?? node.releaseURL,
        group: node.g ?? node.group,
      };
    }
    for (const v of Object.values(node)) if (v && typeof v === 'object') visit(v);
  };
  for (const b of wire.postBodies) visit(b.body);
  return found;
}

function waitForBackend(page, method, pathRe, timeout = T.response) {
  return page.waitForResponse(
    (r) => isBackend(r.url()) && r.request().method() === method && pathRe.test(new URL(r.url()).pathname),
    { timeout }
  );
}

async function respSummary(resp) {
  if (!resp) return null;
  let body = '';
  try {
    body = await resp.text();
  } catch {}
  return { status: resp.status(), body: snippet(body, 300) };
}

// ---------------------------------------------------------------- step runner
class Skip extends Error {}
const skipUnless = (cond, why) => {
  if (!cond) throw new Skip(why);
};

async function step(name, page, fn) {
  const rec = { name, status: 'running', details: {}, error: null, screenshot: null, startedAtS: null, durationS: null };
  rec.startedAtS = +((Date.now() - started) / 1000).toFixed(1);
  report.steps.push(rec);
  activity = name;
  log(`STEP ${name}`);
  const t0 = Date.now();
  try {
    await fn(rec.details);
    rec.status = 'passed';
  } catch (e) {
    rec.status = e instanceof Skip ? 'skipped' : 'failed';
    rec.error = snippet(e && e.message ? e.message.split('\n').slice(0, 3).join(' | ') : String(e), 600);
    log(`STEP ${name} ${rec.status.toUpperCase()}: ${rec.error}`);
    if (rec.status === 'skipped') {
      rec.durationS = 0;
      return false;
    }
  }
  await checkCrash(page, name);
  rec.screenshot = await shot(page, `${name}-${rec.status}`);
  rec.durationS = +((Date.now() - t0) / 1000).toFixed(1);
  log(`STEP ${name} -> ${rec.status} (${rec.durationS}s)`);
  return rec.status === 'passed';
}

function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

// ---------------------------------------------------------------- UI helpers
const modalRoots = (page) => page.locator('div.bg-popup');

async function modalCount(page) {
  try {
    return await modalRoots(page).count();
  } catch {
    return 0;
  }
}

async function closeModalsTo(page, n) {
  for (let i = 0; i < 6 && (await modalCount(page)) > n; i++) {
    // Escape closes the top-most modal; fall back to its close button.
    await page.keyboard.press('Escape').catch(() => {});
    await sleep(400);
    if ((await modalCount(page)) > n) {
      const top = modalRoots(page).last();
      const btn = top.locator('button.mantine-Modal-close').first();
      if (await btn.isVisible().catch(() => false)) await btn.click({ timeout: 3000 }).catch(() => {});
      await sleep(400);
    }
    // "Are you sure you want to close" decision modal
    const yes = page.getByRole('button', { name: /^Yes/ }).last();
    if ((await modalCount(page)) > n && (await yes.isVisible().catch(() => false))) {
      await yes.click({ timeout: 3000 }).catch(() => {});
      await sleep(400);
    }
  }
  return modalCount(page);
}

async function waitCalendar(page) {
  // The calendar's filter bar: Day / Week / Month switch and the "Today" button.
  // Calendar views show Day/Week/Month; the list view shows "Page N of M" instead.
  await page.waitForURL(/\/launches/, { timeout: T.nav });
  await page.getByRole('button', { name: 'Add Channel' }).first().waitFor({ state: 'visible', timeout: T.nav });
  await page
    .getByText('Week', { exact: true })
    .or(page.getByText(/^Page \d+ of \d+$/))
    .first()
    .waitFor({ state: 'visible', timeout: T.nav });
}

async function toastsSince(page, t0) {
  try {
    const list = await page.evaluate(() => window.__walkToasts || []);
    return list.filter((t) => t.at >= t0);
  } catch {
    return [];
  }
}

async function clickTopMenu(page, href) {
  // Click the left-menu entry like a user; fall back to a direct visit.
  const link = page.locator(`#left-menu a[href="${href}"]`).first();
  if ((await modalCount(page)) === 0 && (await link.isVisible().catch(() => false))) {
    try {
      await Promise.all([
        page.waitForURL((u) => u.pathname.startsWith(href), { timeout: 30000 * SCALE }),
        link.click({ timeout: 10000 * SCALE }),
      ]);
      return true;
    } catch {}
  }
  await page.goto(FRONTEND_URL + href, { waitUntil: 'domcontentloaded', timeout: T.nav });
  return false;
}

async function settle(page, ms = 2500) {
  // Some pages poll, so network idle may never come: bounded wait, then a short pause.
  await page.waitForLoadState('networkidle', { timeout: 8000 * SCALE }).catch(() => {});
  await sleep(ms);
}

// A small valid PNG (RGB gradient), written by the walk itself for the media upload.
function makePng(width = 24, height = 24) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = (x * 10) & 0xff;
      raw[row + 2 + x * 3] = (y * 10) & 0xff;
      raw[row + 3 + x * 3] = 0x80;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The ISO week (Monday..Sunday, UTC: the browser runs in UTC) holding `date`.
function isoWeek(date) {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const dow = (d.getUTCDay() + 6) % 7; // 0 = Monday
  const start = new Date(d.getTime() - dow * 86400000);
  const end = new Date(start.getTime() + 6 * 86400000);
  const fmt = (x) => x.toISOString().slice(0, 10);
  return { startDate: fmt(start), endDate: fmt(end), dayIndex: dow };
}

// Opens the week view holding `when` (a UTC date at a whole hour) and returns that hour's cell.
async function weekCell(page, when) {
  const { startDate, endDate, dayIndex } = isoWeek(when);
  await page.goto(`${FRONTEND_URL}/launches?display=week&startDate=${startDate}&endDate=${endDate}`, {
    waitUntil: 'domcontentloaded',
    timeout: T.nav,
  });
  await waitCalendar(page);
  const grid = page.locator('div[class*="grid-template-columns:136px"]').first();
  await grid.waitFor({ state: 'visible', timeout: T.nav });
  // Grid children: the corner, 7 day headers, then per hour its label and 7 day cells.
  const cell = grid.locator(':scope > div').nth(8 + when.getUTCHours() * 8 + 1 + dayIndex);
  await cell.scrollIntoViewIfNeeded();
  return cell;
}

// The editor of the add/edit modal ("Create Post" on top, "Post Preview" with its close icon).
const editorModal = (page) => page.locator('#social-content').first();

async function waitEditor(page) {
  await editorModal(page).waitFor({ state: 'visible', timeout: T.nav });
  await page.locator('.ProseMirror').first().waitFor({ state: 'visible', timeout: T.nav });
}

async function editorText(page) {
  const texts = await page.locator('.ProseMirror').allInnerTexts().catch(() => []);
  return texts.join('\n');
}

// Closes the post editor without saving, the way a user does: the close icon next to
// "Post Preview", then "Yes, close it!".
async function closeEditor(page) {
  const header = page.locator('div.flex-1').filter({ hasText: /^Post Preview$/ }).first();
  const icon = header.locator('xpath=following-sibling::div[1]').locator('svg').first();
  await icon.click({ timeout: T.action });
  const yes = page.getByRole('button', { name: /Yes, close it/ });
  await yes.waitFor({ state: 'visible', timeout: T.action });
  await yes.click();
  await editorModal(page).waitFor({ state: 'hidden', timeout: T.action });
}

// The channel row of the left list and its "..." (preferences) menu.
const channelRow = (page, identifier) =>
  page.locator('div[class*="group/profile"]').filter({ has: page.locator(`img[alt="${identifier}"]`) }).first();

async function openChannelMenu(page, identifier) {
  const row = channelRow(page, identifier);
  await row.waitFor({ state: 'visible', timeout: T.nav });
  await row.hover();
  const menu = page.locator('div.shadow-menu').first();
  if (!(await menu.isVisible().catch(() => false))) {
    await row.locator('div.cursor-pointer.relative.select-none.flex').first().click();
  }
  await menu.waitFor({ state: 'visible', timeout: T.action });
  const items = (await menu.locator(':scope > div').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  return { menu, items };
}

async function openSettingsTab(page, label) {
  if (!new URL(page.url()).pathname.startsWith('/settings')) {
    await clickTopMenu(page, '/settings');
  }
  await page.getByText(/Logout from/).first().waitFor({ timeout: T.nav }).catch(() => {});
  const tab = page.locator('div.cursor-pointer').filter({ hasText: new RegExp(`^${label}$`) }).first();
  await tab.waitFor({ state: 'visible', timeout: T.nav });
  await tab.click();
}

// ---------------------------------------------------------------- main
async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: !process.env.HEADED,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const context = await browser.newContext({
    viewport: { width: 1600, height: 1000 },
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  context.setDefaultTimeout(T.action);

  // Record toasts (the app's Toaster renders a fixed div.animate-fadeDown) and crash text.
  await context.addInitScript(() => {
    window.__walkToasts = [];
    const seen = new WeakSet();
    const scan = () => {
      document.querySelectorAll('div.animate-fadeDown').forEach((el) => {
        if (seen.has(el)) return;
        seen.add(el);
        window.__walkToasts.push({ at: Date.now(), text: (el.innerText || '').trim() });
      });
    };
    new MutationObserver(scan).observe(document, { childList: true, subtree: true });
  });

  // Route everything: outside hosts are aborted; during the tile phase main-frame navigations
  // (a provider's auth URL) are recorded and aborted so the page stays where it is.
  await context.route('**/*', async (route) => {
    const req = route.request();
    let u;
    try {
      u = new URL(req.url());
    } catch {
      return route.continue();
    }
    if (u.protocol === 'data:' || u.protocol === 'blob:') return route.continue();
    let isMainNav = false;
    try {
      isMainNav = req.isNavigationRequest() && req.frame().parentFrame() === null;
    } catch {}
    if (isMainNav && interceptNav.on) {
      const rec = { url: req.url(), activity, at: Date.now() };
      interceptNav.list.push(rec);
      report.interceptedNavigations.push({ url: rec.url, activity });
      return route.abort('aborted');
    }
    if (!LOCAL_HOSTS.has(u.hostname)) {
      const o = (report.outsideRequests[u.host] ||= { count: 0, samples: [] });
      o.count += 1;
      if (o.samples.length < 3) o.samples.push(snippet(req.url(), 160));
      if (isMainNav) report.interceptedNavigations.push({ url: req.url(), activity });
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });

  context.on('response', async (resp) => {
    const url = resp.url();
    if (!isBackend(url)) return;
    const req = resp.request();
    const method = req.method();
    const status = resp.status();
    const p = backendPath(url);
    report.backendCalls.push({ method, path: p, status, activity });
    const h = resp.headers();
    report.cors ||= {};
    const corsKey = method === 'OPTIONS' ? 'preflight' : 'response';
    if (!report.cors[corsKey] && h['access-control-allow-origin']) {
      report.cors[corsKey] = {
        call: `${method} ${p.split('?')[0]}`,
        allowOrigin: h['access-control-allow-origin'] || null,
        allowCredentials: h['access-control-allow-credentials'] || null,
        allowHeaders: h['access-control-allow-headers'] || null,
        exposeHeaders: h['access-control-expose-headers'] || null,
      };
    }
    if (method === 'OPTIONS') {
      if (status >= 400) report.backendErrors.push({ method, path: p, status, body: '', activity });
      return;
    }
    let text = null;
    try {
      text = await resp.text();
    } catch {}
    if (status >= 400) {
      const e = { method, url, path: p, status, body: snippet(text, 400), activity };
      const allowed = ALLOWED_BACKEND_ERRORS.find(
        (a) => a.method === method && a.path.test(new URL(url).pathname) && a.status === status
      );
      e.allowed = allowed ? allowed.why : null;
      e.known = knownFor(e);
      report.backendErrors.push(e);
      log(`BACKEND ${status} ${method} ${p} ${snippet(text, 160)}`);
    }
    const pathname = new URL(url).pathname;
    if (text != null && /json/i.test(resp.headers()['content-type'] || '')) {
      try {
        const body = JSON.parse(text);
        wire.json.set(`${method} ${pathname}`, body);
        if (method === 'GET' && (pathname === '/posts' || pathname === '/posts/list')) {
          wire.postBodies.push({ at: Date.now(), path: p, body });
          if (wire.postBodies.length > 200) wire.postBodies.shift();
        }
      } catch {}
    }
    if (method === 'POST' && pathname === '/posts') wire.postsCreate.push({ status, body: text });
  });

  context.on('requestfailed', (req) => {
    const url = req.url();
    if (!isBackend(url)) return;
    const e = {
      method: req.method(),
      url,
      path: backendPath(url),
      failure: req.failure()?.errorText || '',
      activity,
    };
    // ERR_ABORTED: the page navigated away while the body was still streaming (e.g. logout).
    e.benign = e.failure === 'net::ERR_ABORTED';
    e.known = knownFor(e);
    report.backendRequestFailures.push(e);
  });

  const attachPage = (pg) => {
    pg.on('framenavigated', (f) => {
      if (f === pg.mainFrame()) navEpoch.set(pg, (navEpoch.get(pg) || 0) + 1);
    });
    pg.on('console', (m) => {
      if (m.type() !== 'error') return;
      const loc = m.location() || {};
      const text = m.text();
      const e = {
        page: pg.url(),
        text: snippet(text, 500),
        sourceUrl: loc.url || '',
        fromBackend: isBackend(loc.url || '') || text.includes(BACKEND_URL),
        activity,
      };
      e.known = knownFor({ url: loc.url, text });
      report.consoleErrors.push(e);
    });
    pg.on('pageerror', (err) => {
      report.pageErrors.push({ page: pg.url(), text: snippet(String(err && err.stack ? err.stack : err), 600), activity });
    });
    pg.on('dialog', async (d) => {
      report.dialogs.push({ type: d.type(), message: snippet(d.message(), 200), activity });
      await d.dismiss().catch(() => {});
    });
  };
  context.on('page', attachPage);

  const page = await context.newPage();

  let signedUp = false;
  let loggedIn = false;
  let channelOk = false;
  let postCreated = false;
  let postId = null;

  // ------------------------------------------------------------ 1. sign-up
  signedUp = await step('1-signup', page, async (d) => {
    await page.goto(FRONTEND_URL + '/auth', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await page.locator('input[name="email"]').waitFor({ timeout: T.nav });
    await fillForm(page, [
      ['input[name="email"]', EMAIL],
      ['input[name="password"]', PASSWORD],
      ['input[name="company"]', COMPANY],
    ]);
    const [resp] = await Promise.all([
      waitForBackend(page, 'POST', /^\/auth\/register$/),
      page.locator('button[type="submit"]').first().click(),
    ]);
    d.register = await respSummary(resp);
    d.registerHeaders = {
      onboarding: resp.headers()['onboarding'] || null,
      auth: resp.headers()['auth'] ? '(present)' : null,
      activate: resp.headers()['activate'] || null,
    };
    expect(resp.status() === 200, `POST /auth/register answered ${resp.status()} (the page needs 200): ${d.register.body}`);
    await page.waitForURL(/\/launches/, { timeout: T.nav });
    d.landedOn = page.url();
    // Onboarding modal ("Connect Your Channels" -> "Watch Tutorial"), closed the way a user would.
    const connect = page.getByText('Connect Your Channels', { exact: true });
    let onboardingShown = false;
    try {
      await connect.waitFor({ state: 'visible', timeout: 30000 * SCALE });
      onboardingShown = true;
    } catch {}
    d.onboardingShown = onboardingShown;
    if (onboardingShown) {
      await sleep(1000);
      d.onboardingTiles = await page.locator('div.bg-popup img[src^="/icons/platforms/"]').count();
      await checkCrash(page, '1-signup onboarding');
      await page.getByRole('button', { name: /Continue( without channels)?/ }).first().click();
      await page.getByRole('button', { name: /Get Started/ }).click();
      await connect.waitFor({ state: 'hidden', timeout: T.action }).catch(() => {});
      await page.getByText('Learn How to Use Postiz').waitFor({ state: 'hidden', timeout: T.action });
    }
    await waitCalendar(page);
    d.finalUrl = page.url();
  });

  // ------------------------------------------------------------ 2. logout, login, calendar views
  loggedIn = await step('2-logout-login-calendar', page, async (d) => {
    skipUnless(signedUp, 'sign-up failed, cannot log out/in');
    // Settings (left menu) -> "Logout from Postiz" -> confirm.
    await clickTopMenu(page, '/settings');
    const logoutLink = page.getByText(/Logout from/).first();
    await logoutLink.waitFor({ state: 'visible', timeout: T.nav });
    await logoutLink.click();
    const yes = page.getByRole('button', { name: 'Yes logout' });
    await yes.waitFor({ timeout: T.action });
    const logoutResp = MODE === 'cookie' ? waitForBackend(page, 'POST', /^\/user\/logout$/).catch(() => null) : null;
    await yes.click();
    if (logoutResp) d.logoutCall = await respSummary(await logoutResp);
    await page.waitForURL((u) => u.pathname.startsWith('/auth') || u.pathname.startsWith('/launches'), {
      timeout: T.nav,
    });
    await settle(page, 1000);
    d.afterLogoutUrl = page.url();
    expect(
      new URL(page.url()).pathname.startsWith('/auth'),
      `after logout the app went to ${page.url()} instead of /auth (session not cleared)`
    );
    const cookies = await context.cookies(FRONTEND_URL);
    d.authCookieAfterLogout = cookies.some((c) => c.name === 'auth' && c.value) ? 'still set' : 'cleared';

    await page.goto(FRONTEND_URL + '/auth/login', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await page.locator('input[name="email"]').waitFor({ timeout: T.nav });
    await fillForm(page, [
      ['input[name="email"]', EMAIL],
      ['input[name="password"]', PASSWORD],
    ]);
    const [resp] = await Promise.all([
      waitForBackend(page, 'POST', /^\/auth\/login$/),
      page.locator('button[type="submit"]').first().click(),
    ]);
    d.login = await respSummary(resp);
    d.loginHeaders = { reload: resp.headers()['reload'] || null, auth: resp.headers()['auth'] ? '(present)' : null };
    expect(resp.status() === 200, `POST /auth/login answered ${resp.status()} (the page needs 200): ${d.login.body}`);
    await waitCalendar(page);
    await settle(page, 1500);
    d.views = {};

    const filterBar = page.locator('div.select-none').filter({ has: page.getByText('Today', { exact: true }) }).first();
    const viewSwitch = async (label, clicker, re) => {
      activity = `2-calendar-view-${label}`;
      const r = waitForBackend(page, 'GET', re, 30000 * SCALE).catch(() => null);
      await clicker();
      const resp2 = await r;
      await settle(page, 1200);
      const crash = await checkCrash(page, `calendar ${label}`);
      d.views[label] = {
        call: resp2 ? `${resp2.request().method()} ${backendPath(resp2.url())} -> ${resp2.status()}` : 'no call seen',
        crash: crash || null,
        screenshot: await shot(page, `calendar-${label}`),
      };
      if (!resp2 || resp2.status() >= 400 || crash) throw new Error(`calendar ${label} view: ${JSON.stringify(d.views[label])}`);
    };
    // The list/calendar toggles are the two w-[34px] icon buttons of the filter bar.
    const toggles = page.locator('div.border-newTableBorder > div[class*="w-[34px]"]');
    const errs = [];
    for (const [label, clicker, re] of [
      ['day', () => filterBar.getByText('Day', { exact: true }).click(), /^\/posts$/],
      ['month', () => filterBar.getByText('Month', { exact: true }).click(), /^\/posts$/],
      ['list', () => toggles.nth(1).click(), /^\/posts\/list$/],
      ['week', async () => {
        await toggles.nth(0).click();
        await page.getByText('Week', { exact: true }).first().click();
      }, /^\/posts$/],
    ]) {
      try {
        await viewSwitch(label, clicker, re);
      } catch (e) {
        errs.push(snippet(e.message, 300));
      }
    }
    activity = '2-logout-login-calendar';
    expect(errs.length === 0, errs.join(' ; '));
  });

  // ------------------------------------------------------------ 3. every "Add Channel" tile
  const openAddChannel = async () => {
    await closeModalsTo(page, 0);
    if (!/\/launches/.test(page.url()) || (await checkCrash(page, 'before add channel'))) {
      await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
      await waitCalendar(page);
    }
    const btn = page.getByRole('button', { name: 'Add Channel' }).first();
    await btn.waitFor({ state: 'visible', timeout: T.nav });
    const [resp] = await Promise.all([waitForBackend(page, 'GET', /^\/integrations$/), btn.click()]);
    let body = null;
    try {
      body = await resp.json();
    } catch {}
    const modal = modalRoots(page).filter({ hasText: 'Add Channel' }).first();
    await modal.waitFor({ state: 'visible', timeout: T.action });
    return { resp, body, modal };
  };

  await step('3-add-channel-tiles', page, async (d) => {
    skipUnless(loggedIn || signedUp, 'not logged in');
    await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await waitCalendar(page);
    const first = await openAddChannel();
    d.integrationsCall = `${first.resp.status()}`;
    expect(first.resp.status() === 200, `GET /integrations answered ${first.resp.status()}`);
    const social = (first.body && Array.isArray(first.body.social) && first.body.social) || [];
    d.providerCount = social.length;
    d.articleCount = Array.isArray(first.body?.article) ? first.body.article.length : null;
    expect(social.length > 0, `GET /integrations returned no social providers: ${snippet(JSON.stringify(first.body), 200)}`);
    const tilesInDom = await first.modal.locator('img[src^="/icons/platforms/"]').count();
    d.tilesInDom = tilesInDom;
    let modalOpen = true;

    for (const prov of social) {
      const id = prov.identifier;
      activity = `3-tile-${id}`;
      const tile = {
        identifier: id,
        name: prov.name,
        kind: prov.isWeb3 ? 'web3' : prov.isChromeExtension ? 'chrome-extension' : prov.isExternal ? 'external-url' : prov.customFields ? 'custom-fields' : 'oauth',
        outcome: null,
        ok: false,
        detail: null,
        backendCall: null,
      };
      report.providerTiles.push(tile);
      try {
        if (!modalOpen || (await modalCount(page)) === 0) {
          await openAddChannel();
          modalOpen = true;
        }
        await closeModalsTo(page, 1);
        const before = await modalCount(page);
        const imgSel =
          id === 'youtube' ? 'img[src="/icons/platforms/youtube.svg"]' : `img[src="/icons/platforms/${id}.png"]`;
        const target = modalRoots(page).first().locator(imgSel).first();
        await target.waitFor({ state: 'visible', timeout: T.action });
        interceptNav.list = [];
        interceptNav.on = true;
        const t0 = Date.now();
        const callsBefore = report.backendCalls.length;
        await target.click();
        let outcome = null;
        let respAt = 0;
        while (Date.now() - t0 < T.tile) {
          await sleep(250);
          if (interceptNav.list.length) {
            outcome = 'redirect';
            break;
          }
          const crash = await checkCrash(page, `tile ${id}`);
          if (crash) {
            outcome = 'crash';
            break;
          }
          if ((await modalCount(page)) > before) {
            outcome = 'modal';
            break;
          }
          const ts = await toastsSince(page, t0);
          if (ts.length) {
            outcome = 'toast';
            tile.detail = ts.map((t) => t.text).join(' | ');
            break;
          }
          const call = report.backendCalls
            .slice(callsBefore)
            .find((c) => c.path.startsWith(`/integrations/social/${id}`));
          if (call && !respAt) respAt = Date.now();
          if (respAt && Date.now() - respAt > 5000 * SCALE) break;
        }
        interceptNav.on = false;
        const call = report.backendCalls.slice(callsBefore).find((c) => c.path.startsWith(`/integrations/social/${id}`));
        if (call) {
          const err = report.backendErrors.find((e) => e.activity === activity && e.path === call.path);
          tile.backendCall = `${call.method} ${call.path} -> ${call.status}${err ? ` ${err.body}` : ''}`;
        }
        if (outcome === 'redirect') {
          const nav = interceptNav.list[0].url;
          tile.outcome = 'redirect';
          tile.detail = nav;
          let host = '';
          try {
            host = new URL(nav).origin;
          } catch {}
          tile.ok = /^https?:/.test(nav) && host !== FRONTEND_URL;
          if (!tile.ok) tile.detail = `unexpected redirect target ${nav}`;
        } else if (outcome === 'modal') {
          await sleep(800);
          const top = modalRoots(page).last();
          const title = snippet(await top.locator('div.text-\\[24px\\]').first().innerText().catch(() => ''), 80);
          const inputs = await top
            .locator('input')
            .evaluateAll((els) => els.map((e) => e.getAttribute('name') || e.type).filter(Boolean))
            .catch(() => []);
          const text = snippet(await top.innerText().catch(() => ''), 160);
          tile.outcome =
            /Browser Extension/i.test(title)
              ? 'chrome-extension-notice'
              : /^URL$/.test(title)
              ? 'instance-url-form'
              : /^Add /.test(title) && tile.kind === 'web3'
              ? 'web3-form'
              : inputs.length
              ? 'credential-form'
              : 'modal';
          tile.detail = `title="${title}" inputs=[${inputs.join(',')}] text="${text}"`;
          tile.ok = !(await checkCrash(page, `tile ${id} modal`));
          tile.screenshot = await shot(page, `tile-${id}`);
        } else if (outcome === 'crash') {
          tile.outcome = 'crash';
          tile.ok = false;
          tile.detail = report.crashes[report.crashes.length - 1]?.text || 'crash screen';
          modalOpen = false;
          await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
          await waitCalendar(page);
        } else if (outcome === 'toast') {
          tile.outcome = 'toast';
          tile.ok = false;
        } else {
          tile.outcome = 'nothing-happened';
          tile.ok = false;
          tile.detail = `no modal, redirect or toast within ${Math.round((Date.now() - t0) / 1000)}s`;
          tile.screenshot = await shot(page, `tile-${id}-nothing`);
        }
        // Close whatever the tile opened; keep the Add Channel modal if it is still there.
        if (modalOpen) {
          const left = await closeModalsTo(page, 1);
          const stillAdd = await modalRoots(page).filter({ hasText: 'Add Channel' }).count();
          if (left === 0 || !stillAdd) modalOpen = false;
        }
      } catch (e) {
        interceptNav.on = false;
        tile.outcome = tile.outcome || 'walk-error';
        tile.ok = false;
        tile.detail = snippet(e.message, 300);
        modalOpen = false;
        await checkCrash(page, `tile ${id}`);
        await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav }).catch(() => {});
        await waitCalendar(page).catch(() => {});
      }
      log(`tile ${id}: ${tile.outcome} ok=${tile.ok} ${snippet(tile.detail, 160)}`);
    }
    activity = '3-add-channel-tiles';
    await closeModalsTo(page, 0);
    const bad = report.providerTiles.filter((t) => !t.ok);
    d.summary = report.providerTiles.map((t) => `${t.identifier}:${t.outcome}${t.ok ? '' : '(!)'}`).join(', ');
    expect(bad.length === 0, `${bad.length} tile(s) failed: ${bad.map((t) => `${t.identifier}=${t.outcome}`).join(', ')}`);
  });

  // ------------------------------------------------------------ 4. connect Bluesky via its credential form
  channelOk = await step('4-connect-bluesky', page, async (d) => {
    expect(BLUESKY.service && BLUESKY.handle && BLUESKY.password, 'BLUESKY_SERVICE/HANDLE/PASSWORD not set');
    const { body } = await openAddChannel();
    const prov = (body?.social || []).find((p) => p.identifier === 'bluesky');
    expect(prov, 'GET /integrations has no "bluesky" provider');
    d.customFields = (prov.customFields || []).map((f) => `${f.key}:${f.type}:${f.validation}`);
    await modalRoots(page).first().locator('img[src="/icons/platforms/bluesky.png"]').first().click();
    const form = modalRoots(page).last();
    try {
      await form.locator('input').first().waitFor({ state: 'visible', timeout: T.action });
    } catch (e) {
      const crash = await checkCrash(page, '4 bluesky tile');
      throw new Error(crash ? `clicking the Bluesky tile showed a crash screen: ${crash}` : `Bluesky credential form did not open: ${snippet(e.message, 150)}`);
    }
    const fields = prov.customFields || [];
    for (const f of fields) {
      const value = /service|url|host/i.test(f.key)
        ? BLUESKY.service
        : /pass/i.test(f.key)
        ? BLUESKY.password
        : /ident|handle|user|login/i.test(f.key)
        ? BLUESKY.handle
        : null;
      expect(value !== null, `unknown bluesky custom field ${f.key}`);
      await form.locator(`input[name="${f.key}"]`).fill(value);
    }
    const connectPromise = waitForBackend(page, 'POST', /^\/integrations\/social-connect\/bluesky$/, T.nav).catch(
      (e) => e
    );
    await form.getByRole('button', { name: 'Connect' }).click();
    // Validation errors stay in the form.
    await sleep(800);
    const formErrors = await form.locator('.text-red-400, .text-red-500').allInnerTexts().catch(() => []);
    if (formErrors.length) d.formErrors = formErrors;
    const connect = await connectPromise;
    expect(!(connect instanceof Error), `no POST /integrations/social-connect/bluesky seen (${snippet(connect?.message, 120)}); form errors: ${JSON.stringify(formErrors)}`);
    d.socialConnect = await respSummary(connect);
    expect(
      [200, 201].includes(connect.status()),
      `POST /integrations/social-connect/bluesky answered ${connect.status()}: ${d.socialConnect.body}`
    );
    await page.waitForURL(/\/launches/, { timeout: T.nav });
    await waitCalendar(page);
    const avatar = page.locator('img[alt="bluesky"]').first();
    await avatar.waitFor({ state: 'visible', timeout: T.nav });
    const list = wire.json.get('GET /integrations/list');
    const item = (list?.integrations || []).find((i) => i.identifier === 'bluesky');
    d.channel = item ? { id: item.id, name: item.name, picture: item.picture, disabled: item.disabled } : null;
    await settle(page, 1000);
  });

  // ------------------------------------------------------------ 5. create a post with "Post now" and wait for publishing
  postCreated = await step('5-create-post-now', page, async (d) => {
    skipUnless(channelOk, 'no Bluesky channel connected (step 4)');
    await closeModalsTo(page, 0);
    if (!/\/launches/.test(page.url())) {
      await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
      await waitCalendar(page);
    }
    const createBtn = page.getByRole('button', { name: 'Create Post' }).first();
    await createBtn.waitFor({ state: 'visible', timeout: T.nav });
    const slot = waitForBackend(page, 'GET', /^\/posts\/find-slot$/).catch(() => null);
    await createBtn.click();
    const slotResp = await slot;
    d.findSlot = await respSummary(slotResp);
    const editor = page.locator('.ProseMirror').first();
    await editor.waitFor({ state: 'visible', timeout: T.nav });
    await checkCrash(page, '5 editor open');
    await page.locator('#social-content img[alt="bluesky"]').first().click();
    const addBtn = page.getByRole('button', { name: /Add to calendar/i });
    await addBtn.waitFor({ state: 'visible', timeout: T.action });
    await editor.click();
    await page.keyboard.type(POST_TEXT, { delay: 15 });
    await sleep(1000);
    await shot(page, 'editor-filled');
    // "Post Now" shows on hover over the "Add to calendar" button group.
    await addBtn.hover();
    const postNow = page.locator('.post-now').first();
    await postNow.waitFor({ state: 'visible', timeout: T.action });
    const valid = waitForBackend(page, 'POST', /^\/posts\/valid$/).catch(() => null);
    const create = waitForBackend(page, 'POST', /^\/posts$/, T.nav).catch(() => null);
    await postNow.click();
    const validResp = await valid;
    d.valid = await respSummary(validResp);
    // A shortlink question only appears if the text has URLs; answer "No" if it does.
    const noShort = page.getByRole('button', { name: /No, original URLs/ });
    if (await noShort.isVisible({ timeout: 2000 }).catch(() => false)) await noShort.click();
    const createResp = await create;
    d.create = await respSummary(createResp);
    try {
      d.createRequestType = JSON.parse(createResp.request().postData() || '{}').type || null;
    } catch {}
    const ts = await toastsSince(page, 0);
    d.toasts = ts.map((t) => t.text);
    expect(createResp, `POST /posts was never sent (toasts: ${d.toasts.join(' | ')}; /posts/valid: ${JSON.stringify(d.valid)})`);
    expect(createResp.status() < 400, `POST /posts answered ${createResp.status()}: ${d.create.body}`);
    await page.locator('.ProseMirror').first().waitFor({ state: 'hidden', timeout: T.action }).catch(() => {});
    try {
      const b = JSON.parse(wire.postsCreate[wire.postsCreate.length - 1]?.body || 'null');
      const first = Array.isArray(b) ? b[0] : b;
      postId = first?.postId || first?.id || null;
    } catch {}
    d.postIdFromCreate = postId;
    await settle(page, 1500);
  });

  await step('5b-post-published', page, async (d) => {
    skipUnless(postCreated, 'post was not created (step 5)');
    // List view with the "Published" filter shows the post once the scheduler published it.
    const deadline = Date.now() + PUBLISH_TIMEOUT_MS;
    let attempt = 0;
    let shown = false;
    while (Date.now() < deadline) {
      attempt += 1;
      await page.goto(FRONTEND_URL + '/launches?display=list', { waitUntil: 'domcontentloaded', timeout: T.nav });
      await page.getByText('Published', { exact: true }).first().waitFor({ timeout: T.nav });
      const listResp = waitForBackend(page, 'GET', /^\/posts\/list$/, 30000 * SCALE).catch(() => null);
      await page.getByText('Published', { exact: true }).first().click();
      const r = await listResp;
      d.lastListCall = r ? `${backendPath(r.url())} -> ${r.status()}` : 'no /posts/list call';
      await sleep(1500);
      if (await page.getByText(POST_TEXT).first().isVisible().catch(() => false)) {
        shown = true;
        break;
      }
      await sleep(3000);
    }
    d.attempts = attempt;
    const wp = findOurPost();
    d.postOnWire = wp;
    if (wp?.id) postId = postId || wp.id;
    expect(shown, `post not listed under "Published" after ${Math.round(PUBLISH_TIMEOUT_MS / 1000)}s (last state on the wire: ${wp ? wp.state : 'post never seen in /posts or /posts/list'})`);
    // Also show it on the calendar (week view) if it falls in this week.
    await page.goto(FRONTEND_URL + '/launches?display=week', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await waitCalendar(page);
    await settle(page, 1500);
    d.visibleInWeekView = await page.getByText(POST_TEXT).first().isVisible().catch(() => false);
  });

  // ------------------------------------------------------------ 6. preview page
  await step('6-preview', page, async (d) => {
    skipUnless(postCreated, 'post was not created (step 5)');
    // Use the calendar item's "Preview Post" action (list view, "Published" filter; the
    // "All" filter only lists upcoming posts, as in Postiz).
    await page.goto(FRONTEND_URL + '/launches?display=list', { waitUntil: 'domcontentloaded', timeout: T.nav });
    const item = page.getByText(POST_TEXT).first();
    let preview = null;
    try {
      await page.getByText('Published', { exact: true }).first().click({ timeout: T.nav });
      await item.waitFor({ state: 'visible', timeout: 30000 * SCALE });
      const card = page.locator('div.group').filter({ has: item }).last();
      await card.hover();
      const eye = card.locator('[data-tooltip-content="Preview Post"]').first();
      const [popup] = await Promise.all([context.waitForEvent('page', { timeout: T.action }), eye.click()]);
      preview = popup;
      d.openedBy = 'calendar preview action';
    } catch (e) {
      d.previewActionError = snippet(e.message, 200);
    }
    if (!preview) {
      const wp = findOurPost();
      const id = postId || wp?.id;
      expect(id, 'no post id (neither from the preview action nor from the wire)');
      preview = await context.newPage();
      await preview.goto(`${FRONTEND_URL}/p/${id}?share=true`, { waitUntil: 'domcontentloaded', timeout: T.nav });
      d.openedBy = 'direct URL (id from the wire)';
    }
    await preview.waitForLoadState('domcontentloaded', { timeout: T.nav });
    await preview.waitForLoadState('networkidle', { timeout: 15000 * SCALE }).catch(() => {});
    d.url = preview.url();
    const text = await preview.evaluate(() => document.body.innerText).catch(() => '');
    await checkCrash(preview, '6-preview page');
    d.screenshot = await shot(preview, 'preview-page');
    d.postNotFound = /Post not found/i.test(text);
    d.showsText = text.includes(POST_TEXT);
    if (preview !== page) await preview.close().catch(() => {});
    expect(!d.postNotFound, `preview page says "Post not found" (${d.url})`);
    expect(d.showsText, `preview page does not show the post text (${d.url}): ${snippet(text, 200)}`);
  });

  // ------------------------------------------------------------ 7. other pages and settings tabs
  await step('7-pages', page, async (d) => {
    const problems = [];
    await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await waitCalendar(page).catch(() => {});
    for (const p of ['/media', '/plugs', '/third-party', '/agents', '/analytics']) {
      activity = `7-page ${p}`;
      const errBefore = report.backendErrors.length;
      const rec = { path: p, crash: null, backendErrors: [], screenshot: null, finalUrl: null };
      try {
        await clickTopMenu(page, p);
        await settle(page, 2500);
        rec.finalUrl = page.url();
        rec.crash = await checkCrash(page, `page ${p}`);
      } catch (e) {
        rec.error = snippet(e.message, 200);
      }
      rec.backendErrors = report.backendErrors.slice(errBefore).map((e) => `${e.method} ${e.path} ${e.status}`);
      rec.screenshot = await shot(page, `page-${p}`);
      report.pages.push(rec);
      if (rec.crash || rec.error) problems.push(`${p}: ${rec.crash || rec.error}`);
      log(`page ${p}: crash=${rec.crash} errors=${rec.backendErrors.join(', ')}`);
    }
    // Settings and each of its tabs.
    activity = '7-page /settings';
    await clickTopMenu(page, '/settings');
    await page.getByText(/Logout from/).first().waitFor({ timeout: T.nav }).catch(() => {});
    await settle(page, 1500);
    const tabs = ['Global Settings', 'Teams', 'Webhooks', 'Auto Post', 'Sets', 'Signatures', 'Developers', 'Approved Apps'];
    d.settingsTabs = {};
    for (const label of tabs) {
      activity = `7-settings-tab ${label}`;
      const errBefore = report.backendErrors.length;
      const tab = page.locator('div.cursor-pointer').filter({ hasText: new RegExp(`^${label}$`) }).first();
      const rec = { path: `/settings#${label}`, crash: null, backendErrors: [], screenshot: null };
      if (!(await tab.isVisible().catch(() => false))) {
        rec.present = false;
        d.settingsTabs[label] = 'tab not shown';
        report.pages.push(rec);
        continue;
      }
      rec.present = true;
      try {
        await tab.click();
        await settle(page, 2000);
        rec.crash = await checkCrash(page, `settings tab ${label}`);
      } catch (e) {
        rec.error = snippet(e.message, 200);
      }
      rec.backendErrors = report.backendErrors.slice(errBefore).map((e) => `${e.method} ${e.path} ${e.status}`);
      rec.screenshot = await shot(page, `settings-${label}`);
      report.pages.push(rec);
      d.settingsTabs[label] = rec.crash ? `CRASH` : rec.backendErrors.length ? `errors: ${rec.backendErrors.join(', ')}` : 'ok';
      if (rec.crash || rec.error) {
        problems.push(`settings ${label}: ${rec.crash || rec.error}`);
        await page.goto(FRONTEND_URL + '/settings', { waitUntil: 'domcontentloaded', timeout: T.nav });
        await settle(page, 1500);
      }
    }
    // Billing: the app links it only when Stripe is configured; without it the page is still
    // reachable by its address and must not break.
    activity = '7-page /billing';
    const billingLinked = await page.locator('#left-menu a[href="/billing"]').count();
    d.billingLinked = !!billingLinked;
    {
      const errBefore = report.backendErrors.length;
      if (billingLinked) {
        await clickTopMenu(page, '/billing');
      } else {
        await page.goto(FRONTEND_URL + '/billing', { waitUntil: 'domcontentloaded', timeout: T.nav });
      }
      await settle(page, 2500);
      const rec = { path: '/billing', crash: await checkCrash(page, 'page /billing') };
      rec.backendErrors = report.backendErrors.slice(errBefore).map((e) => `${e.method} ${e.path} ${e.status}`);
      rec.screenshot = await shot(page, 'page-billing');
      report.pages.push(rec);
      if (rec.crash) problems.push(`/billing: ${rec.crash}`);
    }
    expect(problems.length === 0, problems.join(' ; '));
  });

  // ------------------------------------------------------------ 8. media library upload
  await step('8-media-upload', page, async (d) => {
    skipUnless(loggedIn || signedUp, 'not logged in');
    await closeModalsTo(page, 0);
    const pngPath = path.join(OUT_DIR, MEDIA_NAME);
    fs.writeFileSync(pngPath, makePng());
    d.file = { name: MEDIA_NAME, bytes: fs.statSync(pngPath).size };
    const firstList = waitForBackend(page, 'GET', /^\/media$/).catch(() => null);
    await clickTopMenu(page, '/media');
    const listResp = await firstList;
    d.mediaList = listResp ? `${backendPath(listResp.url())} -> ${listResp.status()}` : 'no GET /media seen';
    await settle(page, 1000);
    const images = page.locator('img[alt="media"]');
    const before = await images.count();
    d.imagesBefore = before;
    const upload = waitForBackend(page, 'POST', /^\/media\/upload-server$/, T.nav).catch(() => null);
    const relist = waitForBackend(page, 'GET', /^\/media$/, T.nav).catch(() => null);
    const uploadBtn = page.getByRole('button', { name: 'Upload', exact: true }).filter({ visible: true }).first();
    try {
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser', { timeout: T.action }),
        uploadBtn.click({ timeout: T.action }),
      ]);
      await chooser.setFiles(pngPath);
      d.via = 'file chooser of the Upload button';
    } catch (e) {
      await page.locator('input[type="file"]').first().setInputFiles(pngPath);
      d.via = `the uploader's file input (${snippet(e.message, 100)})`;
    }
    const up = await upload;
    expect(up, 'POST /media/upload-server was never sent');
    d.upload = await respSummary(up);
    const h = await up.request().allHeaders().catch(() => ({}));
    d.uploadRequest = {
      authHeader: h['auth'] ? '(present)' : null,
      authCookie: /(^|;\s*)auth=/.test(h['cookie'] || '') ? '(present)' : null,
      contentType: snippet(h['content-type'], 60),
    };
    expect(up.status() === 201, `POST /media/upload-server answered ${up.status()} (the app expects 201): ${d.upload.body}`);
    const rl = await relist;
    d.relist = rl ? `${backendPath(rl.url())} -> ${rl.status()}` : 'no GET /media after the upload';
    const deadline = Date.now() + T.action;
    let after = before;
    let named = false;
    while (Date.now() < deadline) {
      after = await images.count();
      named = await page.getByText(MEDIA_NAME).first().isVisible().catch(() => false);
      if (after > before && named) break;
      await sleep(500);
    }
    d.imagesAfter = after;
    d.nameShown = named;
    await checkCrash(page, '8 media grid');
    expect(after > before, `the library grid still shows ${after} item(s) after the upload (${d.relist})`);
    // The thumbnail is the uploaded file served back from its path: it must load.
    const tile = page.locator('div.group').filter({ has: page.getByText(MEDIA_NAME) }).locator('img[alt="media"]').first();
    const thumb = tile.or(images.first()).first();
    d.thumbnail = await thumb
      .evaluate(async (img) => {
        for (let i = 0; i < 60 && !(img.complete && img.naturalWidth); i++) await new Promise((r) => setTimeout(r, 250));
        return { src: img.currentSrc || img.src, width: img.naturalWidth, height: img.naturalHeight };
      })
      .catch((e) => ({ error: snippet(e.message, 120) }));
    expect(d.thumbnail.width > 0, `the uploaded image does not load in the grid: ${JSON.stringify(d.thumbnail)}`);
  });

  // ------------------------------------------------------------ 9. open the published post for editing
  await step('9-edit-existing-post', page, async (d) => {
    skipUnless(postCreated, 'post was not created (step 5)');
    await closeModalsTo(page, 0);
    await page.goto(FRONTEND_URL + '/launches?display=week', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await waitCalendar(page);
    await settle(page, 1000);
    let item = page.getByText(POST_TEXT).first();
    d.openedFrom = 'week view';
    if (!(await item.isVisible().catch(() => false))) {
      await page.goto(FRONTEND_URL + '/launches?display=list', { waitUntil: 'domcontentloaded', timeout: T.nav });
      await page.getByText('Published', { exact: true }).first().click({ timeout: T.nav });
      item = page.getByText(POST_TEXT).first();
      await item.waitFor({ state: 'visible', timeout: 30000 * SCALE });
      d.openedFrom = 'list view, "Published"';
    }
    const groupResp = waitForBackend(page, 'GET', /^\/posts\/group\/[^/]+$/).catch(() => null);
    await item.click();
    const gr = await groupResp;
    expect(gr, 'clicking the post sent no GET /posts/group/<group>');
    d.groupCall = await respSummary(gr);
    d.groupCall.path = backendPath(gr.url());
    expect(gr.status() === 200, `GET ${d.groupCall.path} answered ${gr.status()}: ${d.groupCall.body}`);
    try {
      await waitEditor(page);
    } catch (e) {
      const crash = await checkCrash(page, '9 editor');
      throw new Error(crash ? `the editor crashed: ${crash}` : `the editor did not open: ${snippet(e.message, 150)}`);
    }
    let text = '';
    const deadline = Date.now() + T.action;
    while (Date.now() < deadline) {
      text = await editorText(page);
      if (text.includes(POST_TEXT)) break;
      await sleep(500);
    }
    d.editorShowsText = text.includes(POST_TEXT);
    d.mainButton = snippet(await page.locator('button.btnSub').first().innerText().catch(() => ''), 60);
    d.deleteOffered = await page.getByRole('button', { name: 'Delete Post' }).isVisible().catch(() => false);
    await shot(page, 'edit-existing-post');
    expect(d.editorShowsText, `the editor does not show the post's text: "${snippet(text, 200)}"`);
    await closeEditor(page);
  });

  // ------------------------------------------------------------ 10. schedule for later ("Add to calendar"), then delete it
  await step('10-schedule-later-and-delete', page, async (d) => {
    skipUnless(channelOk, 'no Bluesky channel connected (step 4)');
    await closeModalsTo(page, 0);
    const when = new Date(Date.now() + 2 * 86400000);
    when.setUTCHours(10, 0, 0, 0);
    d.slot = when.toISOString();
    const cell = await weekCell(page, when);
    await settle(page, 800);
    await cell.locator('div[class*="pb-[2.5px]"][class*="px-[5px]"]').first().click();
    await waitEditor(page);
    await page.locator('#social-content img[alt="bluesky"]').first().click();
    const addBtn = page.getByRole('button', { name: /Add to calendar/i });
    await addBtn.waitFor({ state: 'visible', timeout: T.action });
    await page.locator('.ProseMirror').first().click();
    await page.keyboard.type(LATER_TEXT, { delay: 15 });
    await sleep(1000);
    const valid = waitForBackend(page, 'POST', /^\/posts\/valid$/).catch(() => null);
    const create = waitForBackend(page, 'POST', /^\/posts$/, T.nav).catch(() => null);
    await addBtn.click();
    d.valid = await respSummary(await valid);
    // The short-link preference question ("No, original URLs") appears only when asked.
    const noShort = page.getByRole('button', { name: /No, original URLs/ });
    const first = await Promise.race([
      create.then(() => 'created'),
      noShort.waitFor({ state: 'visible', timeout: T.nav }).then(() => 'asked').catch(() => null),
    ]);
    if (first === 'asked') {
      d.shortlinkAsked = true;
      await noShort.click();
    }
    const createResp = await create;
    d.create = await respSummary(createResp);
    expect(createResp, `POST /posts was never sent (toasts: ${(await toastsSince(page, 0)).map((t) => t.text).join(' | ')})`);
    try {
      const b = JSON.parse(createResp.request().postData() || '{}');
      d.createRequest = { type: b.type, date: b.date, group: b.posts?.[0]?.group };
    } catch {}
    expect(createResp.status() < 400, `POST /posts answered ${createResp.status()}: ${d.create.body}`);
    await editorModal(page).waitFor({ state: 'hidden', timeout: T.action });
    const inCell = cell.getByText(LATER_TEXT).first();
    await inCell.waitFor({ state: 'visible', timeout: T.nav });
    d.shownInSlot = true;
    await shot(page, 'scheduled-in-slot');
    // (the inner locator of `has` is resolved inside each candidate, so it starts from the page)
    const card = cell.locator('div.group').filter({ has: page.getByText(LATER_TEXT) }).first();
    await card.hover();
    const del = card.locator('[data-tooltip-content="Delete Post"]').first();
    await del.waitFor({ state: 'visible', timeout: T.action });
    await del.click();
    const yes = page.getByRole('button', { name: /Yes, delete it/ });
    await yes.waitFor({ state: 'visible', timeout: T.action });
    const delResp = waitForBackend(page, 'DELETE', /^\/posts\/[^/]+$/).catch(() => null);
    await yes.click();
    const dr = await delResp;
    expect(dr, 'confirming the deletion sent no DELETE /posts/<group>');
    d.delete = await respSummary(dr);
    d.delete.path = backendPath(dr.url());
    expect(dr.status() === 200, `DELETE ${d.delete.path} answered ${dr.status()}: ${d.delete.body}`);
    await inCell.waitFor({ state: 'hidden', timeout: T.nav });
    d.goneFromSlot = true;
  });

  // ------------------------------------------------------------ 11. the channel's "..." menu
  await step('11-channel-menu', page, async (d) => {
    skipUnless(channelOk, 'no Bluesky channel connected (step 4)');
    await closeModalsTo(page, 0);
    await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await waitCalendar(page);
    await settle(page, 1000);
    const blueskyItem = () => (wire.json.get('GET /integrations/list')?.integrations || []).find((i) => i.identifier === 'bluesky');
    d.channelId = blueskyItem()?.id || null;
    let { menu, items } = await openChannelMenu(page, 'bluesky');
    d.menuOffers = items;
    d.actions = {};
    const problems = [];
    const act = async (name, fn) => {
      activity = `11-channel-menu ${name}`;
      try {
        d.actions[name] = (await fn()) || 'ok';
      } catch (e) {
        d.actions[name] = `FAILED: ${snippet(e.message, 300)}`;
        problems.push(`${name}: ${snippet(e.message, 300)}`);
        await checkCrash(page, `11 ${name}`);
        await closeModalsTo(page, 0);
        if (await checkCrash(page, `11 ${name}`)) {
          await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
          await waitCalendar(page);
        }
      }
      await shot(page, `channel-menu-${name}`);
    };

    await act('preferences', async () => {
      const pref = menu.locator(':scope > div').filter({ hasText: /Preferences|Settings/ }).first();
      if (!(await pref.count())) {
        await page.keyboard.press('Escape').catch(() => {});
        return 'not offered';
      }
      const label = (await pref.innerText()).trim();
      await pref.click();
      await sleep(1500);
      const crash = await checkCrash(page, '11 preferences');
      expect(!crash, `"${label}" showed a crash screen`);
      await closeModalsTo(page, 0);
      return `opened "${label}"`;
    });

    await act('time-slots', async () => {
      ({ menu } = await openChannelMenu(page, 'bluesky'));
      await menu.getByText('Edit Time Slots', { exact: true }).click();
      const tmodal = modalRoots(page).filter({ hasText: 'Time Table Slots' }).last();
      await tmodal.waitFor({ state: 'visible', timeout: T.action });
      const countText = async () => snippet(await tmodal.getByText(/Scheduled Times/).first().innerText().catch(() => ''), 40);
      const before = await countText();
      await tmodal.locator('select[name="hour"]').selectOption('9');
      await tmodal.locator('select[name="minutes"]').selectOption('30');
      await tmodal.getByRole('button', { name: 'Add', exact: true }).click();
      await sleep(300);
      const after = await countText();
      const timeResp = waitForBackend(page, 'POST', /^\/integrations\/[^/]+\/time$/);
      await tmodal.getByRole('button', { name: 'Save Changes' }).click();
      const tr = await timeResp;
      const sum = await respSummary(tr);
      expect(tr.status() < 400, `POST ${backendPath(tr.url())} answered ${tr.status()}: ${sum.body}`);
      await tmodal.waitFor({ state: 'hidden', timeout: T.action });
      // The app reloads the channel list: the new slot (09:30 UTC = minute 570) must be in it.
      let listed = false;
      const deadline = Date.now() + T.action;
      while (Date.now() < deadline && !listed) {
        listed = (blueskyItem()?.time || []).some((t) => t && t.time === 570);
        if (!listed) await sleep(300);
      }
      expect(listed, `after POST ${backendPath(tr.url())} (${tr.status()}) GET /integrations/list has times ${JSON.stringify(blueskyItem()?.time)} without 570`);
      return `${before} -> ${after}; POST ${backendPath(tr.url())} ${snippet(tr.request().postData(), 120)} -> ${tr.status()}; listed`;
    });

    await act('move-to-group', async () => {
      ({ menu } = await openChannelMenu(page, 'bluesky'));
      await menu.getByText(/Move \/ add to group/i).click();
      const cmodal = modalRoots(page).filter({ hasText: /Move \/ Add to group/i }).last();
      await cmodal.waitFor({ state: 'visible', timeout: T.action });
      const input = cmodal.locator('input').first();
      await input.waitFor({ state: 'visible', timeout: T.action });
      await input.fill(CUSTOMER_NAME);
      await sleep(300);
      const custResp = waitForBackend(page, 'PUT', /^\/integrations\/[^/]+\/customer-name$/);
      await cmodal.getByRole('button', { name: 'Save', exact: true }).click();
      const cr = await custResp;
      const sum = await respSummary(cr);
      expect(cr.status() < 400, `PUT ${backendPath(cr.url())} answered ${cr.status()}: ${sum.body}`);
      await cmodal.waitFor({ state: 'hidden', timeout: T.action });
      const grouped = await page
        .getByText(CUSTOMER_NAME, { exact: true })
        .first()
        .waitFor({ state: 'visible', timeout: T.action })
        .then(() => true)
        .catch(() => false);
      return `PUT ${backendPath(cr.url())} -> ${cr.status()}; channel list grouped under the customer: ${grouped}`;
    });

    const waitDisabled = async (want) => {
      const deadline = Date.now() + T.action;
      while (Date.now() < deadline) {
        if (!!blueskyItem()?.disabled === want) return true;
        await sleep(300);
      }
      return false;
    };

    await act('disable', async () => {
      ({ menu } = await openChannelMenu(page, 'bluesky'));
      await menu.getByText('Disable Channel', { exact: true }).click();
      const confirm = page.getByRole('button', { name: 'Disable Channel', exact: true });
      await confirm.waitFor({ state: 'visible', timeout: T.action });
      const disResp = waitForBackend(page, 'POST', /^\/integrations\/disable$/);
      await confirm.click();
      const r = await disResp;
      const sum = await respSummary(r);
      expect(r.status() < 400, `POST /integrations/disable answered ${r.status()}: ${sum.body}`);
      const listed = await waitDisabled(true);
      expect(listed, `after POST /integrations/disable (${r.status()}) GET /integrations/list does not show the channel disabled`);
      return `POST /integrations/disable -> ${r.status()}; listed as disabled`;
    });

    await act('enable', async () => {
      await settle(page, 500);
      let offered;
      ({ menu, items: offered } = await openChannelMenu(page, 'bluesky'));
      d.menuWhenDisabled = offered;
      const en = menu.getByText('Enable Channel', { exact: true });
      if (!(await en.count())) {
        const self = wire.json.get('GET /user/self') || {};
        throw new Error(
          `"Enable Channel" is not offered for the disabled channel (menu: ${offered.join(', ')}); the app offers it when /user/self totalChannels (${JSON.stringify(self.totalChannels)}) > enabled channels`
        );
      }
      const enResp = waitForBackend(page, 'POST', /^\/integrations\/enable$/);
      await en.click();
      const r = await enResp;
      const sum = await respSummary(r);
      expect(r.status() < 400, `POST /integrations/enable answered ${r.status()}: ${sum.body}`);
      const listed = await waitDisabled(false);
      expect(listed, `after POST /integrations/enable (${r.status()}) GET /integrations/list still shows the channel disabled`);
      return `POST /integrations/enable -> ${r.status()}; listed as enabled`;
    });
    activity = '11-channel-menu';
    await closeModalsTo(page, 0);
    expect(problems.length === 0, problems.join(' ; '));
  });

  // ------------------------------------------------------------ 12. settings: Developers (public API key)
  await step('12-api-key', page, async (d) => {
    skipUnless(loggedIn || signedUp, 'not logged in');
    await closeModalsTo(page, 0);
    await openSettingsTab(page, 'Developers');
    await page.getByText('API Key', { exact: true }).first().waitFor({ state: 'visible', timeout: T.nav });
    const oldKey = wire.json.get('GET /user/self')?.publicApi;
    expect(oldKey, 'GET /user/self has no publicApi');
    d.keyTail = oldKey.slice(-5);
    const keyCode = (k) => page.locator('code').filter({ hasText: k.slice(-5) }).first();
    d.keyShown = await keyCode(oldKey).isVisible().catch(() => false);
    expect(d.keyShown, `the API key (…${d.keyTail}) is not shown`);
    const rotate = page.getByRole('button', { name: 'Rotate Key' });
    d.rotateOffered = await rotate.isVisible().catch(() => false);
    if (!d.rotateOffered) return;
    await rotate.click();
    const approve = page.getByRole('button', { name: 'Rotate', exact: true });
    await approve.waitFor({ state: 'visible', timeout: T.action });
    const rot = waitForBackend(page, 'POST', /^\/user\/api-key\/rotate$/);
    const self = waitForBackend(page, 'GET', /^\/user\/self$/).catch(() => null);
    await approve.click();
    const r = await rot;
    d.rotate = await respSummary(r);
    expect(r.status() < 400, `POST /user/api-key/rotate answered ${r.status()}: ${d.rotate.body}`);
    await self;
    await sleep(500);
    const newKey = wire.json.get('GET /user/self')?.publicApi;
    d.newKeyTail = newKey ? newKey.slice(-5) : null;
    expect(newKey && newKey !== oldKey, `after the rotation GET /user/self still has the old key (…${d.keyTail})`);
    d.newKeyShown = await keyCode(newKey).waitFor({ state: 'visible', timeout: T.action }).then(() => true).catch(() => false);
    expect(d.newKeyShown, `the new API key (…${d.newKeyTail}) is not shown`);
  });

  // ------------------------------------------------------------ 13. settings: Signatures (auto add)
  await step('13-signature-auto-add', page, async (d) => {
    skipUnless(loggedIn || signedUp, 'not logged in');
    await closeModalsTo(page, 0);
    await openSettingsTab(page, 'Signatures');
    await page.getByRole('button', { name: 'Add a signature' }).click();
    const smodal = modalRoots(page).filter({ has: page.locator('select[name="autoAdd"]') }).last();
    await smodal.waitFor({ state: 'visible', timeout: T.action });
    const box = smodal.locator('[contenteditable="true"]').first();
    await box.waitFor({ state: 'visible', timeout: T.action });
    // The signature box (CopilotTextarea, a Slate editor) can drop the first keystroke while it
    // takes focus: type, read back, and type again until it holds the text.
    for (let attempt = 0; attempt < 4; attempt++) {
      await box.click();
      await sleep(500);
      if (attempt > 0) {
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Backspace');
        await sleep(300);
      }
      await page.keyboard.type(SIGN_TEXT, { delay: 15 });
      await sleep(500);
      d.typed = (await box.innerText().catch(() => '')).trim();
      if (d.typed === SIGN_TEXT) break;
    }
    expect(d.typed === SIGN_TEXT, `the signature box holds "${d.typed}" instead of "${SIGN_TEXT}"`);
    await smodal.locator('select[name="autoAdd"]').selectOption('true');
    await sleep(500);
    const sresp = waitForBackend(page, 'POST', /^\/signatures$/);
    await smodal.getByRole('button', { name: 'Save', exact: true }).click();
    const sr = await sresp;
    d.create = await respSummary(sr);
    try {
      d.createRequest = JSON.parse(sr.request().postData() || '{}');
    } catch {}
    expect(sr.status() < 400, `POST /signatures answered ${sr.status()}: ${d.create.body}`);
    await smodal.waitFor({ state: 'hidden', timeout: T.action });
    d.listedAutoAdd = await page.getByText('Yes', { exact: true }).first().isVisible().catch(() => false);

    // "Create Post" (the button above the calendar).
    await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await waitCalendar(page);
    await settle(page, 1000);
    const def = wire.json.get('GET /signatures/default');
    d.defaultSignature = def ? { id: def.id || null, autoAdd: def.autoAdd ?? null } : null;
    await page.getByRole('button', { name: 'Create Post' }).first().click();
    await waitEditor(page);
    await sleep(1500);
    d.insertedByCreatePost = (await editorText(page)).includes(SIGN_TEXT);
    await closeEditor(page);
    // A new post from a calendar slot: where this Postiz version adds the default signature
    // (calendar.tsx passes it as the editor's first value; "Create Post" does not).
    const when = new Date(Date.now() + 86400000);
    when.setUTCHours(11, 0, 0, 0);
    const cell = await weekCell(page, when);
    await settle(page, 800);
    await cell.locator('div[class*="pb-[2.5px]"][class*="px-[5px]"]').first().click();
    await waitEditor(page);
    let text = '';
    const deadline = Date.now() + T.action;
    while (Date.now() < deadline) {
      text = await editorText(page);
      if (text.includes(SIGN_TEXT)) break;
      await sleep(500);
    }
    d.insertedBySlot = text.includes(SIGN_TEXT);
    await shot(page, 'editor-with-signature');
    await closeEditor(page);
    expect(
      d.insertedByCreatePost || d.insertedBySlot,
      `the auto-add signature is not in the editor (Create Post or a calendar slot); editor text: "${snippet(text, 200)}"; GET /signatures/default: ${snippet(JSON.stringify(def), 200)}`
    );
  });

  // ------------------------------------------------------------ 14. settings: Sets, then "Create Post" asks for a set
  await step('14-sets', page, async (d) => {
    skipUnless(channelOk, 'no Bluesky channel connected (step 4)');
    await closeModalsTo(page, 0);
    await openSettingsTab(page, 'Sets');
    await page.getByRole('button', { name: 'Add a set' }).click();
    await waitEditor(page);
    await page.locator('#social-content img[alt="bluesky"]').first().click();
    const saveSet = page.getByRole('button', { name: 'Save Set' });
    await saveSet.waitFor({ state: 'visible', timeout: T.action });
    await page.locator('.ProseMirror').first().click();
    await page.keyboard.type(SET_TEXT, { delay: 15 });
    await sleep(1000);
    await saveSet.click();
    const noShort = page.getByRole('button', { name: /No, original URLs/ });
    const nameInput = page.locator('input[name="setName"]');
    const first = await Promise.race([
      nameInput.waitFor({ state: 'visible', timeout: T.nav }).then(() => 'name'),
      noShort.waitFor({ state: 'visible', timeout: T.nav }).then(() => 'asked'),
    ]).catch(() => null);
    if (first === 'asked') {
      d.shortlinkAsked = true;
      await noShort.click();
    }
    await nameInput.waitFor({ state: 'visible', timeout: T.action });
    await nameInput.fill(SET_NAME);
    const setResp = waitForBackend(page, 'POST', /^\/sets$/);
    await modalRoots(page).filter({ has: nameInput }).last().getByRole('button', { name: 'Save', exact: true }).click();
    const r = await setResp;
    d.create = await respSummary(r);
    expect(r.status() < 400, `POST /sets answered ${r.status()}: ${d.create.body}`);
    await page.getByText(SET_NAME, { exact: true }).first().waitFor({ state: 'visible', timeout: T.action });
    d.listed = true;

    await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await waitCalendar(page);
    await settle(page, 1000);
    const chooseSet = async () => {
      await page.getByRole('button', { name: 'Create Post' }).first().click();
      const dlg = modalRoots(page).filter({ hasText: 'Continue without set' }).last();
      await dlg.waitFor({ state: 'visible', timeout: T.nav });
      return dlg;
    };
    // "Continue without set": an empty editor.
    let dlg = await chooseSet();
    d.setsOffered = (await dlg.locator('div.font-medium').allInnerTexts().catch(() => [])).map((t) => t.trim());
    await dlg.getByRole('button', { name: 'Continue without set' }).click();
    await waitEditor(page);
    await sleep(800);
    d.withoutSet = snippet(await editorText(page), 80) || '(empty)';
    await closeEditor(page);
    // Pick the set: the editor starts with its channel and text.
    dlg = await chooseSet();
    await dlg.getByText(SET_NAME, { exact: true }).click();
    await waitEditor(page);
    let text = '';
    const deadline = Date.now() + T.action;
    while (Date.now() < deadline) {
      text = await editorText(page);
      if (text.includes(SET_TEXT)) break;
      await sleep(500);
    }
    d.setApplied = text.includes(SET_TEXT);
    await shot(page, 'editor-from-set');
    await closeEditor(page);
    expect(d.setApplied, `the editor opened from the set does not show its text: "${snippet(text, 200)}"`);
  });

  // ------------------------------------------------------------ 15. connect X through its OAuth redirect
  // The X tile sends the browser to X's consent page (the fake X, on this machine), which
  // comes back to the app's /integrations/social/x with the token and verifier; the app then
  // finishes the connection with POST /integrations/social-connect/x.
  await step('15-connect-x-oauth', page, async (d) => {
    skipUnless(loggedIn || signedUp, 'not logged in');
    await openAddChannel();
    const connect = waitForBackend(page, 'POST', /^\/integrations\/social-connect\/x$/, T.nav).catch((e) => e);
    await modalRoots(page).first().locator('img[src="/icons/platforms/x.png"]').first().click();
    const resp = await connect;
    expect(!(resp instanceof Error), `no POST /integrations/social-connect/x after X's consent (${snippet(resp?.message, 150)}); at ${page.url()}`);
    d.socialConnect = await respSummary(resp);
    expect([200, 201].includes(resp.status()), `POST /integrations/social-connect/x answered ${resp.status()}: ${d.socialConnect.body}`);
    await page.waitForURL(/\/launches/, { timeout: T.nav });
    await waitCalendar(page);
    await page.locator('img[alt="x"]').first().waitFor({ state: 'visible', timeout: T.nav });
    const list = wire.json.get('GET /integrations/list');
    const item = (list?.integrations || []).find((i) => i.identifier === 'x');
    d.channel = item ? { id: item.id, name: item.name, disabled: item.disabled } : null;
    expect(item, 'the X channel is not in /integrations/list');
    await shot(page, 'x-connected');
  });

  // ------------------------------------------------------------ 16. the X channel's statistics
  // The analytics page lists the channels whose networks report statistics (X here) and
  // draws a card per metric from GET /analytics/:id?date=7, which reads the fake X's timeline.
  await step('16-analytics', page, async (d) => {
    skipUnless(loggedIn || signedUp, 'not logged in');
    const stats = waitForBackend(page, 'GET', /^\/analytics\/[^/]+$/, T.nav).catch((e) => e);
    await clickTopMenu(page, '/analytics');
    const resp = await stats;
    expect(!(resp instanceof Error), `no GET /analytics/:id from the analytics page (${snippet(resp?.message, 150)})`);
    d.analytics = await respSummary(resp);
    expect(resp.status() === 200, `GET /analytics/:id answered ${resp.status()}: ${d.analytics.body}`);
    await page.getByText('Impressions', { exact: true }).first().waitFor({ state: 'visible', timeout: T.nav });
    await page.getByText('Likes', { exact: true }).first().waitFor({ state: 'visible', timeout: T.nav });
    d.cards = await page.getByText(/^(Impressions|Likes|Retweets|Replies|Quotes|Bookmarks)$/).count();
    await shot(page, 'analytics-x');
    expect(d.cards >= 6, `the analytics page shows ${d.cards} of X's 6 metric cards`);
  });

  // ------------------------------------------------------------ 17. a plug on the X channel
  // The plugs page lists the channels whose networks have plugs (from /integrations/plug/list)
  // and the current one's plugs as cards; setting "Auto Repost Posts" posts the form to
  // /integrations/:id/plugs, after which the card reads "Edit Plug" with its switch.
  await step('17-plugs', page, async (d) => {
    skipUnless(loggedIn || signedUp, 'not logged in');
    const catalogue = waitForBackend(page, 'GET', /^\/integrations\/plug\/list$/, T.nav).catch((e) => e);
    await clickTopMenu(page, '/plugs');
    const resp = await catalogue;
    expect(!(resp instanceof Error), `no GET /integrations/plug/list from the plugs page (${snippet(resp?.message, 150)})`);
    expect(resp.status() === 200, `GET /integrations/plug/list answered ${resp.status()}`);
    const list = wire.json.get('GET /integrations/list');
    const x = (list?.integrations || []).find((i) => i.identifier === 'x');
    expect(x, 'no X channel to set a plug on');
    // Pick the X channel in the page's channel list (another network with plugs may come first).
    const loaded = waitForBackend(page, 'GET', new RegExp(`^/integrations/${x.id}/plugs$`), T.nav).catch((e) => e);
    await page.getByText(x.name, { exact: true }).last().click({ timeout: T.nav });
    await loaded;
    const card = page.getByText('Auto Repost Posts', { exact: true }).first();
    await card.waitFor({ state: 'visible', timeout: T.nav });
    await card.click();
    const likes = page.locator('input[name="likesAmount"]').first();
    await likes.waitFor({ state: 'visible', timeout: T.nav });
    await likes.fill('25');
    await shot(page, 'plug-form');
    const saved = waitForBackend(page, 'POST', new RegExp(`^/integrations/${x.id}/plugs$`), T.nav).catch((e) => e);
    await page.getByRole('button', { name: 'Activate' }).first().click();
    const save = await saved;
    expect(!(save instanceof Error), `no POST /integrations/:id/plugs from the plug form (${snippet(save?.message, 150)})`);
    d.saved = await respSummary(save);
    expect([200, 201].includes(save.status()), `POST /integrations/:id/plugs answered ${save.status()}: ${d.saved.body}`);
    // The app's modal closes without reloading the channel's plugs (its onClose is not called
    // by closeAll), so the stored plug shows once the page is opened again.
    const reread = waitForBackend(page, 'GET', new RegExp(`^/integrations/${x.id}/plugs$`), T.nav).catch((e) => e);
    await page.reload({ waitUntil: 'domcontentloaded', timeout: T.nav });
    await page.getByText(x.name, { exact: true }).last().click({ timeout: T.nav });
    const again = await reread;
    expect(!(again instanceof Error), `no GET /integrations/:id/plugs after reopening the page (${snippet(again?.message, 150)})`);
    await page.getByText('Edit Plug', { exact: true }).first().waitFor({ state: 'visible', timeout: T.nav });
    await shot(page, 'plug-set');
    const stored = wire.json.get(`GET /integrations/${x.id}/plugs`);
    d.stored = stored;
    const row = (stored || []).find((p) => p.plugFunction === 'autoRepostPost');
    expect(row && row.activated === true, `the plug is not stored on: ${snippet(JSON.stringify(stored), 200)}`);
    expect(JSON.parse(row.data).some((f) => f.name === 'likesAmount' && f.value === '25'), `likesAmount not stored: ${row.data}`);
    // The card's switch turns it off.
    const switched = waitForBackend(page, 'PUT', new RegExp(`^/integrations/plugs/${row.id}/activate$`), T.nav).catch((e) => e);
    await page.locator('div.w-\\[57px\\].rounded-\\[100px\\]').first().click();
    const sw = await switched;
    expect(!(sw instanceof Error), `no PUT /integrations/plugs/:id/activate from the card's switch (${snippet(sw?.message, 150)})`);
    d.switched = await respSummary(sw);
    expect(sw.status() === 200, `PUT /integrations/plugs/:id/activate answered ${sw.status()}: ${d.switched.body}`);
    await shot(page, 'plug-off');
  });

  await browser.close();
}

// ---------------------------------------------------------------- verdict
function finish(fatal) {
  report.finishedAt = new Date().toISOString();
  report.durationS = +((Date.now() - started) / 1000).toFixed(1);
  const reasons = [];
  if (fatal) reasons.push(`walk aborted: ${fatal}`);
  for (const s of report.steps) if (s.status !== 'passed') reasons.push(`step ${s.name} ${s.status}: ${s.error}`);
  // A step that did not pass (skipped included) fails the walk.
  const badBackend = report.backendErrors.filter((e) => !e.allowed && !e.known);
  for (const e of badBackend) reasons.push(`backend ${e.method} ${e.path} -> ${e.status}`);
  for (const c of report.crashes) reasons.push(`crash screen at ${c.url} while ${c.activity}`);
  const badConsole = report.consoleErrors.filter((c) => c.fromBackend && !c.known);
  for (const c of badConsole) reasons.push(`console error from backend origin: ${snippet(c.text, 160)}`);
  report.failureReasons = [...new Set(reasons)];
  report.ok = report.failureReasons.length === 0;
  // Aggregate the failing backend calls for quick reading.
  const agg = new Map();
  for (const e of report.backendErrors) {
    const key = `${e.method} ${e.path.split('?')[0]} ${e.status}`;
    const a = agg.get(key) || { call: key, count: 0, body: e.body, known: e.known, allowed: e.allowed, activities: [] };
    a.count += 1;
    if (!a.activities.includes(e.activity)) a.activities.push(e.activity);
    agg.set(key, a);
  }
  report.backendErrorSummary = [...agg.values()];
  fs.writeFileSync(path.join(OUT_DIR, 'report.json'), JSON.stringify(report, null, 2));

  const line = (s = '') => console.log(s);
  line();
  line(`==== Postiz browser walk (${MODE} mode) : ${report.ok ? 'PASS' : 'FAIL'} in ${report.durationS}s ====`);
  for (const s of report.steps)
    line(`  [${s.status === 'passed' ? 'ok' : s.status === 'skipped' ? '--' : 'XX'}] ${s.name}${s.error ? ` : ${s.error}` : ''}`);
  line(`  provider tiles: ${report.providerTiles.filter((t) => t.ok).length}/${report.providerTiles.length} ok`);
  for (const t of report.providerTiles.filter((t) => !t.ok)) line(`     - ${t.identifier}: ${t.outcome} ${snippet(t.detail, 160)} ${t.backendCall || ''}`);
  line(`  backend responses >= 400: ${report.backendErrors.length} (${badBackend.length} not allowed/known)`);
  for (const a of report.backendErrorSummary)
    line(`     - ${a.call} x${a.count}${a.known ? ` [known:${a.known}]` : ''}${a.allowed ? ' [allowed]' : ''} ${snippet(a.body, 120)}`);
  const bf = report.backendRequestFailures.filter((f) => !f.benign);
  if (bf.length) {
    line(`  backend requests failed at network level: ${bf.length}`);
    const seen = new Set();
    for (const f of bf) {
      const k = `${f.method} ${f.path.split('?')[0]} ${f.failure}`;
      if (seen.has(k)) continue;
      seen.add(k);
      line(`     - ${k}${f.known ? ` [known:${f.known}]` : ''}`);
    }
  }
  line(`  console errors: ${report.consoleErrors.length} (from backend origin, not known: ${badConsole.length}); page errors: ${report.pageErrors.length}`);
  line(`  crash screens: ${report.crashes.length}`);
  for (const c of report.crashes) line(`     - ${c.url} while ${c.activity} (${c.screenshot})`);
  line(`  outside hosts blocked: ${Object.keys(report.outsideRequests).join(', ') || '(none)'}`);
  line(`  report: ${path.join(OUT_DIR, 'report.json')}`);
  if (!report.ok) {
    line('  failure reasons:');
    for (const r of report.failureReasons) line(`     * ${r}`);
  }
  return report.ok ? 0 : 1;
}

const hardTimeout = setTimeout(() => {
  console.error('walk exceeded its overall time limit');
  process.exit(finish('overall time limit exceeded') === 0 ? 2 : 2);
}, 30 * 60 * 1000 * SCALE);
hardTimeout.unref();

main()
  .then(() => process.exit(finish(null)))
  .catch((e) => {
    console.error(e);
    finish(snippet(e && e.stack ? e.stack : e, 400));
    process.exit(2);
  });
