// Browser walk of the unmodified Postiz web app's billing pages with Stripe on.
//
// tests/tests/suite/browser_walk.rs starts the backend (with a Stripe key pointing at
// localstripe and our Stripe fake), the web app (with STRIPE_PUBLISHABLE_KEY, so billing is
// on) and then this script. Settings from the environment:
//   FRONTEND_URL   default http://127.0.0.1:4200
//   BACKEND_URL    default http://127.0.0.1:3000
//   STRIPE_BASE    the Stripe fake (its hosted Checkout and portal pages)
//   OUT_DIR        screenshots + report.json (default ./out/billing)
//   CHROMIUM_PATH  default /usr/bin/chromium
//   TIMEOUT_SCALE  multiply every timeout (default 1)
//
// Stripe.js (js.stripe.com) cannot load here (no internet), so the embedded checkout form
// never mounts: the walk checks that the app opens its checkout session, then pays on the
// fake's hosted Checkout page, which sends the browser back to the app as Stripe does.
//
// Exit code: 0 when every step passed with no backend answer >= 400 and no crash screen;
// 1 otherwise; 2 when the walk could not run.

import { answer, BACKEND_URL, expect, FRONTEND_URL, isBackend, pathOf, signUp, sleep, stamp, T, textVisible, walk } from './kit.mjs';

const STRIPE_BASE = (process.env.STRIPE_BASE || '').replace(/\/+$/, '');
const EMAIL = `billing-${stamp}@example.com`;
const PASSWORD = `Billing-${stamp}-pw`;
const COMPANY = `Billing Co ${stamp}`;

const { report, step, open, finish, fail } = walk('billing');
const stripeRefused = () => report.refused.filter((h) => /stripe\.(com|network)$/.test(h)).length;

async function userSelf(page) {
  return page.evaluate(async (backend) => {
    const r = await fetch(`${backend}/user/self`, { credentials: 'include' });
    return r.json();
  }, BACKEND_URL);
}

async function waitTier(page, tier) {
  const deadline = Date.now() + T.response;
  for (;;) {
    const me = await userSelf(page);
    if (me.tier === tier) return me;
    expect(Date.now() < deadline, `the plan stayed ${me.tier} instead of ${tier}`);
    await sleep(500);
  }
}

