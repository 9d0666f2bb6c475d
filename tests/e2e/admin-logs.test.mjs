// The Admin Logs page in a real browser: Playwright drives Debian's Chromium
// against the real server (started by `cargo xtask test` on a fresh database).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

// axe-core, the accessibility engine, evaluated in the page (the page's CSP
// does not apply to code the test runs through the browser's protocol).
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

const BASE = process.env.ADMINLOG_E2E_URL;
const PASSWORD = process.env.ADMINLOG_E2E_PASSWORD;
const SUPER = process.env.ADMINLOG_E2E_SUPER;
const PLAIN_ADMIN = process.env.ADMINLOG_E2E_ADMIN;
const STARTER = process.env.ADMINLOG_E2E_STARTER;
const ARTIFACTS = process.env.ADMINLOG_E2E_ARTIFACTS;
if (!BASE || !PASSWORD || !ARTIFACTS) throw new Error("run through `cargo xtask test` (it sets ADMINLOG_E2E_*)");

const SEED_SAMPLE =
  "2016-06-09T13:59:24Z,ISSUE_TOKEN,,,john.doe,Office VPN\n" +
  "2016-06-09T13:59:19Z,ADD_USER_TO_DOMAIN,,,john.doe,Office VPN\n" +
  "2016-06-09T13:59:00Z,CREATE_DOMAIN,,,,Office VPN\n";

const JUNE_2016 = [
  { timestamp: "2016-06-09T13:59:00Z", action: "CREATE_DOMAIN", domain_name: "Office VPN" },
  { timestamp: "2016-06-09T13:59:19Z", action: "ADD_USER_TO_DOMAIN", user_name: "john.doe", domain_name: "Office VPN" },
  { timestamp: "2016-06-09T13:59:24Z", action: "ISSUE_TOKEN", user_name: "john.doe", domain_name: "Office VPN" },
  { timestamp: "2016-06-10T08:00:00Z", action: "LOG_IN", admin_email: "alice@e2e.example" },
  { timestamp: "2016-06-10T08:05:00Z", action: "CREATE_USER", admin_email: "alice@e2e.example", user_email: "jane.roe@example.com", user_name: "Jane Roe" },
  { timestamp: "2016-06-11T23:59:59Z", action: "EDIT_USER", admin_email: "bob@e2e.example", user_email: "jane.roe@example.com", user_name: "Jane Roe", domain_name: "GitLab" },
  { timestamp: "2016-06-12T00:00:00Z", action: "DELETE_USER", user_email: "zed@example.com", user_name: "Zed" },
];
// Sixty events in 2015 for paging, one a minute, numbered in time order.
const PAGING_2015 = Array.from({ length: 60 }, (_, i) => ({
  timestamp: new Date(Date.UTC(2015, 2, 1, 10, i)).toISOString().replace(".000Z", "Z"),
  action: "ISSUE_TOKEN",
  user_name: `pager-${String(i).padStart(2, "0")}`,
  domain_name: "Paging",
}));

let browser;

async function api(method, route, token, body) {
  const response = await fetch(BASE + route, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const { token } = await api("POST", "/api/v1/auth/login", null, { email: SUPER, password: PASSWORD });
  const { key } = await api("POST", "/api/v1/api-keys", token, { name: "e2e loader", scopes: ["logs:write"] });
  await api("POST", "/api/v1/admin-logs", key, { events: [...JUNE_2016, ...PAGING_2015] });
  browser = await chromium.launch({
    executablePath: process.env.ADMINLOG_E2E_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
});

/** A fresh browser context per test; a screenshot on failure. */
async function inBrowser(t, work, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, timezoneId: "Europe/Paris", viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  try {
    await work(page);
  } catch (error) {
    const file = path.join(ARTIFACTS, `${t.name.replace(/[^a-z0-9]+/gi, "-")}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    console.error(`screenshot of the failure: ${file}`);
    throw error;
  } finally {
    await context.close();
  }
}

async function signIn(page, email, start = "/admin-logs") {
  await page.goto(BASE + start);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/** Runs `act`, then waits for the page of events it asked for to be shown. */
async function andWait(page, act) {
  const answered = page.waitForResponse((r) => r.url().includes("/api/v1/admin-logs?") && r.request().method() === "GET");
  await act();
  await answered;
  await page.locator('.results[aria-busy="false"]').waitFor();
}

/**
 * Runs axe-core (WCAG 2.2 A and AA, and best practice) on the page as it is
 * and fails on any violation, naming the rule and the elements; keeps a
 * screenshot of the state either way.
 */
async function assertAccessible(page, state) {
  await page.screenshot({ path: path.join(ARTIFACTS, `state-${state}.png`), fullPage: true });
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | ")}`);
  }, AXE_TAGS);
  assert.deepEqual(violations, [], `accessibility violations in the ${state} state:\n${violations.join("\n")}`);
}

/** How far the page scrolls sideways (0: it fits). */
async function sidewaysOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function rows(page) {
  return page.locator("tbody tr.event").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())));
}

async function actionsShown(page) {
  return (await rows(page)).map((cells) => cells[1]);
}

async function setFilters(page, { from = "", to = "", keyword = "" }) {
  await page.getByLabel("From (UTC day)").fill(from);
  await page.getByLabel("To (UTC day)").fill(to);
  await page.getByLabel("Keyword").fill(keyword);
}

test("signing in: a wrong password says so, then the Admin Logs show newest first", async (t) => {
  await inBrowser(t, async (page) => {
    await page.goto(BASE + "/");
    await page.getByLabel("Email").fill(SUPER);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Wrong email or password.").waitFor();
    await andWait(page, async () => {
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
    });
    await page.getByRole("heading", { name: "Admin Logs" }).waitFor();
    assert.equal(await page.getByLabel("Keyword").getAttribute("placeholder"), "administrator email, user email, user name or domain name");
    const first = await rows(page);
    assert.ok(first.length > 0);
    assert.equal(first[0][1], "LOG_IN", "the newest event is this sign-in");
  });
});

