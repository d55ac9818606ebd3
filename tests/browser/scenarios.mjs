// One browser scenario per run, against the app the gateway serves:
//   node scenarios.mjs <scenario> '<json config>'
// Prints one JSON line with what the user saw; the pytest side asserts it and the stored effects.
// Headless Chromium from Debian (/usr/bin/chromium) driven by playwright-core: no browser download.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [, , scenario, rawConfig] = process.argv;
const config = JSON.parse(rawConfig ?? "{}");
const base = config.baseUrl;
const artifacts = config.artifacts;
// deadlines, not sleeps: generous because the machine is shared with other suites
const TIMEOUT = 30_000;
const MAIL_TIMEOUT = config.mailTimeoutMs ?? 60_000;
// uncaught errors of every page a scenario opens
const pageErrors = [];

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${scenario}-${name}.png`), fullPage: true });
}

async function text(locator) {
  return (await locator.innerText()).trim();
}

async function signIn(page, email, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(`${base}/`);
}

async function verificationToken(email) {
  const deadline = Date.now() + MAIL_TIMEOUT;
  while (Date.now() < deadline) {
    const response = await fetch(`${config.mailUrl}/messages?to=${encodeURIComponent(email.toLowerCase())}`);
    const messages = await response.json();
    for (const message of messages) {
      const found = /\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(String(message.text));
      if (found) return found[1];
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no verification email to ${email}`);
}