async function main() {
  expect(STRIPE_BASE, 'STRIPE_BASE (the Stripe fake) is required');
  const { browser, page } = await open();

  // 1. Sign up: a new organization is FREE, so the app shows its plan chooser with the
  // embedded checkout (Stripe on, general mode).
  const signedUp = await step('1-signup-plan-chooser', page, async (d) => {
    const embedded = page.waitForResponse(
      (r) => isBackend(r.url()) && r.request().method() === 'POST' && pathOf(r.url()) === '/billing/embedded',
      { timeout: T.nav }
    );
    await signUp(page, { email: EMAIL, password: PASSWORD, company: COMPANY });
    const first = await embedded;
    const session = await first.json();
    d.embedded = { status: first.status(), request: first.request().postDataJSON(), secret: !!session.client_secret };
    expect(first.status() === 201, `POST /billing/embedded answered ${first.status()}`);
    expect(/^cs_test_.+_secret_/.test(session.client_secret || ''), `no client secret: ${JSON.stringify(session)}`);
    expect(d.embedded.request.billing === 'STANDARD' && d.embedded.request.period === 'MONTHLY', 'the default plan');
    await textVisible(page, 'Choose a Plan', T.nav);
    await textVisible(page, '100% No-Risk Free Trial');
    const me = await userSelf(page);
    d.tier = me.tier;
    d.allowTrial = me.allowTrial;
    expect(me.tier === 'FREE' && me.allowTrial === true, `a new organization is FREE with a trial: ${JSON.stringify(me)}`);
  });

  // 2. Choosing a plan and a period opens a new checkout session for it.
  await step('2-choose-plan-and-period', page, async (d) => {
    expect(signedUp, 'sign-up failed');
    const pro = await answer(page, 'POST', /^\/billing\/embedded$/, () =>
      page.getByText('Pro', { exact: true }).first().click()
    );
    d.pro = { status: pro.status, request: pro.request };
    expect(pro.status === 201 && pro.request?.billing === 'PRO', `PRO: ${JSON.stringify(d.pro)}`);
    const yearly = await answer(page, 'POST', /^\/billing\/embedded$/, () =>
      page.getByText('Yearly', { exact: true }).first().click()
    );
    d.yearly = { status: yearly.status, request: yearly.request };
    expect(yearly.status === 201 && yearly.request?.period === 'YEARLY', `YEARLY: ${JSON.stringify(d.yearly)}`);
    d.stripeJsRefused = stripeRefused();
  });

  // 3. Pay on Stripe's hosted Checkout (the fake's page); Stripe sends the browser back to
  // the app, which polls /billing/check until the webhook has recorded the subscription.
  const paid = await step('3-checkout-and-back', page, async (d) => {
    expect(signedUp, 'sign-up failed');
    const opened = await page.evaluate(async (backend) => {
      const r = await fetch(`${backend}/billing/subscribe`, {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ period: 'MONTHLY', billing: 'PRO' }),
      });
      return { status: r.status, body: await r.json() };
    }, BACKEND_URL);
    d.subscribe = opened.status;
    expect(opened.status === 201 && String(opened.body.url).startsWith(`${STRIPE_BASE}/checkout/`), JSON.stringify(opened));
    const check = page.waitForResponse(
      async (r) => {
        if (!isBackend(r.url()) || !pathOf(r.url()).startsWith('/billing/check/')) return false;
        return (await r.json().catch(() => ({}))).status === 2;
      },
      { timeout: T.nav }
    );
    await page.goto(opened.body.url, { waitUntil: 'domcontentloaded', timeout: T.nav });
    d.backAt = page.url();
    expect(d.backAt.startsWith(`${FRONTEND_URL}/launches?onboarding=true&trialStart=true&check=`), d.backAt);
    await check;
    const me = await waitTier(page, 'PRO');
    d.totalChannels = me.totalChannels;
    expect(me.totalChannels === 30, `PRO allows 30 channels: ${me.totalChannels}`);
  });

  // 4. The billing page: every plan with its price, the current one marked, and what a
  // change would cost today.
  const billingShown = await step('4-billing-page', page, async (d) => {
    expect(paid, 'no subscription');
    const prorates = [];
    const onProrate = async (r) => {
      if (isBackend(r.url()) && pathOf(r.url()) === '/billing/prorate') {
        prorates.push({ status: r.status(), request: r.request().postDataJSON(), body: await r.json().catch(() => null) });
      }
    };
    page.on('response', onProrate);
    const sub = await answer(page, 'GET', /^\/user\/subscription$/, () =>
      page.goto(FRONTEND_URL + '/billing', { waitUntil: 'domcontentloaded', timeout: T.nav })
    );
    d.subscription = sub.body?.subscription?.subscriptionTier;
    expect(d.subscription === 'PRO', `GET /user/subscription: ${JSON.stringify(sub.body)}`);
    await textVisible(page, 'Current Plan', T.nav);
    for (const price of ['$29', '$39', '$49', '$99']) await textVisible(page, price);
    await page.getByText(/Pay Today \$/).first().waitFor({ state: 'visible', timeout: T.response });
    await sleep(1500);
    page.off('response', onProrate);
    d.prorates = prorates.map((p) => `${p.request?.billing}:${p.status}:${p.body?.price}`);
    expect(prorates.length >= 3 && prorates.every((p) => p.status === 201), `prorate calls: ${d.prorates}`);
    const up = prorates.find((p) => p.request?.billing === 'ULTIMATE');
    expect(up && up.body.price > 0, `moving up costs something today: ${d.prorates}`);
    const down = prorates.find((p) => p.request?.billing === 'STANDARD');
    expect(down && down.body.price === 0, `moving down costs nothing today: ${d.prorates}`);
  });

  // 5. Change the plan in place: the same subscription moves to ULTIMATE.
  await step('5-change-plan', page, async (d) => {
    expect(billingShown, 'billing page not shown');
    const card = page.locator('div.bg-sixth').filter({ hasText: 'ULTIMATE' }).first();
    const changed = await answer(page, 'POST', /^\/billing\/subscribe$/, () =>
      card.getByRole('button').first().click()
    );
    d.change = { status: changed.status, body: changed.body };
    expect(changed.status === 201 && String(changed.body?.id).startsWith('sub_'), JSON.stringify(d.change));
    await textVisible(page, 'Subscription updated successfully');
    const me = await waitTier(page, 'ULTIMATE');
    d.totalChannels = me.totalChannels;
  });

  // 6. The portal ("Update Payment Method / Invoices History") opens Stripe's portal.
  await step('6-portal', page, async (d) => {
    expect(billingShown, 'billing page not shown');
    const portal = await answer(page, 'GET', /^\/billing\/portal$/, () =>
      page.getByRole('button', { name: /Update Payment Method/ }).click()
    );
    d.portal = portal.status;
    expect(portal.status === 200, `GET /billing/portal answered ${portal.status}`);
    await page.waitForURL((u) => String(u).startsWith(`${STRIPE_BASE}/portal/cus_`), { timeout: T.nav });
    d.at = page.url();
    await textVisible(page, 'Billing portal of cus_');
  });

  // 7. Cancel (with the feedback the app asks for), then reactivate.
  await step('7-cancel-and-reactivate', page, async (d) => {
    expect(billingShown, 'billing page not shown');
    await page.goto(FRONTEND_URL + '/billing', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await textVisible(page, 'Current Plan', T.nav);
    await page.getByRole('button', { name: 'Cancel subscription' }).last().click();
    await page.getByRole('button', { name: 'Yes, cancel' }).click();
    const feedback = page.locator('textarea[name="feedback"]');
    await feedback.waitFor({ state: 'visible' });
    await feedback.fill('The walk cancels to check the flow, nothing wrong here.');
    const cancel = await answer(page, 'POST', /^\/billing\/cancel$/, () =>
      page.getByRole('button', { name: 'Cancel Subscription', exact: true }).click()
    );
    d.cancel = { status: cancel.status, body: cancel.body };
    expect(cancel.status === 201 && cancel.body?.cancel_at, JSON.stringify(d.cancel));
    await textVisible(page, 'Subscription set to canceled successfully');
    await textVisible(page, 'Your subscription will be canceled at');
    const undo = await answer(page, 'POST', /^\/billing\/cancel$/, () =>
      page.getByRole('button', { name: 'Reactivate subscription' }).click()
    );
    d.reactivate = { status: undo.status, body: undo.body };
    expect(undo.status === 201 && undo.body?.cancel_at == null, JSON.stringify(d.reactivate));
    await textVisible(page, 'Subscription reactivated successfully');
  });

  await browser.close();
  finish();
}

main().catch(fail);