test("each filter alone, then combined, shows exactly the matching rows", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER);
    const view = () => page.getByRole("button", { name: "View", exact: true }).click();

    await andWait(page, async () => { await setFilters(page, { from: "2016-06-10", to: "2016-06-11" }); await view(); });
    assert.deepEqual(await actionsShown(page), ["EDIT_USER", "CREATE_USER", "LOG_IN"]);

    await andWait(page, async () => { await setFilters(page, { from: "2016-06-09", to: "2016-06-09" }); await view(); });
    assert.deepEqual(await actionsShown(page), ["ISSUE_TOKEN", "ADD_USER_TO_DOMAIN", "CREATE_DOMAIN"]);

    // Keyword alone, run with Enter; it matches user emails and names case-insensitively.
    await andWait(page, async () => { await setFilters(page, { keyword: "JANE" }); await page.getByLabel("Keyword").press("Enter"); });
    assert.deepEqual(await actionsShown(page), ["EDIT_USER", "CREATE_USER"]);

    // Actions alone, through the multi-select: type to filter, pick, count.
    await setFilters(page, {});
    await page.getByRole("button", { name: /Actions/ }).click();
    await page.getByLabel("Filter action types").fill("domain");
    assert.ok(!(await page.locator("#action-ISSUE_TOKEN").isVisible()), "filtering hides other actions");
    await page.locator("#action-CREATE_DOMAIN").check();
    await page.getByLabel("Filter action types").fill("token issued");
    await page.locator("#action-ISSUE_TOKEN").check();
    await page.getByText("2 selected").waitFor();
    await page.getByRole("button", { name: "Done" }).click();
    await andWait(page, view);
    const picked = await actionsShown(page);
    assert.equal(picked.length, 50, "a full page of the two actions");
    assert.ok(picked.every((a) => a === "ISSUE_TOKEN" || a === "CREATE_DOMAIN"), picked.join());

    // Combined: the two actions, in June 2016, matching "vpn".
    await andWait(page, async () => { await setFilters(page, { from: "2016-06-01", to: "2016-06-30", keyword: "vpn" }); await view(); });
    assert.deepEqual(await actionsShown(page), ["ISSUE_TOKEN", "CREATE_DOMAIN"]);
    assert.match(page.url(), /actions=CREATE_DOMAIN%2CISSUE_TOKEN|actions=CREATE_DOMAIN,ISSUE_TOKEN/);

    // Clear empties the selection; nothing matches gives a clear message.
    await page.getByRole("button", { name: /Actions/ }).click();
    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByText("0 selected").waitFor();
    await page.getByRole("button", { name: "Done" }).click();
    await andWait(page, async () => { await setFilters(page, { keyword: "nobody-has-this" }); await view(); });
    await page.getByText("No events match these filters.").waitFor();
  });
});

test("times show in the viewer's zone with UTC on hover", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?from=2016-06-12&to=2016-06-12");
    await page.locator("tbody tr").first().waitFor();
    const time = page.locator("tbody tr td time").first();
    assert.equal((await time.textContent()).trim(), "2016-06-12 02:00:00");
    assert.equal(await time.getAttribute("title"), "2016-06-12 00:00:00 UTC");
    assert.equal((await page.locator("thead th").first().textContent()).trim(), "Date and time (Europe/Paris)");
  });
});

test("paging: next and previous through cursors, page size selectable", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?to=2015-12-31&limit=25");
    await page.locator("tbody tr").first().waitFor();
    const names = async () => (await rows(page)).map((cells) => cells[4]);
    const first = await names();
    assert.equal(first.length, 25);
    assert.equal(first[0], "pager-59");
    await andWait(page, () => page.getByRole("button", { name: "Next" }).click());
    const second = await names();
    assert.equal(second[0], "pager-34");
    await andWait(page, () => page.getByRole("button", { name: "Next" }).click());
    const third = await names();
    assert.deepEqual(third, Array.from({ length: 10 }, (_, i) => `pager-${String(9 - i).padStart(2, "0")}`));
    assert.ok(await page.getByRole("button", { name: "Next" }).isDisabled());
    await andWait(page, () => page.getByRole("button", { name: "Previous" }).click());
    assert.deepEqual(await names(), second);
    await andWait(page, () => page.getByLabel("Rows per page").selectOption("100"));
    assert.equal((await names()).length, 60);
    assert.match(page.url(), /limit=100/);
  });
});

test("export downloads exactly the current view as the seed's CSV", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?from=2016-06-09&to=2016-06-09");
    await page.locator("tbody tr").first().waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export" }).click()]);
    assert.equal(download.suggestedFilename(), "admin-logs_2016-06-09_to_2016-06-09.csv");
    assert.equal(fs.readFileSync(await download.path(), "utf8"), SEED_SAMPLE);
    await page.getByText("Saved admin-logs_2016-06-09_to_2016-06-09.csv.").waitFor();
  });
});

test("the view lives in the URL: reload keeps it, Back returns to the previous one", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?to=2016-12-31&keyword=john");
    await page.locator("tbody tr").first().waitFor();
    assert.deepEqual(await actionsShown(page), ["ISSUE_TOKEN", "ADD_USER_TO_DOMAIN"]);
    await andWait(page, async () => { await setFilters(page, { to: "2016-12-31", keyword: "zed" }); await page.getByRole("button", { name: "View", exact: true }).click(); });
    assert.deepEqual(await actionsShown(page), ["DELETE_USER"]);
    await andWait(page, () => page.reload());
    assert.equal(await page.getByLabel("Keyword").inputValue(), "zed");
    assert.equal(await page.getByLabel("To (UTC day)").inputValue(), "2016-12-31");
    assert.deepEqual(await actionsShown(page), ["DELETE_USER"]);
    await andWait(page, () => page.goBack());
    assert.equal(await page.getByLabel("Keyword").inputValue(), "john");
    assert.deepEqual(await actionsShown(page), ["ISSUE_TOKEN", "ADD_USER_TO_DOMAIN"]);
    // The screenshot for the record: the Admin Logs page with results.
    await andWait(page, () => page.goto(BASE + "/admin-logs?from=2016-06-01&to=2016-06-30"));
    await page.screenshot({ path: path.join(ARTIFACTS, "admin-logs-results.png"), fullPage: true });
  });
});

test("an administrator who is not super sees the seed's message and no data", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, PLAIN_ADMIN);
    await page.getByText("Only Super Administrators can view admin logs.").waitFor();
    assert.equal(await page.locator("table").count(), 0);
    assert.equal(await page.getByLabel("Keyword").count(), 0);
  });
});

test("a starter organization is told which subscription it needs", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, STARTER);
    await page.getByRole("heading", { name: "Professional, Business or Enterprise subscription required" }).waitFor();
    assert.equal(await page.locator("table").count(), 0);
  });
});

test("an ended session goes back to sign-in, then to the same view", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?to=2016-12-31&keyword=john");
    await page.locator("tbody tr").first().waitFor();
    const token = await page.evaluate(() => localStorage.getItem("adminlog.token"));
    await api("POST", "/api/v1/auth/logout", token);
    await page.reload();
    await page.getByText("Your session ended. Sign in again to continue.").waitFor();
    await andWait(page, async () => {
      await page.getByLabel("Email").fill(SUPER);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
    });
    // A late answer of the ended session may settle the wait above first.
    await page.waitForURL((url) => url.pathname === "/admin-logs");
    await page.locator("tbody tr.event").first().waitFor();
    assert.equal(new URL(page.url()).search, "?to=2016-12-31&keyword=john");
    assert.deepEqual(await actionsShown(page), ["ISSUE_TOKEN", "ADD_USER_TO_DOMAIN"]);
  });
});