async function mailedLink(email, pattern) {
  const deadline = Date.now() + MAIL_TIMEOUT;
  while (Date.now() < deadline) {
    const response = await fetch(`${config.mailUrl}/messages?to=${encodeURIComponent(email.toLowerCase())}`);
    for (const message of await response.json()) {
      const found = pattern.exec(String(message.text));
      if (found) return found[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no email to ${email} matching ${pattern}`);
}

/** Poll `read` until `done(value)`; a visible error alert on the page ends the wait at once, naming it. */
async function settle(page, read, done, what) {
  const deadline = Date.now() + TIMEOUT;
  let value;
  for (;;) {
    value = await read();
    if (done(value)) return value;
    const errors = await page.locator("main .alert-error").allInnerTexts();
    if (errors.length > 0) throw new Error(`${what}: the page shows ${JSON.stringify(errors)}`);
    if (Date.now() > deadline) throw new Error(`${what}: last saw ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The person's choice of account at the local provider: `login_hint` added to its authorization request,
 * since the app sends none. */
async function chooseProviderAccount(page, providerUrl, email) {
  const provider = new URL(providerUrl).origin;
  await page.route(
    (url) => url.origin === provider && url.searchParams.has("client_id") && !url.searchParams.has("login_hint"),
    async (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set("login_hint", email);
      await route.fulfill({ status: 302, headers: { location: url.href } });
    },
  );
}

/** A second, fresh browser (no session) for someone else, closed afterwards; its failure is screenshotted. */
async function inSecondBrowser(browser, work) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const other = await context.newPage();
  other.setDefaultTimeout(TIMEOUT);
  other.on("pageerror", (error) => pageErrors.push(String(error)));
  try {
    return await work(other);
  } catch (error) {
    await shot(other, "failure").catch(() => {});
    throw error;
  } finally {
    await context.close();
  }
}

/** A table as assistive technology reads it: its caption, the column headers, and per row its header and
 * cells, each cell's text without what is hidden from it (aria-hidden marks, a row header's description). */
async function comparisonTable(table) {
  await table.waitFor();
  return table.evaluate((element) => {
    const read = (cell, hide) => {
      const copy = cell.cloneNode(true);
      copy.querySelectorAll(hide).forEach((node) => node.remove());
      return copy.textContent.trim();
    };
    return {
      caption: read(element.querySelector("caption"), "[aria-hidden=true]"),
      columns: [...element.querySelectorAll("thead th[scope=col]")].map((th) => read(th, "[aria-hidden=true]")),
      rows: [...element.querySelectorAll("tbody tr")].map((tr) => ({
        label: read(tr.querySelector("th[scope=row]"), "[aria-hidden=true], small"),
        cells: [...tr.querySelectorAll("td")].map((td) => read(td, "[aria-hidden=true]")),
      })),
    };
  });
}

const scenarios = {
  /** /pricing as a visitor: with self-serve on, one card per public plan, "Start free trial" → sign-up on the
   * priced ones (Pro marked recommended) and "Talk to sales" on a plan without a price, then the "Compare
   * plans" table as a screen reader reads it; with it off (`config.selfServe` false), the route is a
   * not-found page. */
  async pricing(page) {
    await page.goto(`${base}/pricing`);
    const main = page.locator("main");
    const seen = {};
    if (config.selfServe) {
      await page.getByRole("heading", { name: "Pricing", level: 1 }).waitFor();
      const cards = main.locator("ul.pricing > li");
      await cards.first().waitFor();
      seen.cards = [];
      for (const card of await cards.all()) {
        seen.cards.push({
          title: await text(card.getByRole("heading", { level: 2 })),
          recommended: (await card.getByText("Recommended", { exact: true }).count()) > 0,
          trialLinks: await card.getByRole("link", { name: "Start free trial" }).evaluateAll((links) => links.map((a) => a.getAttribute("href"))),
          salesLinks: await card.getByRole("link", { name: "Talk to sales" }).evaluateAll((links) => links.map((a) => a.getAttribute("href"))),
        });
      }
      seen.comparison = await comparisonTable(main.getByRole("table", { name: "Compare plans" }));
      await shot(page, "self-serve-on");
      await cards.first().getByRole("link", { name: "Start free trial" }).click();
      await page.waitForURL((url) => url.pathname === "/register");
      await page.getByRole("button", { name: "Create account" }).waitFor();
      seen.trialLandsOn = new URL(page.url()).pathname + new URL(page.url()).search;
    } else {
      await page.getByRole("heading", { name: "Page not found", level: 1 }).waitFor();
      seen.cardCount = await main.locator("ul.pricing > li").count();
      seen.notFound = true;
      await shot(page, "self-serve-off");
    }
    return seen;
  },

  /** the login page's "forgot password" link → the reset request → the mailed link → a new password →
   * signing in with it lands on the dashboard. */
  async reset_password(page) {
    const seen = {};
    await page.goto(`${base}/login`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL(`${base}/reset-password`);
    await page.getByLabel("Email").fill(config.email);
    await shot(page, "forgot");
    await page.getByRole("button", { name: "Send reset link" }).click();
    const notice = page.getByRole("status");
    await notice.waitFor();
    seen.requested = await text(notice);
    await shot(page, "requested");

    const link = await mailedLink(config.email, /https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_%.-]+/);
    const url = new URL(link);
    seen.linkPath = url.pathname;
    await page.goto(`${base}${url.pathname}${url.search}`);
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await page.getByLabel("New password").fill(config.newPassword);
    await shot(page, "new-password");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByText("Your password has been reset.").waitFor();
    await shot(page, "done");
    await page.locator("main").getByRole("link", { name: "Sign in" }).click();
    await page.waitForURL(`${base}/login`);

    await signIn(page, config.email, config.newPassword);
    const pill = page.getByTestId("plan-pill").first();
    await pill.waitFor();
    await shot(page, "dashboard");
    seen.landedOn = new URL(page.url()).pathname;
    seen.pill = await text(pill);
    return seen;
  },

  /** register → wizard (3 steps, one invite) → dashboard with the trial pill → reload keeps the session →
   * the verification link from the mail catcher → the banner is gone. */
  async signup(page) {
    const seen = {};
    await page.goto(`${base}/register`);
    await page.getByLabel("Your name").fill(config.name);
    await page.getByLabel("Work email").fill(config.email);
    await page.getByLabel("Password", { exact: true }).fill("short");
    seen.rulesMetWhileTyping = await page.locator(".rules li.met").count();
    await page.getByLabel("Password", { exact: true }).fill(config.password);
    seen.rulesMet = await page.locator(".rules li.met").count();
    // the public config decides the invite-code field and the provider buttons
    seen.inviteCodeField = await page
      .getByLabel("Invite code")
      .waitFor({ timeout: 5000 })
      .then(
        () => 1,
        () => 0,
      );
    seen.providerButtons = await page.getByRole("button", { name: /^Continue with / }).allInnerTexts();
    await shot(page, "register");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.waitForURL(`${base}/welcome`);
    await page.getByRole("heading", { name: "Tell us about your shop" }).waitFor();
    await shot(page, "welcome-1");
    await page.getByLabel("Company name").fill(config.company);
    await page.getByLabel("Team size").selectOption("3-5");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Which PSA do you use?" }).waitFor();
    await page.getByLabel("Primary PSA").selectOption("halopsa");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Invite your team" }).waitFor();
    await page.getByLabel("Teammate 1 email").fill(config.teammate);
    await shot(page, "welcome-3");
    await page.getByRole("button", { name: "Send invites and finish" }).click();

    await page.waitForURL(`${base}/`);
    const pill = page.getByTestId("plan-pill").first();
    await pill.waitFor();
    seen.pill = await text(pill);
    seen.pillStage = await pill.getAttribute("data-stage");
    await page.getByTestId("verify-banner").waitFor();
    seen.bannerBeforeVerification = await text(page.getByTestId("verify-banner"));
    seen.nextStep = await page.getByTestId("next-step").getAttribute("data-step");
    seen.productArea = await page.getByTestId("product-area").getAttribute("data-probe");
    await shot(page, "dashboard");

    await page.reload();
    await page.getByTestId("plan-pill").first().waitFor();
    seen.urlAfterReload = page.url();

    const token = await verificationToken(config.email);
    await page.goto(`${base}/verify-email?token=${token}`);
    await page.getByText("Your email is verified.").waitFor();
    await shot(page, "verify-email");
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL(`${base}/`); // the wizard is done: /welcome sends the user on to the dashboard
    await page.getByTestId("plan-pill").first().waitFor();
    await page.getByTestId("product-area").waitFor();
    seen.bannerAfterVerification = await page.getByTestId("verify-banner").count();
    seen.nextStepAfterVerification = await page.getByTestId("next-step").getAttribute("data-step");
    return seen;
  },

  /** a trial whose period has ended: the pill says so and the workspace shows the upgrade wall. */
  async expired(page) {
    await signIn(page, config.email, config.password);
    const pill = page.getByTestId("plan-pill").first();
    await pill.waitFor();
    const wall = page.getByTestId("upgrade-wall");
    await wall.waitFor();
    await shot(page, "dashboard");
    return {
      pill: await text(pill),
      pillStage: await pill.getAttribute("data-stage"),
      wallTitle: await text(wall.getByRole("heading")),
      wallLink: await wall.getByRole("link", { name: "Choose a plan" }).getAttribute("href"),
    };
  },

  /** an unverified user past the grace period: the wall, its resend, and signing out from it. */
  async verify_wall(page) {
    await signIn(page, config.email, config.password);
    const wall = page.getByTestId("verify-wall");
    await wall.waitFor();
    const wallTitle = await text(wall.getByRole("heading"));
    await shot(page, "wall");
    await wall.getByRole("button", { name: "Resend the email" }).click();
    const sent = wall.getByRole("status");
    await sent.waitFor();
    const resendMessage = await text(sent);
    await wall.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    return { wallTitle, resendMessage, signedOutAt: new URL(page.url()).pathname };
  },

  /** the contact-sales form and its confirmation. */
  async sales_lead(page) {
    await page.goto(`${base}/contact-sales?from=pricing`);
    await page.getByLabel("Your name").fill(config.name);
    await page.getByLabel("Work email").fill(config.email);
    await page.getByLabel("Company").fill(config.company);
    await page.getByLabel("Team size (optional)").fill("11-25");
    await page.getByLabel("How can we help? (optional)").fill("We want flows for 20 technicians.");
    await shot(page, "form");
    await page.getByRole("button", { name: "Send" }).click();
    const received = page.getByTestId("lead-received");
    await received.waitFor();
    await shot(page, "received");
    return { confirmation: await text(received) };
  },

  /** choose Pro with seats and leave for the (fake) Stripe Checkout page. */
  async checkout(page) {
    await signIn(page, config.email, config.password);
    const headings = {};
    for (const [name, path] of [
      ["team", "/account/team"],
      ["billing", "/account/billing"],
    ]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: name === "billing" ? "Billing" : "Team" }).click();
      await page.waitForURL(`${base}${path}`);
      await page.locator("main h2").first().waitFor();
      headings[name] = await text(page.locator("main h1"));
      await shot(page, name);
    }
    await page.getByRole("link", { name: "Choose a plan" }).click();
    await page.waitForURL(`${base}/account/billing/select-plan`);
    await page.locator("input[name=plan][value=pro]").check();
    await page.getByLabel("Seats").fill(String(config.seats));
    await shot(page, "select-plan");
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL((url) => !url.href.startsWith(base), { waitUntil: "commit" });
    return { headings, checkoutUrl: page.url() };
  },

  /** "Continue with Google" on /register: the local OpenID provider signs the hinted person in and sends
   * the browser back to the app's callback page (spa.test, mapped onto the gateway) → the new shop's
   * dashboard with the trial pill. The app sends no hint from /register, so the test adds `login_hint`
   * to the provider's authorization request, as the person's choice of account at Google would. */
  async google(page) {
    await chooseProviderAccount(page, config.providerUrl, config.email);
    await page.goto(`${base}/register`);
    await shot(page, "register");
    await page.getByRole("button", { name: "Continue with Google" }).click();
    await page.waitForURL(`${base}/auth/google/callback?**`, { waitUntil: "commit" });
    const landedOn = await page.waitForURL((url) => !url.pathname.startsWith("/auth/")).then(() => new URL(page.url()).pathname);
    await shot(page, "landed");
    await page.goto(`${base}/`);
    const pill = page.getByTestId("plan-pill").first();
    await pill.waitFor();
    await shot(page, "dashboard");
    return { landedOn, pill: await text(pill), pillStage: await pill.getAttribute("data-stage") };
  },

  /** the owner (signed in, on the Team page) and the invited teammate in a second, fresh browser: the
   * accept link shows the account and the locked email, a password makes the teammate a member, and the
   * owner's Team page lists them. */
  async accept_invite(page, browser) {
    await signIn(page, config.ownerEmail, config.password);
    await page.goto(`${base}/account/team`);
    await page.getByRole("cell", { name: config.inviteeEmail, exact: true }).waitFor();
    await shot(page, "owner-team-pending");

    const seen = await inSecondBrowser(browser, async (guest) => {
      await guest.goto(`${base}/accept-invite?code=${encodeURIComponent(config.code)}`);
      const heading = guest.getByRole("heading", { level: 1 });
      await heading.waitFor();
      const email = guest.getByLabel("Email");
      const found = {
        heading: await text(heading),
        email: await email.inputValue(),
        emailReadOnly: await email.evaluate((input) => input.readOnly),
      };
      await guest.getByLabel("Your name").fill(config.inviteeName);
      await guest.getByLabel("Password", { exact: true }).fill(config.password);
      await shot(guest, "accept");
      await guest.getByRole("button", { name: "Join the team" }).click();
      await guest.waitForURL(`${base}/`);
      await guest.getByTestId("plan-pill").first().waitFor();
      await shot(guest, "member-dashboard");
      return found;
    });

    await page.reload();
    await page.getByRole("cell", { name: config.inviteeName, exact: true }).waitFor();
    await shot(page, "owner-team-joined");
    seen.ownerSeesMembers = await page
      .getByRole("region", { name: "Members" })
      .locator("tbody tr td:nth-child(2)")
      .allInnerTexts();
    return seen;
  },

  /** /login with the email of a person who signed up with Google (no password): the app shows the prompt to
   * use the provider instead, and its "Sign in with Google" runs the provider's sign-in (spa.test mapped onto
   * the gateway, as in `google`) back to the signed-in app. */
  async oauth_provider(page) {
    await chooseProviderAccount(page, config.providerUrl, config.email);
    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill(config.email);
    await page.getByLabel("Password").fill(config.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const prompt = page.locator("main").getByRole("alert");
    await prompt.waitFor();
    const seen = {
      prompt: await text(prompt.locator("p").first()),
      promptButtons: await prompt.getByRole("button").allInnerTexts(),
      stillOnLogin: new URL(page.url()).pathname,
    };
    await shot(page, "prompt");
    await prompt.getByRole("button", { name: "Sign in with Google" }).click();
    await page.waitForURL(`${base}/auth/google/callback?**`, { waitUntil: "commit" });
    await page.waitForURL((url) => !url.pathname.startsWith("/auth/"));
    seen.landedOn = new URL(page.url()).pathname;
    const pill = page.getByTestId("plan-pill").first();
    await pill.waitFor();
    await shot(page, "signed-in");
    seen.pill = await text(pill);
    return seen;
  },

  /** the owner's Team page: send an invite, resend it, revoke another one (whose accept link, opened in a
   * second browser, then refuses it), and hand the account to an existing member with the password; the
   * page then shows the new owner and no owner controls. Each step waits for its notice and for the
   * reloaded lists. */
  async team(page, browser) {
    await signIn(page, config.ownerEmail, config.password);
    await page.goto(`${base}/account/team`);
    const main = page.locator("main");
    const invites = page.getByRole("region", { name: "Invites" });
    const members = page.getByRole("region", { name: "Members" });
    const pending = () => invites.locator("tbody tr td:first-child").allInnerTexts();
    const notices = () => main.locator(".alert-success[role=status]").allInnerTexts();
    const seen = {};
    await invites.getByRole("cell", { name: config.revokeEmail, exact: true }).waitFor();
    seen.pendingBefore = await pending();
    await shot(page, "owner");

    const inviteForm = page.getByRole("form", { name: "Invite a teammate" });
    await inviteForm.getByLabel("Email").fill(config.inviteEmail);
    await inviteForm.getByLabel("Role").selectOption("viewer");
    await inviteForm.getByRole("button", { name: "Send invite" }).click();
    [seen.sent] = await settle(page, notices, (found) => found.some((notice) => notice.includes("sent")), "the sent notice");
    seen.pendingAfterSend = await settle(page, pending, (emails) => emails.includes(config.inviteEmail), "the new invite listed");
    seen.sentRole = await text(invites.getByRole("row").filter({ hasText: config.inviteEmail }).getByRole("cell").nth(1));
    await shot(page, "sent");

    await invites.getByRole("button", { name: `Resend to ${config.inviteEmail}`, exact: true }).click();
    [seen.resent] = await settle(page, notices, (found) => found.some((notice) => notice.includes("resent")), "the resent notice");
    seen.pendingAfterResend = await settle(page, pending, (emails) => emails.includes(config.inviteEmail), "the resent invite listed");
    await shot(page, "resent");

    await invites.getByRole("button", { name: `Revoke invite to ${config.revokeEmail}`, exact: true }).click();
    [seen.revoked] = await settle(page, notices, (found) => found.some((notice) => notice.includes("revoked")), "the revoked notice");
    // the stale list shows both, the reloading page neither: the reloaded list keeps only the other invite
    seen.pendingAfterRevoke = await settle(
      page,
      pending,
      (emails) => emails.includes(config.inviteEmail) && !emails.includes(config.revokeEmail),
      "the revoked invite gone from the list",
    );
    await shot(page, "revoked");

    seen.revokedAcceptPage = await inSecondBrowser(browser, async (guest) => {
      await guest.goto(`${base}/accept-invite?code=${encodeURIComponent(config.revokeCode)}`);
      const refused = guest.getByRole("alert");
      await refused.waitFor();
      await shot(guest, "revoked-accept");
      return {
        heading: await text(guest.getByRole("heading", { level: 1 })),
        alert: await text(refused),
        joinButtons: await guest.getByRole("button", { name: "Join the team" }).count(),
      };
    });

    const transfer = page.getByRole("form", { name: "Transfer ownership" });
    await transfer.getByLabel("New owner").selectOption({ label: `${config.memberName} (${config.memberEmail})` });
    await transfer.getByLabel("Your password").fill(config.password);
    await shot(page, "transfer");
    await transfer.getByRole("button", { name: "Transfer ownership" }).click();
    [seen.transferred] = await settle(page, notices, (found) => found.some((notice) => notice.includes("Ownership")), "the transfer notice");
    const rows = () =>
      members.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.innerText.trim())));
    seen.membersAfterTransfer = await settle(
      page,
      rows,
      (found) => found.some(([, email, role]) => email === config.memberEmail && role === "owner"),
      "the new owner listed",
    );
    await settle(page, () => page.getByRole("form", { name: "Transfer ownership" }).count(), (count) => count === 0, "the owner controls gone");
    seen.ownerControlsAfterTransfer = {
      inviteForm: await page.getByRole("form", { name: "Invite a teammate" }).count(),
      invites: await invites.count(),
      transfer: await page.getByRole("form", { name: "Transfer ownership" }).count(),
    };
    seen.noticesAfterTransfer = await notices();
    await shot(page, "transferred");
    return seen;
  },

  /** after Stripe's webhook made the subscription active: the dashboard's pill, reloaded until it says so. */
  async paid_pill(page) {
    await signIn(page, config.email, config.password);
    const pill = page.getByTestId("plan-pill").first();
    const deadline = Date.now() + TIMEOUT;
    let seen = "";
    for (;;) {
      await pill.waitFor();
      seen = await text(pill);
      if (seen === config.expect || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
      await page.reload();
    }
    await shot(page, "dashboard");
    return { pill: seen, pillStage: await pill.getAttribute("data-stage") };
  },
};

async function main() {
  if (!scenarios[scenario]) throw new Error(`unknown scenario ${scenario}`);
  mkdirSync(artifacts, { recursive: true });
  // hostRules: e.g. "MAP spa.test 127.0.0.1:<port>", so the OAuth redirect base reaches the gateway
  const args = config.hostRules ? [...FLAGS, `--host-resolver-rules=${config.hostRules}`] : FLAGS;
  const browser = await chromium.launch({ executablePath: config.chromium ?? "/usr/bin/chromium", args });
  const consoleErrors = pageErrors;
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on("pageerror", (error) => consoleErrors.push(String(error)));
    try {
      const result = await scenarios[scenario](page, browser);
      process.stdout.write(`${JSON.stringify({ ok: true, result, pageErrors: consoleErrors })}\n`);
    } catch (error) {
      await shot(page, "failure").catch(() => {});
      process.stdout.write(`${JSON.stringify({ ok: false, error: String(error), url: page.url(), pageErrors: consoleErrors })}\n`);
    }
  } finally {
    await browser.close();
  }
}

await main();
