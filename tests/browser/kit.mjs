// What the focused browser walks (billing.mjs, ai.mjs) share: settings from the environment,
// the step runner and its report, the browser with outside requests refused (no internet
// here), sign-up through the app's form, and waits on backend answers.
//
// Environment: FRONTEND_URL, BACKEND_URL, OUT_DIR (screenshots + report.json), CHROMIUM_PATH,
// TIMEOUT_SCALE, HEADED=1 to watch.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const trimSlash = (s) => s.replace(/\/+$/, '');
export const FRONTEND_URL = trimSlash(process.env.FRONTEND_URL || 'http://127.0.0.1:4200');
export const BACKEND_URL = trimSlash(process.env.BACKEND_URL || 'http://127.0.0.1:3000');
export const SCALE = Number(process.env.TIMEOUT_SCALE || 1) || 1;
export const T = { action: 20000 * SCALE, nav: 90000 * SCALE, response: 45000 * SCALE };
const CRASH_RE =
  /Application error: a (client|server)-side exception has occurred|Internal Server Error|This page couldn.t load|Unhandled Runtime Error/i;

const started = Date.now();
export const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const snippet = (s, n = 300) => (s == null ? '' : String(s).replace(/\s+/g, ' ').slice(0, n));
export const isBackend = (url) => String(url).startsWith(BACKEND_URL + '/');
export const pathOf = (url) => new URL(url).pathname;
export const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

export function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

/// A walk named `name`: its report, step runner and ending.
export function walk(name) {
  const outDir = path.resolve(process.env.OUT_DIR || path.join(HERE, 'out', name));
  const report = { steps: [], backendErrors: [], crashes: [], pageErrors: [], consoleErrors: [], refused: [] };
  let shotNo = 0;

  async function shot(page, label) {
    shotNo += 1;
    const file = `${String(shotNo).padStart(2, '0')}-${label.replace(/[^a-z0-9_-]+/gi, '_')}.png`;
    await page.screenshot({ path: path.join(outDir, file), timeout: 15000 }).catch(() => {});
    return file;
  }

  async function checkCrash(page, where) {
    const text = await page.evaluate(() => document.body?.innerText || '').catch(() => '');
    if (CRASH_RE.test(text)) report.crashes.push({ where, url: page.url(), text: snippet(text) });
  }

  // Runs one step: its details and outcome in the report, a screenshot after it.
  async function step(label, page, fn) {
    const rec = { name: label, status: 'running', details: {}, error: null };
    report.steps.push(rec);
    log(`STEP ${label}`);
    const t0 = Date.now();
    try {
      await fn(rec.details);
      rec.status = 'passed';
    } catch (e) {
      rec.status = 'failed';
      rec.error = snippet(e?.message || String(e), 600);
      log(`STEP ${label} FAILED: ${rec.error}`);
    }
    rec.seconds = +((Date.now() - t0) / 1000).toFixed(1);
    await checkCrash(page, label);
    rec.screenshot = await shot(page, `${label}-${rec.status}`);
    return rec.status === 'passed';
  }

  // The browser and a page: outside requests refused at once (their hosts reported), except
  // Google Fonts' stylesheet, answered empty (a failed @import in the wallet button's CSS
  // makes the sign-up page fail to load a chunk); backend answers >= 400, page errors and
  // console errors reported; `onResponse` sees every backend answer.
  async function open({ onResponse } = {}) {
    fs.mkdirSync(outDir, { recursive: true });
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: !process.env.HEADED,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
    });
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
    context.setDefaultTimeout(T.action);
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => {
      const url = route.request().url();
      if (/^https:\/\/fonts\.googleapis\.com\//.test(url)) {
        return route.fulfill({ status: 200, contentType: 'text/css', body: '' });
      }
      report.refused.push(new URL(url).host);
      return route.abort();
    });
    context.on('response', async (resp) => {
      const url = resp.url();
      if (!isBackend(url) || resp.request().method() === 'OPTIONS') return;
      if (onResponse) onResponse(resp);
      if (resp.status() < 400) return;
      const body = await resp.text().catch(() => '');
      const e = { method: resp.request().method(), path: pathOf(url), status: resp.status(), body: snippet(body) };
      report.backendErrors.push(e);
      log(`BACKEND ${e.status} ${e.method} ${e.path} ${snippet(body, 160)}`);
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => report.pageErrors.push(snippet(e?.stack || e?.message || String(e), 600)));
    page.on('console', (m) => {
      if (m.type() === 'error') report.consoleErrors.push(snippet(`${m.text()} (${m.location()?.url || ''})`, 400));
    });
    // Leaving a page with an open editor asks "leave the page?": yes; other dialogs: no.
    page.on('dialog', (d) => (d.type() === 'beforeunload' ? d.accept() : d.dismiss()).catch(() => {}));
    return { browser, page };
  }

  // Writes the report and exits: 0 when every step passed with no backend answer >= 400 and
  // no crash screen, 1 otherwise.
  function finish() {
    const failed = report.steps.filter((s) => s.status !== 'passed');
    report.ok = failed.length === 0 && report.backendErrors.length === 0 && report.crashes.length === 0;
    report.durationS = +((Date.now() - started) / 1000).toFixed(1);
    report.refused = [...new Set(report.refused)];
    fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify(report, null, 2));
    log(`steps: ${report.steps.map((s) => `${s.name}=${s.status}`).join(', ')}`);
    const { backendErrors, crashes, pageErrors } = report;
    log(`backend errors: ${backendErrors.length}, crashes: ${crashes.length}, page errors: ${pageErrors.length}`);
    process.exit(report.ok ? 0 : 1);
  }

  // For `main().catch(fail)`: the report with the error, exit 2 (the walk could not run).
  function fail(e) {
    console.error(e);
    try {
      fs.mkdirSync(outDir, { recursive: true });
      const fatal = String(e?.stack || e);
      fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify({ ...report, fatal }, null, 2));
    } catch {}
    process.exit(2);
  }

  return { report, shot, step, open, finish, fail };
}