test("signing out returns to the sign-in page and forgets the token", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the Admin Panel" }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem("adminlog.token")), null);
    await page.goto(BASE + "/admin-logs");
    await page.waitForURL((url) => url.pathname === "/login");
  });
});

test("administrators and API keys are managed from their tabs", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/administrators");
    await page.getByRole("heading", { name: "Administrators" }).waitFor();
    await page.getByLabel("Email").fill("carol@e2e.example");
    await page.getByLabel("Name", { exact: true }).fill("Carol");
    await page.getByLabel("Initial password (12 characters or more)").fill(PASSWORD);
    await page.getByRole("button", { name: "Add administrator" }).click();
    await page.getByText("Added carol@e2e.example.").waitFor();
    await page.getByRole("cell", { name: "carol@e2e.example", exact: true }).waitFor();
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Name").fill("SIEM export");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.locator(".secret .key").textContent()).trim();
    assert.match(key, /^alk_/);
    const me = await api("GET", "/api/v1/me", key);
    assert.equal(me.api_key.name, "SIEM export");
    await page.getByRole("button", { name: "Copy key" }).click();
    await page.getByText("Copied.").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key, "Copy key puts the secret on the clipboard");

    // Revoking asks in the page (never the browser's confirm()), then the key stops working.
    const native = [];
    page.on("dialog", (dialog) => { native.push(dialog.type()); dialog.dismiss().catch(() => {}); });
    const keyRow = page.locator("tbody tr", { has: page.getByRole("cell", { name: "SIEM export", exact: true }) });
    await keyRow.getByRole("button", { name: "Revoke" }).click();
    const revoking = page.getByRole("alertdialog", { name: "Revoke API key?" });
    await revoking.waitFor();
    await revoking.getByRole("button", { name: "Cancel" }).click();
    await revoking.waitFor({ state: "detached" });
    assert.equal((await api("GET", "/api/v1/me", key)).api_key.name, "SIEM export", "cancelled: the key still works");
    await keyRow.getByRole("button", { name: "Revoke" }).click();
    await revoking.getByRole("button", { name: "Revoke" }).click();
    await page.getByText('Revoked "SIEM export".').waitFor();
    assert.equal(await page.locator(".secret").count(), 0, "a revoked key's secret is no longer shown");
    await assert.rejects(api("GET", "/api/v1/me", key), /401/);
    assert.deepEqual(native, [], "no native dialog");
  }, { permissions: ["clipboard-read", "clipboard-write"] });
});

test("views are kept by name, follow the administrator to another browser, and a link is copied", async (t) => {
  const menu = (page) => page.getByLabel("Saved views");
  const chosen = async (page) => (await menu(page).locator("option:checked").textContent()).trim();
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?from=2016-06-01&to=2016-06-30&actions=ISSUE_TOKEN");
    await page.locator("tbody tr").first().waitFor();
    await page.getByRole("button", { name: "Save view…" }).click();
    await page.getByLabel("Name of this view").fill("June tokens");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Saved “June tokens”." }).waitFor();
    assert.equal(await chosen(page), "June tokens", "the view on screen is the one saved");
    // The same name again is refused in a sentence; nothing is kept twice.
    await page.getByRole("button", { name: "Save view…" }).click();
    await page.getByLabel("Name of this view").fill("june TOKENS");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "already have a view named" }).waitFor();
    assert.equal(await menu(page).locator("option").count(), 2);
    await page.getByRole("button", { name: "Cancel" }).click();
    // Elsewhere in the log, choosing it shows it again, from its first page.
    await andWait(page, () => page.getByLabel("Time range").selectOption("any"));
    assert.equal(await chosen(page), "Choose a view");
    await andWait(page, () => menu(page).selectOption({ label: "June tokens" }));
    assert.equal(new URL(page.url()).search, "?from=2016-06-01&to=2016-06-30&actions=ISSUE_TOKEN");
    assert.deepEqual([...new Set(await actionsShown(page))], ["ISSUE_TOKEN"]);
    await assertAccessible(page, "saved-views");
  });

  await inBrowser(t, async (page) => {
    // Another browser: the server kept it.
    await signIn(page, SUPER, "/admin-logs");
    await menu(page).locator("option", { hasText: "June tokens" }).waitFor({ state: "attached" });
    await andWait(page, () => menu(page).selectOption({ label: "June tokens" }));
    await page.getByRole("button", { name: "Copy link" }).click();
    await page.getByRole("status").filter({ hasText: "Link copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), page.url());
    await page.getByRole("button", { name: "Delete “June tokens”" }).click();
    await page.getByRole("status").filter({ hasText: "Deleted “June tokens”." }).waitFor();
    assert.equal(await menu(page).locator("option").count(), 1);
    assert.equal(await chosen(page), "None yet");
    assert.equal(await sidewaysOverflow(page), 0);
  }, { permissions: ["clipboard-read", "clipboard-write"], viewport: { width: 390, height: 844 } });
});