// The next backend answer to `method` on a path matching `re` (with `action` run meanwhile):
// its status, JSON body and JSON request body.
export async function answer(page, method, re, action, timeout = T.response) {
  const [resp] = await Promise.all([
    page.waitForResponse(
      (r) => isBackend(r.url()) && r.request().method() === method && re.test(pathOf(r.url())),
      { timeout }
    ),
    action ? action() : Promise.resolve(),
  ]);
  let request = null;
  try {
    request = resp.request().postDataJSON();
  } catch {}
  return { status: resp.status(), body: await resp.json().catch(() => null), request };
}

export async function textVisible(scope, text, timeout = T.action) {
  await scope.getByText(text).first().waitFor({ state: 'visible', timeout });
}

// A GET of the backend from the page, with the session cookie, like the app's own calls.
export async function backendGet(page, p) {
  return page.evaluate(
    async ([backend, p]) => {
      const r = await fetch(`${backend}${p}`, { credentials: 'include' });
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    [BACKEND_URL, p]
  );
}

// Signs up through the app's form with `fields` ({email, password, company}); the form may be
// reset while the page hydrates, so it is filled until it holds and submitted until sent.
// `POST /auth/register`'s answer.
export async function signUp(page, fields) {
  await page.goto(FRONTEND_URL + '/auth', { waitUntil: 'domcontentloaded', timeout: T.nav });
  await page.locator('input[name="email"]').waitFor({ timeout: T.nav });
  let reg = null;
  for (let i = 0; i < 5 && !reg; i++) {
    for (const [name, value] of Object.entries(fields)) await page.fill(`input[name="${name}"]`, value);
    await sleep(500);
    const held = await Promise.all(Object.keys(fields).map((n) => page.inputValue(`input[name="${n}"]`)));
    if (held.join() !== Object.values(fields).join()) continue;
    const submit = () => page.locator('button[type="submit"]').first().click();
    reg = await answer(page, 'POST', /^\/auth\/register$/, submit, 10000 * SCALE).catch(() => null);
  }
  expect(reg?.status === 200, `POST /auth/register: ${JSON.stringify(reg)}`);
  return reg;
}

// Opens a tab of Settings (going to /settings first when elsewhere).
export async function openSettingsTab(page, label) {
  if (!new URL(page.url()).pathname.startsWith('/settings')) {
    await page.goto(FRONTEND_URL + '/settings', { waitUntil: 'domcontentloaded', timeout: T.nav });
  }
  const tab = page.locator('div.cursor-pointer').filter({ hasText: new RegExp(`^${label}$`) }).first();
  await tab.waitFor({ state: 'visible', timeout: T.nav });
  await tab.click();
}

// A backend call from the page, with its session cookie and origin, as the app makes them.
export async function backendCall(page, method, p, body) {
  return page.evaluate(
    async ([backend, method, p, body]) => {
      const r = await fetch(`${backend}${p}`, {
        method,
        credentials: 'include',
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    [BACKEND_URL, method, p, body]
  );
}

// Signs up (billing off: straight to the calendar), passes the onboarding if it shows, and
// connects a Mastodon channel on the backend's fake network with the API calls the app's
// connect page makes. Fills `d` (a step's details); the channel's id.
export async function signUpWithMastodon(page, fields, d) {
  await signUp(page, fields);
  await page.waitForURL(/\/launches/, { timeout: T.nav });
  const onboarding = page.getByText('Connect Your Channels', { exact: true });
  d.onboarding = await onboarding
    .waitFor({ state: 'visible', timeout: 15000 * SCALE })
    .then(() => true, () => false);
  if (d.onboarding) {
    await page.getByRole('button', { name: /Continue( without channels)?/ }).first().click();
    await page.getByRole('button', { name: /Get Started/ }).click();
    await onboarding.waitFor({ state: 'hidden', timeout: T.action });
  }
  const start = await backendCall(page, 'GET', '/integrations/social/mastodon');
  const state = new URL(start.body.url).searchParams.get('state');
  const connected = await backendCall(page, 'POST', '/integrations/social-connect/mastodon', {
    state,
    code: process.env.MASTODON_CODE || 'good-code',
    timezone: 0,
  });
  d.connect = connected.status;
  expect(connected.status === 201, `connect: ${JSON.stringify(connected)}`);
  return connected.body.id;
}