test("a push stream is created in its tab, delivers signed events, then is paused and deleted", async (t) => {
  const received = [];
  const receiver = http.createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${receiver.address().port}/hooks/adminlog`;
  const { token } = await api("POST", "/api/v1/auth/login", null, { email: SUPER, password: PASSWORD });
  const { key } = await api("POST", "/api/v1/api-keys", token, { name: "e2e stream source", scopes: ["logs:write"] });
  try {
    let secret;
    await inBrowser(t, async (page) => {
      await signIn(page, SUPER, "/streams");
      await page.getByRole("heading", { name: "Push streams" }).waitFor();
      // An address the operator did not allow is refused in words, by field.
      await page.getByLabel("Receiver URL").fill("http://10.9.8.7/hooks");
      await page.getByRole("button", { name: "Create stream" }).click();
      await page.getByText(/Receiver URL: .*ADMINLOG_STREAM_ALLOW/).waitFor();
      await page.getByLabel("Receiver URL").fill(url);
      await page.getByRole("button", { name: /^Actions/ }).click();
      await page.locator("#action-EDIT_USER").check();
      await page.getByRole("button", { name: "Done" }).click();
      await page.getByRole("button", { name: "Create stream" }).click();
      secret = (await page.locator(".secret .key").textContent()).trim();
      assert.match(secret, /^whsec_/);
      const row = page.locator("tbody tr", { has: page.getByRole("cell", { name: url }) });
      await row.getByText("Delivering").waitFor();
      await row.getByText("EDIT_USER").waitFor();
    });

    await api("POST", "/api/v1/admin-logs", key, {
      events: [
        { action: "EDIT_USER", user_name: "streamed" },
        { action: "ISSUE_TOKEN", user_name: "not streamed" },
      ],
    });
    for (let waited = 0; received.length === 0; waited += 100) {
      assert.ok(waited < 15000, "a delivery within 15 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [delivery] = received;
    const { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature } = delivery.headers;
    const expected = crypto
      .createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64"))
      .update(`${id}.${timestamp}.`)
      .update(delivery.body)
      .digest("base64");
    assert.equal(signature, `v1,${expected}`, "signed with the secret the page showed");
    const body = JSON.parse(delivery.body);
    assert.deepEqual(body.events.map((e) => [e.action, e.user_name]), [["EDIT_USER", "streamed"]]);

    // On a phone the row and its buttons fit the screen.
    await inBrowser(t, async (page) => {
      await signIn(page, SUPER, "/streams");
      await page.getByText(url, { exact: true }).waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `the page is ${width}px wide`);
    }, { viewport: { width: 390, height: 844 } });

    await inBrowser(t, async (page) => {
      await signIn(page, SUPER, "/streams");
      const row = page.locator("tbody tr", { has: page.getByRole("cell", { name: url }) });
      await row.getByRole("button", { name: "Pause" }).click();
      await row.getByText("Paused", { exact: true }).waitFor();
      await row.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("alertdialog", { name: "Delete push stream?" }).getByRole("button", { name: "Delete" }).click();
      await page.getByText("No push streams yet.").waitFor();
    });
    const logged = await api("GET", "/api/v1/admin-logs?actions=CREATE_STREAM,UPDATE_STREAM,DELETE_STREAM&limit=10", token);
    assert.deepEqual(logged.items.map((e) => e.action), ["DELETE_STREAM", "UPDATE_STREAM", "CREATE_STREAM"]);
  } finally {
    receiver.close();
  }
});

/** Whether the element `id` has focus, waiting for the page to move it there. */
async function focusReaches(page, id) {
  await page.waitForFunction((wanted) => document.activeElement?.id === wanted, id, { timeout: 5000 });
}

test("a role change saves nothing until confirmed in the page; nobody changes or removes themself", async (t) => {
  const DAVE = "dave@e2e.example";
  const { token } = await api("POST", "/api/v1/auth/login", null, { email: SUPER, password: PASSWORD });
  const dave = await api("POST", "/api/v1/administrators", token, { email: DAVE, name: "Dave", role: "admin", password: PASSWORD });
  const roleOfDave = async () => (await api("GET", "/api/v1/administrators", token)).items.find((a) => a.id === dave.id)?.role;
  await inBrowser(t, async (page) => {
    const native = [];
    page.on("dialog", (dialog) => { native.push(dialog.type()); dialog.dismiss().catch(() => {}); });
    await signIn(page, SUPER, "/administrators");
    const rowOf = (email) => page.locator("tbody tr", { has: page.getByRole("cell", { name: email, exact: true }) });

    // The signed-in administrator's own row offers neither a role change nor Remove.
    const own = rowOf(SUPER);
    await own.getByText("You", { exact: true }).waitFor();
    assert.equal(await own.locator("select").count(), 0);
    assert.equal(await own.getByRole("button").count(), 0);

    // Choosing a role only marks the row pending; Cancel restores it.
    const row = rowOf(DAVE);
    const select = page.getByLabel(`Role of ${DAVE}`);
    await select.selectOption("super_admin");
    await row.getByRole("button", { name: "Save role" }).waitFor();
    await row.getByText("Not saved").waitFor();
    assert.equal(await roleOfDave(), "admin", "nothing saved on selection");
    await row.getByRole("button", { name: "Cancel" }).click();
    await row.getByRole("button", { name: "Save role" }).waitFor({ state: "detached" });
    assert.equal(await select.inputValue(), "admin");
    await focusReaches(page, `role-${dave.id}`);
    assert.equal(await roleOfDave(), "admin");

    // Save role asks in an in-page alert dialog, focus on its confirm button; Escape backs out.
    await select.selectOption("super_admin");
    await row.getByRole("button", { name: "Save role" }).click();
    const asking = page.getByRole("alertdialog", { name: "Change role?" });
    await asking.waitFor();
    assert.equal(await asking.getAttribute("aria-modal"), "true");
    assert.match(await page.locator("#" + (await asking.getAttribute("aria-describedby"))).textContent(), /dave@e2e\.example will become a Super Administrator/);
    await page.waitForFunction(() => document.activeElement?.closest("[role=alertdialog]") && document.activeElement.textContent.trim() === "Change role");
    await page.keyboard.press("Escape");
    await asking.waitFor({ state: "detached" });
    assert.equal(await roleOfDave(), "admin", "Escape saves nothing");
    await row.getByRole("button", { name: "Save role" }).waitFor();

    // Confirmed: saved, and the row shows it.
    await row.getByRole("button", { name: "Save role" }).click();
    await asking.getByRole("button", { name: "Change role" }).click();
    await page.getByText(`${DAVE} is now a Super Administrator.`).waitFor();
    assert.equal(await roleOfDave(), "super_admin");
    await page.waitForFunction((id) => document.getElementById(id)?.value === "super_admin", `role-${dave.id}`);
    assert.equal(await row.getByRole("button", { name: "Save role" }).count(), 0);

    // Removing asks the same way.
    await row.getByRole("button", { name: "Remove" }).click();
    const removing = page.getByRole("alertdialog", { name: "Remove administrator?" });
    await removing.getByRole("button", { name: "Cancel" }).click();
    await removing.waitFor({ state: "detached" });
    assert.equal(await roleOfDave(), "super_admin", "cancelled: still there");
    await row.getByRole("button", { name: "Remove" }).click();
    await removing.getByRole("button", { name: "Remove" }).click();
    await page.getByText(`Removed ${DAVE}.`).waitFor();
    assert.equal(await roleOfDave(), undefined);
    assert.deepEqual(native, [], "no native dialog");
  });
});

test("an email of several organizations is asked which one; the browser keeps its device token", async (t) => {
  const MULTI = "multi@e2e.example";
  for (const owner of [SUPER, STARTER]) {
    const { token } = await api("POST", "/api/v1/auth/login", null, { email: owner, password: PASSWORD });
    await api("POST", "/api/v1/administrators", token, { email: MULTI, name: "Multi", role: "admin", password: PASSWORD });
  }
  const isLogin = (request) => request.url().endsWith("/api/v1/auth/login") && request.method() === "POST";
  await inBrowser(t, async (page) => {
    const signInTo = async (organizationName) => {
      await page.getByLabel("Email").fill(MULTI);
      await page.getByLabel("Password").fill(PASSWORD);
      const [first] = await Promise.all([page.waitForRequest(isLogin), page.getByRole("button", { name: "Sign in" }).click()]);
      const organization = page.getByLabel("Organization");
      await organization.waitFor();
      await focusReaches(page, "login-organization");
      assert.match(await organization.getAttribute("aria-describedby"), /login-organization-hint/);
      assert.equal((await page.locator("#login-organization-hint").textContent()).trim(), "This email signs in to several organizations: which one?");
      await organization.fill(organizationName);
      const [second] = await Promise.all([page.waitForRequest(isLogin), page.getByRole("button", { name: "Sign in" }).click()]);
      assert.equal(second.postDataJSON().organization, organizationName);
      await page.waitForURL((url) => !url.pathname.startsWith("/login"));
      await page.locator(".who", { hasText: organizationName }).waitFor();
      return first.postDataJSON();
    };

    await page.goto(BASE + "/admin-logs");
    const firstTime = await signInTo("Starter Inc");
    assert.equal(firstTime.device_token, undefined, "a new browser has no device token yet");
    const device = await page.evaluate((email) => localStorage.getItem(`adminlog.device.${email}`), MULTI);
    assert.ok(device, "the device token is kept for this email");

    // Guesses from elsewhere lock out unknown devices...
    let status = 0;
    for (let i = 0; i < 12 && status !== 429; i++) {
      const response = await fetch(BASE + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: MULTI, password: "a wrong guess", organization: "E2E Corp" }),
      });
      status = response.status;
    }
    assert.equal(status, 429, "unknown devices are throttled");

    // ...but not this browser, which sends its device token.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the Admin Panel" }).waitFor();
    const secondTime = await signInTo("E2E Corp");
    assert.equal(secondTime.device_token, device);
  });
});

test("an event a key sent as if from the Admin Panel shows which key stored it, and when", async (t) => {
  const { token } = await api("POST", "/api/v1/auth/login", null, { email: SUPER, password: PASSWORD });
  const siem = await api("POST", "/api/v1/api-keys", token, { name: "SIEM", scopes: ["logs:write"] });
  // Claims an administrator in the Admin Panel, three days ago; the key sends it now.
  const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000 - 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const { ids: [eventId] } = await api("POST", "/api/v1/admin-logs", siem.key, {
    events: [{
      timestamp: threeDaysAgo, action: "REMOVE_ADMINISTRATOR", source: "admin_panel",
      admin_email: "ceo@e2e.example", user_email: "claimcheck@e2e.example", user_name: "claimcheck",
      event_id: "siem-claimcheck-1",
    }],
  });
  const recordedBy = `API key “SIEM” (#${siem.id})`;

  const openDetails = async (page) => {
    await signIn(page, SUPER, "/admin-logs?keyword=claimcheck");
    const row = page.locator("tbody tr.event").first();
    await row.waitFor();
    const cells = await rows(page);
    assert.equal(cells.length, 1);
    assert.equal(cells[0][2], "ceo@e2e.example", "the row shows the claimed administrator");
    assert.equal(cells[0][6], "Admin Panel", "and the claimed source");
    assert.match(cells[0][7], /^API key SIEM/, "and which key stored it");
    const toggle = row.getByRole("button", { name: "Details" });
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    const regionId = await toggle.getAttribute("aria-controls");
    const region = page.getByRole("region", { name: `Details of event ${eventId}` });
    assert.equal(await region.count(), 0, "closed: nothing shown");
    // Keyboard: Enter opens it, focus stays on the button.
    await toggle.focus();
    await page.keyboard.press("Enter");
    await region.waitFor();
    assert.equal(await region.getAttribute("id"), regionId);
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-controls")), regionId, "focus stays on the button");
    return { toggle, region };
  };
  const dd = (region, term) => region.locator("dt", { hasText: term }).locator("xpath=following-sibling::dd[1]");

  await inBrowser(t, async (page) => {
    const { toggle, region } = await openDetails(page);
    assert.equal((await dd(region, "Recorded by").textContent()).trim(), recordedBy);
    assert.equal((await dd(region, "Event id").textContent()).trim(), `${eventId} · Permanent link to event ${eventId}`);
    assert.equal((await dd(region, "Id given by the sender").textContent()).trim(), "siem-claimcheck-1");
    assert.equal((await dd(region, "Administrator email").textContent()).trim(), "ceo@e2e.example");
    assert.equal((await dd(region, "Source").textContent()).trim(), "Admin Panel (admin_panel)");
    assert.equal((await dd(region, "Time (UTC)").textContent()).trim(), threeDaysAgo.replace("T", " ").replace("Z", " UTC"));
    assert.match(await dd(region, "Action").textContent(), /REMOVE_ADMINISTRATOR: Administrator removed from an organization/);
    assert.match(await dd(region, "Received (Europe/Paris)").textContent(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const note = (await region.getByRole("note").textContent()).replace(/\s+/g, " ");
    assert.ok(note.includes(`It says it came from the Admin Panel (source: admin_panel), but ${recordedBy} sent it.`), note);
    assert.ok(note.includes("Sent 3 days after it says it happened"), note);
    // Space closes it; focus is still on the button.
    await page.keyboard.press("Space");
    await region.waitFor({ state: "hidden" });
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent.trim()), `Details of event ${eventId}`);

    // The permanent link: the event on a page of its own, which a reload (or a colleague) opens again.
    await page.keyboard.press("Enter");
    await region.getByRole("link", { name: `Permanent link to event ${eventId}` }).click();
    assert.equal(new URL(page.url()).pathname, `/admin-logs/events/${eventId}`);
    const own = page.getByRole("region", { name: `Event ${eventId}` });
    for (const reload of [false, true]) {
      if (reload) await page.reload();
      await page.getByRole("heading", { name: `Event ${eventId}` }).waitFor();
      assert.equal((await dd(own, "Recorded by").textContent()).trim(), recordedBy);
      assert.equal((await dd(own, "Id given by the sender").textContent()).trim(), "siem-claimcheck-1");
      await own.getByRole("note").waitFor();
      assert.equal(await page.getByRole("link", { name: "Admin Logs", exact: true }).getAttribute("aria-current"), "page");
    }
    await assertAccessible(page, "event-page");
    await andWait(page, () => page.getByRole("link", { name: "Back to Admin Logs" }).click());
    assert.equal(new URL(page.url()).pathname, "/admin-logs");
    // An id that is not this organization's says so, in a sentence.
    await page.goto(`${BASE}/admin-logs/events/999999999`);
    await page.getByRole("alert").filter({ hasText: "Your organization has no event 999999999." }).waitFor();
  });

  await inBrowser(t, async (page) => {
    const { region } = await openDetails(page);
    assert.equal((await dd(region, "Recorded by").textContent()).trim(), recordedBy);
    await region.getByRole("note").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page with details open scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: path.join(ARTIFACTS, "admin-logs-details-phone.png"), fullPage: true });
    await page.goto(`${BASE}/admin-logs/events/${eventId}`);
    await page.getByRole("heading", { name: `Event ${eventId}` }).waitFor();
    await page.getByRole("note").waitFor();
    assert.equal(await sidewaysOverflow(page), 0, "the event's page fits a phone");
    await assertAccessible(page, "phone-event-page");
  }, { viewport: { width: 390, height: 844 } });
});

test("the page reads on a phone", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?from=2016-06-01&to=2016-06-30");
    await page.locator("tbody tr").first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: path.join(ARTIFACTS, "admin-logs-phone.png"), fullPage: true });

    // A pending role change and its confirmation fit too (cancelled: nothing saved).
    await page.getByRole("link", { name: "Administrators" }).click();
    await page.getByLabel(`Role of ${PLAIN_ADMIN}`).selectOption("super_admin");
    await page.getByRole("button", { name: "Save role" }).click();
    const asking = page.getByRole("alertdialog", { name: "Change role?" });
    await asking.waitFor();
    const box = await asking.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the dialog spans ${box.x}..${box.x + box.width}px`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 1, `the Administrators page scrolls sideways by ${wide}px`);
    await page.screenshot({ path: path.join(ARTIFACTS, "administrators-confirm-phone.png"), fullPage: true });
    await asking.getByRole("button", { name: "Cancel" }).click();
    await asking.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("button", { name: "Save role" }).waitFor({ state: "detached" });
    assert.equal(await page.getByLabel(`Role of ${PLAIN_ADMIN}`).inputValue(), "admin");
  }, { viewport: { width: 390, height: 844 } });
});

test("every state passes an accessibility engine (WCAG 2.2 AA and best practice)", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?from=2016-06-01&to=2016-06-30");
    await page.locator("tbody tr").first().waitFor();
    await assertAccessible(page, "results");

    const toggle = page.getByRole("button", { name: /^Actions/ });
    await toggle.click();
    await page.getByLabel("Filter action types").waitFor();
    await assertAccessible(page, "picker-open");
    await page.getByLabel("Filter action types").fill("no such action");
    await page.getByText("No action type matches “no such action”.").waitFor();
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Details" }).first().click();
    await assertAccessible(page, "details");

    await andWait(page, async () => { await setFilters(page, { from: "2016-06-01", to: "2016-06-30", keyword: "nobody-has-this" }); await page.getByRole("button", { name: "View", exact: true }).click(); });
    await page.getByRole("status").filter({ hasText: "No events match these filters." }).waitFor();
    await assertAccessible(page, "empty");

    await page.route("**/api/v1/admin-logs?**", (route) => route.fulfill({
      status: 503, contentType: "application/json", headers: { "retry-after": "1" },
      body: JSON.stringify({ error: { code: "unavailable", message: "The database is busy. Try again in a moment." } }),
    }));
    await andWait(page, () => page.getByRole("button", { name: "View", exact: true }).click());
    await page.getByRole("alert").filter({ hasText: "The database is busy." }).waitFor();
    await assertAccessible(page, "error");
    await page.unroute("**/api/v1/admin-logs?**");

    for (const [tab, heading] of [["Administrators", "Administrators"], ["API keys", "API keys"], ["Push streams", "Push streams"]]) {
      await page.getByRole("link", { name: tab }).click();
      await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
      await page.locator('tbody tr, p.status:has-text("No ")').first().waitFor();
      await assertAccessible(page, tab.toLowerCase().replace(/ /g, "-"));
    }
  });
});

test("errors, empty results and bad links say what happened and offer a way on", async (t) => {
  await inBrowser(t, async (page) => {
    // A link that cannot be read is refused in a sentence; nothing is shown rather than everything.
    await signIn(page, SUPER, "/admin-logs?from=2016-06-10&to=2016-06-01");
    const refused = page.getByRole("alert").filter({ hasText: "This link cannot be shown." });
    await refused.waitFor();
    assert.match(await refused.textContent(), /Its start \(2016-06-10\) is after its end \(2016-06-01\)\./);
    assert.equal(await page.locator("tbody tr").count(), 0, "no events are shown for a bad link");
    await assertAccessible(page, "bad-link");
    await andWait(page, () => refused.getByRole("button", { name: "Clear filters" }).click());
    assert.equal(new URL(page.url()).search, "");
    assert.ok((await rows(page)).length > 0);
    await page.getByRole("status").filter({ hasText: /^Events 1–50 of [\d,]+, newest first; more on the next pages\.$/ }).waitFor();
    await page.waitForFunction(() => document.activeElement.id === "result-summary"); // focus moves to the results

    // An empty result offers Clear filters.
    await andWait(page, async () => { await setFilters(page, { keyword: "nobody-has-this" }); await page.getByRole("button", { name: "View", exact: true }).click(); });
    await page.getByRole("status").filter({ hasText: "No events match these filters." }).waitFor();
    await andWait(page, () => page.locator(".empty").getByRole("button", { name: "Clear filters" }).click());
    assert.ok((await rows(page)).length > 0);

    // A failed load offers Retry, which loads the same view again.
    let failures = 1;
    await page.route("**/api/v1/admin-logs?**", (route) => failures-- > 0
      ? route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "unavailable", message: "The database is busy. Try again in a moment." } }) })
      : route.continue());
    await andWait(page, () => page.reload());
    const failed = page.getByRole("alert").filter({ hasText: "The database is busy." });
    await failed.waitFor();
    assert.equal(await page.locator("tbody tr").count(), 0, "no stale rows under an error");
    await andWait(page, () => failed.getByRole("button", { name: "Retry" }).click());
    assert.ok((await rows(page)).length > 0, "Retry shows the events");
  });
});

test("loading keeps the rows on screen and focus where it was", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?to=2015-12-31&limit=25");
    await page.locator("tbody tr").first().waitFor();
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route("**/api/v1/admin-logs?**", async (route) => { await held; await route.continue(); });
    const next = page.getByRole("button", { name: "Next" });
    await next.focus();
    await page.keyboard.press("Enter");
    await page.locator('.results[aria-busy="true"] .table-wrap.stale').waitFor();
    assert.equal((await rows(page)).length, 25, "the page stays while the next one loads");
    await page.getByRole("status").filter({ hasText: "Loading events…" }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Next", "focus stays on Next");
    const answered = page.waitForResponse((r) => r.url().includes("/api/v1/admin-logs?"));
    release();
    await answered;
    await page.locator('.results[aria-busy="false"]').waitFor();
    await page.getByRole("status").filter({ hasText: /^Events 26–50 of 60, newest first; more on the next pages\.$/ }).waitFor();
    assert.equal((await rows(page))[0][4], "pager-34");
  });
});

test("the action picker fits every screen and closes like a menu", async (t) => {
  for (const width of [390, 768, 1440]) {
    await inBrowser(t, async (page) => {
      await signIn(page, SUPER, "/admin-logs?from=2016-06-01&to=2016-06-30");
      await page.locator("tbody tr").first().waitFor();
      const toggle = page.getByRole("button", { name: /^Actions/ });
      await toggle.click();
      const panel = page.locator("#actions-panel");
      await panel.waitFor();
      await page.waitForTimeout(50); // one frame: the panel is moved once laid out
      const box = await panel.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= width, `at ${width}px the panel spans ${box.x}..${box.x + box.width}px`);
      assert.ok(await sidewaysOverflow(page) <= 0, `at ${width}px the page scrolls sideways with the picker open`);
      const checkbox = await page.locator("#action-LOG_IN").boundingBox();
      const label = await page.locator('label[for="action-LOG_IN"]').boundingBox();
      assert.ok(checkbox.width < 40 && label.x - (checkbox.x + checkbox.width) < 24, `at ${width}px the checkbox sits by its label`);
      if (width === 390) await assertAccessible(page, "phone-picker-open");

      // Escape closes it and gives focus back to its button.
      await page.getByLabel("Filter action types").focus();
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "hidden" });
      assert.equal(await toggle.getAttribute("aria-expanded"), "false");
      assert.ok(await toggle.evaluate((el) => el === document.activeElement), "focus is back on the Actions button");

      // A click outside closes it too.
      await toggle.click();
      await panel.waitFor();
      await page.getByRole("heading", { name: "Admin Logs" }).click();
      await panel.waitFor({ state: "hidden" });
    }, { viewport: { width, height: 900 } });
  }
});

test("keyboard users can skip to the content and always see where focus is", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?from=2016-06-01&to=2016-06-30");
    await page.locator("tbody tr").first().waitFor();
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to main content" });
    assert.ok(await skip.evaluate((el) => el === document.activeElement), "the first Tab reaches the skip link");
    assert.ok((await skip.boundingBox()).y >= 0, "the skip link is visible when focused");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement.id), "main");
    assert.equal(new URL(page.url()).hash, "", "the view's URL is unchanged");

    // The focus ring contrasts at least 3:1 with the page around it.
    await page.keyboard.press("Tab");
    const ratio = await page.evaluate(() => {
      const rgb = (text) => text.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
      const luminance = ([r, g, b]) => {
        const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
      };
      const focused = document.activeElement;
      const ring = luminance(rgb(getComputedStyle(focused).outlineColor));
      const page = luminance(rgb(getComputedStyle(document.body).backgroundColor === "rgba(0, 0, 0, 0)" ? getComputedStyle(document.documentElement).backgroundColor : getComputedStyle(document.body).backgroundColor));
      const [hi, lo] = ring > page ? [ring, page] : [page, ring];
      return { ratio: (hi + 0.05) / (lo + 0.05), style: getComputedStyle(focused).outlineStyle, width: getComputedStyle(focused).outlineWidth };
    });
    assert.equal(ratio.style, "solid");
    assert.ok(parseFloat(ratio.width) >= 2, `the ring is ${ratio.width} wide`);
    assert.ok(ratio.ratio >= 3, `the focus ring contrasts ${ratio.ratio.toFixed(2)}:1`);
  });
});

test("quick ranges stay relative: in the link, after a reload, and until a day is typed", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs");
    await page.locator("tbody tr").first().waitFor();
    const range = page.getByLabel("Time range");
    assert.equal(await range.inputValue(), "any");
    await andWait(page, () => range.selectOption("now-24h"));
    assert.match(page.url(), /\?from=now-24h$/);
    const recent = await rows(page);
    assert.ok(recent.length > 0, "this session's sign-ins are in the last 24 hours");
    assert.ok(recent.every((cells) => !/^201[56]-/.test(cells[0])), `nothing from 2015 or 2016: ${recent.map((c) => c[0])}`);
    await andWait(page, () => page.reload());
    assert.equal(await range.inputValue(), "now-24h", "a reload keeps the relative range");
    assert.equal(await page.getByLabel("From (UTC day)").inputValue(), "");

    // Typing a day leaves the quick range for custom days, applied by View.
    await page.getByLabel("From (UTC day)").fill("2016-06-01");
    assert.equal(await range.inputValue(), "custom");
    await andWait(page, async () => { await page.getByLabel("To (UTC day)").fill("2016-06-30"); await page.getByRole("button", { name: "View", exact: true }).click(); });
    assert.match(page.url(), /from=2016-06-01&to=2016-06-30/);
    await andWait(page, () => range.selectOption("any"));
    assert.equal(new URL(page.url()).search, "");
    assert.equal(await page.getByLabel("From (UTC day)").inputValue(), "");
  });
});

test("the action picker groups actions by what they act on, names them, and counts each under the other filters", async (t) => {
  const countOf = async (page, action) => {
    const text = await page.locator(`label[for="action-${action}"] .picker-count`).textContent();
    return Number(text.replace(/[^0-9]/g, ""));
  };
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?from=2016-06-01&to=2016-06-30");
    await page.getByText(/^Events 1–7 of 7, newest first\.$/).waitFor();
    await page.getByRole("button", { name: /Actions/ }).click();
    assert.deepEqual(await page.locator(".picker-group legend").allTextContents(), [
      "Sign-in and recovery", "Administrators", "Users", "Domains", "Tokens and bypass codes",
      "Hardware tokens", "Organization and billing", "This audit log",
    ]);
    // Every action is named as people say it, its code beside; the counts
    // of the range add up to its events.
    await page.locator(".picker-count").first().waitFor();
    const texts = await page.locator(".picker-count").allTextContents();
    assert.equal(texts.length, 45, "a count beside every action");
    assert.ok(texts.every((text) => /^(1 event|[\d,]+ events)$/.test(text)), texts.join("; "));
    const counts = texts.map((text) => Number(text.replace(/[^0-9]/g, "")));
    assert.equal(counts.reduce((a, b) => a + b, 0), 7);
    assert.ok(counts.filter((n) => n === 0).length >= 45 - 7, "actions without events in the range say 0");
    const issued = await countOf(page, "ISSUE_TOKEN");
    assert.ok(issued > 0);
    await assertAccessible(page, "picker-with-counts");
    await page.getByRole("checkbox", { name: /^Token issued\s*ISSUE_TOKEN\s*[\d,]+ events?$/ }).check();
    await page.getByRole("button", { name: "Done" }).click();
    await andWait(page, () => page.getByRole("button", { name: "View", exact: true }).click());
    assert.equal((await rows(page)).length, issued, "the count beside an action is what choosing it shows");
    // Choosing actions leaves every count as it was: each still says what choosing it alone shows.
    await page.getByRole("button", { name: /Actions/ }).click();
    assert.equal(await countOf(page, "ISSUE_TOKEN"), issued);
    assert.ok(await countOf(page, "CREATE_DOMAIN") > 0, "an action not chosen keeps its count");
    await page.keyboard.press("Escape");

    // A value in the table narrows the view to it: same range and actions, first page.
    await andWait(page, () => page.getByRole("button", { name: /Actions/ }).click().then(() => page.getByRole("button", { name: "Clear" }).click()).then(() => page.getByRole("button", { name: "Done" }).click()).then(() => page.getByRole("button", { name: "View", exact: true }).click()));
    await andWait(page, () => page.locator('td[data-label="User name"] a', { hasText: "john.doe" }).first().click());
    const narrowed = new URL(page.url()).searchParams;
    assert.equal(narrowed.get("keyword"), "john.doe");
    assert.equal(narrowed.get("from"), "2016-06-01");
    assert.equal(narrowed.get("to"), "2016-06-30");
    assert.deepEqual(await actionsShown(page), ["ISSUE_TOKEN", "ADD_USER_TO_DOMAIN"]);
    assert.equal(await page.getByLabel("Keyword").inputValue(), "john.doe", "the form shows the new keyword");
    await andWait(page, () => page.locator('td[data-label="Action"] a', { hasText: "ISSUE_TOKEN" }).click());
    assert.equal(new URL(page.url()).searchParams.get("actions"), "ISSUE_TOKEN");
    assert.deepEqual(await actionsShown(page), ["ISSUE_TOKEN"]);
  });

  // On a phone the open picker fits the screen, counts included.
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs");
    await page.getByRole("button", { name: /Actions/ }).click();
    await page.locator(".picker-count").first().waitFor();
    assert.equal(await sidewaysOverflow(page), 0);
    await assertAccessible(page, "phone-picker-with-counts");
  }, { viewport: { width: 390, height: 844 } });
});

test("the result header counts the matches, a bar zooms the view to its time, and times are typed in the viewer's zone", async (t) => {
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?from=2016-06-01&to=2016-06-30");
    const chart = page.getByRole("img", { name: /^Events per / });
    await chart.waitFor();
    // Thirty days in six-hour bars, read in the viewer's zone (Paris, UTC+2 in June).
    assert.equal(
      await chart.getAttribute("aria-label"),
      "Events per 6 hours, from 2016-06-01 02:00:00 to 2016-07-01 02:00:00 (your time): 7 events, at most 3 in 6 hours.",
    );
    await page.getByText(/^Events 1–7 of 7, newest first\.$/).waitFor();
    await assertAccessible(page, "histogram");

    // The busiest bar: the three events of 2016-06-09 between 12:00 and 18:00 UTC.
    const busiest = page.locator('.activity .slot[title="2016-06-09 14:00:00: 3 events"]');
    // Drawn to scale: the busiest bar fills the chart's height, one of two events two thirds of it.
    const fill = (title) => page.locator(`.activity .slot[title="${title}"] .fill`).evaluate((e) => e.getBoundingClientRect().height);
    const tallest = await fill("2016-06-09 14:00:00: 3 events");
    assert.ok(tallest > 40, `the busiest bar is ${tallest}px tall`);
    assert.ok(Math.abs(await fill("2016-06-10 08:00:00: 2 events") - tallest * 2 / 3) < 2);
    await andWait(page, () => busiest.click());
    const asked = new URL(page.url()).searchParams;
    assert.equal(asked.get("from"), "2016-06-09T12:00:00Z");
    assert.equal(asked.get("to"), "2016-06-09T17:59:59.999999Z");
    assert.deepEqual(await actionsShown(page), ["ISSUE_TOKEN", "ADD_USER_TO_DOMAIN", "CREATE_DOMAIN"]);
    // The range stays exact in the form, in the viewer's zone, and View keeps it.
    assert.equal(await page.getByLabel("From (Europe/Paris)").inputValue(), "2016-06-09T14:00");
    await andWait(page, () => page.getByRole("button", { name: "View", exact: true }).click());
    assert.equal(new URL(page.url()).searchParams.get("to"), "2016-06-09T17:59:59.999999Z");
    assert.equal((await rows(page)).length, 3);
    await page.getByRole("img", { name: /^Events per hour, .*: 3 events, at most 3 in one hour\.$/ }).waitFor();

    // Custom days show the same range as its UTC days; custom times as dates
    // and times in the viewer's zone, where a time can be typed.
    const range = page.getByLabel("Time range");
    await range.selectOption("custom");
    assert.equal(await page.getByLabel("From (UTC day)").inputValue(), "2016-06-09");
    assert.equal(await page.getByLabel("To (UTC day)").inputValue(), "2016-06-09");
    await range.selectOption("times");
    assert.equal(await page.getByLabel("From (Europe/Paris)").inputValue(), "2016-06-09T02:00");
    await page.getByLabel("To (Europe/Paris)").fill("2016-06-09T15:59:20");
    await andWait(page, () => page.getByRole("button", { name: "View", exact: true }).click());
    assert.equal(new URL(page.url()).searchParams.get("to"), "2016-06-09T13:59:20Z");
    assert.deepEqual(await actionsShown(page), ["ADD_USER_TO_DOMAIN", "CREATE_DOMAIN"]);
  });

  // Dragging across bars zooms to all of them, from the first bar's start to the last one's end.
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs?from=2016-06-01&to=2016-06-30");
    await page.getByText(/^Events 1–7 of 7, newest first\.$/).waitFor();
    const middle = async (title) => {
      const slot = page.locator(`.activity .slot[title="${title}"]`);
      await slot.waitFor();
      const box = await slot.boundingBox();
      return [box.x + box.width / 2, box.y + box.height - 2];
    };
    const [fromX, fromY] = await middle("2016-06-09 14:00:00: 3 events");
    const [toX, toY] = await middle("2016-06-10 08:00:00: 2 events");
    await page.mouse.move(fromX, fromY);
    await andWait(page, async () => {
      await page.mouse.down();
      await page.mouse.move(toX, toY, { steps: 10 });
      assert.ok(await page.locator(".activity .slot.selected").count() >= 4, "the bars crossed are marked while dragging");
      await page.mouse.up();
    });
    const asked = new URL(page.url()).searchParams;
    assert.equal(asked.get("from"), "2016-06-09T12:00:00Z");
    assert.equal(asked.get("to"), "2016-06-10T11:59:59.999999Z");
    assert.equal((await rows(page)).length, 5, "the three events of the 9th and the two of the 10th's morning");
  });

  // On a phone the bars fit the screen.
  await inBrowser(t, async (page) => {
    await signIn(page, SUPER, "/admin-logs");
    await page.getByRole("img", { name: /^Events per / }).waitFor();
    assert.equal(await sidewaysOverflow(page), 0);
    await assertAccessible(page, "phone-histogram");
  }, { viewport: { width: 390, height: 844 } });
});
