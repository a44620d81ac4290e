// Browser tests of Starling's console, in headless Chromium driven by
// playwright-core. internal/e2e's TestConsoleBrowser builds Starling, fills
// it with `starling generate`, starts it (once in accept mode, once in
// verify mode) and runs these with:
//
//   CONSOLE_URL         the accept-mode server's base URL
//   CONSOLE_VERIFY_URL  the verify-mode server's base URL
//   CONSOLE_KEY, CONSOLE_SECRET, CONSOLE_ACCOUNT  a principal of the verify-mode server
//   CHROMIUM            the browser (default /usr/bin/chromium)
//   SCREENSHOTS         a directory to save a screenshot of each page in (optional)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const base = process.env.CONSOLE_URL;
const verifyBase = process.env.CONSOLE_VERIFY_URL;
const shots = process.env.SCREENSHOTS;
const owner = "000000000000"; // the account `starling generate` gives the aggregator
const stranger = "111111111111"; // an account with no aggregator

let browser;

before(async () => {
  assert.ok(base, "CONSOLE_URL is not set: run these through go test ./internal/e2e -run TestConsoleBrowser");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => { await browser?.close(); });

// newPage opens a page in a fresh context that fails the test on any
// request that leaves the server (the console uses no CDN) and on any
// script error.
async function newPage(t) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    // An error page's own status (a 4xx the test asks for) is not a script error.
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  await page.route("**/*", (route) => {
    const u = new URL(route.request().url());
    if (u.hostname !== "127.0.0.1") { errors.push("request to " + u.href); return route.abort(); }
    return route.continue();
  });
  t.after(async () => {
    await ctx.close();
    assert.deepEqual(errors, [], "the page logged errors or left the server");
  });
  return page;
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

async function signIn(page, account, root = base) {
  await page.goto(root + "/console/");
  assert.match(page.url(), /\/console\/signin\?next=/);
  await page.getByLabel("Account ID").fill(account);
  await page.getByLabel("Region").selectOption("us-east-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(root + "/console/");
}

test("sign in, and the aggregators of the account", async (t) => {
  const page = await newPage(t);
  await page.goto(base + "/console/");
  await shot(page, "signin");
  await signIn(page, owner);
  assert.equal(await page.getByTestId("account").textContent(), owner);
  const link = page.getByRole("link", { name: "generated" });
  assert.equal(await link.count(), 1);
  await shot(page, "aggregators");
});

test("keyboard: the skip link, then the aggregator by Tab and Enter", async (t) => {
  const page = await newPage(t);
  await signIn(page, owner);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
  // Tab through to the aggregator's link and follow it with Enter.
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(() => document.activeElement.textContent === "generated")) break;
  }
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "generated");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/aggregators\/generated\/$/);
});

test("overview: the source grid and the counts, as charts and tables", async (t) => {
  const page = await newPage(t);
  await signIn(page, owner);
  await page.getByRole("link", { name: "generated" }).click();
  const grid = page.getByTestId("source-grid");
  await grid.waitFor();
  const readable = await grid.locator('td[data-state="readable"]').count();
  assert.ok(readable > 0, "no readable source in the grid");
  assert.match(await page.getByTestId("source-summary").textContent(), new RegExp(`${readable} readable`));
  const total = Number(await page.getByTestId("total").textContent());
  assert.ok(total > 0);
  // The region counts add up to the total.
  const byRegion = await page.getByTestId("counts-region").locator("td").evaluateAll((tds) => tds.map((td) => Number(td.dataset.value)));
  assert.equal(byRegion.reduce((a, b) => a + b, 0), total);
  for (const id of ["chart-type", "chart-account", "chart-region"]) {
    await page.locator(`#${id}[data-drawn="true"]`).waitFor();
  }
  await shot(page, "overview");
});

test("compliance: rules compliant against noncompliant, down to a rule's resources", async (t) => {
  const page = await newPage(t);
  await signIn(page, owner);
  await page.goto(base + "/console/aggregators/generated/compliance?type=NON_COMPLIANT");
  const rules = page.getByTestId("rules");
  await rules.waitFor();
  const badges = await rules.locator("tbody td .badge").allTextContents();
  assert.ok(badges.length > 0 && badges.every((b) => b === "NON_COMPLIANT"), `badges: ${badges}`);
  await page.locator("#chart-rules[data-drawn=\"true\"]").waitFor();
  await shot(page, "compliance");
  await rules.locator("tbody tr th a").first().click();
  await page.waitForURL(/\/rule\?/);
  await page.getByLabel("Compliance").selectOption("NON_COMPLIANT");
  await page.getByRole("button", { name: "Filter" }).click();
  const results = page.getByTestId("results");
  await results.waitFor();
  const kinds = await results.locator("tbody .badge").allTextContents();
  assert.ok(kinds.length > 0 && kinds.every((k) => k === "NON_COMPLIANT"), `results: ${kinds}`);
  await shot(page, "rule");
  await results.locator("tbody tr th a").first().click();
  await page.getByTestId("resource-id").waitFor();
});

test("inventory: filter, page, and a resource with its history and diff", async (t) => {
  const page = await newPage(t);
  await signIn(page, owner);
  await page.goto(base + "/console/aggregators/generated/resources");
  await page.getByLabel("Resource type").selectOption("AWS::EC2::SecurityGroup");
  await page.getByLabel("Region").fill("us-east-1");
  await page.getByRole("button", { name: "Filter" }).click();
  const table = page.getByTestId("resources");
  await table.waitFor();
  const regions = await table.locator("tbody tr td:nth-child(5)").allTextContents();
  assert.ok(regions.length > 0 && regions.every((r) => r === "us-east-1"), `regions: ${regions}`);
  const types = await table.locator("tbody tr td:nth-child(3)").allTextContents();
  assert.ok(types.every((r) => r === "AWS::EC2::SecurityGroup"));
  await shot(page, "resources");
  // Open security groups (of any region) until one has more than one
  // version, which shows a diff.
  await page.goto(base + "/console/aggregators/generated/resources?type=AWS%3A%3AEC2%3A%3ASecurityGroup");
  const links = await table.locator("tbody tr th a").evaluateAll((as) => as.map((a) => a.href));
  let found = false;
  for (const href of links) {
    await page.goto(href);
    await page.getByTestId("configuration").waitFor();
    if (await page.getByTestId("diff").count() > 0) { found = true; break; }
  }
  assert.ok(found, "no security group with a second version among " + links.length);
  assert.ok(await page.getByTestId("timeline").locator("li").count() >= 2);
  const paths = await page.getByTestId("diff").first().locator("tbody th code").allTextContents();
  assert.ok(paths.length > 0, "an empty diff");
  JSON.parse(await page.getByTestId("configuration").textContent());
  await shot(page, "resource");
});

test("advanced query: the error at its position, results, CSV and JSON", async (t) => {
  const page = await newPage(t);
  await signIn(page, owner);
  await page.goto(base + "/console/aggregators/generated/query");
  const q = page.getByLabel(/^Query/);
  await q.fill("SELECT resourceId\nWHERE resourceType = = 'AWS::EC2::Instance'");
  await q.press("Control+Enter");
  const err = page.getByTestId("query-error");
  await err.waitFor();
  assert.match(await err.textContent(), /InvalidExpressionException: syntax error at line 2, column 22/);
  assert.equal(await q.getAttribute("aria-invalid"), "true");
  // The editor selects the character the error is at.
  const sel = await q.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
  assert.equal(sel, "=");
  await shot(page, "query-error");

  await q.fill("SELECT resourceId, configuration.instanceType WHERE resourceType = 'AWS::EC2::Instance'");
  await page.getByRole("button", { name: "Run" }).click();
  const results = page.getByTestId("query-results");
  await results.waitFor();
  const head = await results.locator("thead th").allTextContents();
  assert.deepEqual(head, ["resourceId", "configuration.instanceType"]);
  const rows = await results.locator("tbody tr").count();
  assert.ok(rows > 0);
  await shot(page, "query");

  const csv = await page.request.get(await page.getByTestId("export-csv").getAttribute("href", {}).then((h) => new URL(h, base).href));
  assert.equal(csv.status(), 200);
  const lines = (await csv.text()).trim().split("\n");
  assert.equal(lines[0], "resourceId,configuration.instanceType");
  const json = await page.request.get(new URL(await page.getByTestId("export-json").getAttribute("href"), base).href);
  const all = await json.json();
  assert.equal(all.length, lines.length - 1);
  assert.ok(all.every((r) => r.resourceId.startsWith("i-")));
});

test("an account sees nothing of another's aggregator", async (t) => {
  const page = await newPage(t);
  await signIn(page, stranger);
  assert.equal(await page.getByTestId("no-aggregators").count(), 1);
  for (const path of ["/", "/compliance", "/resources", "/rule?rule=x&account=000000000000&region=us-east-1",
    "/resource?account=000000000000&region=us-east-1&type=AWS%3A%3AEC2%3A%3AVPC&id=vpc-1"]) {
    const res = await page.goto(base + "/console/aggregators/generated" + path);
    assert.equal(res.status(), 400, path);
    assert.equal(await page.getByTestId("error-code").textContent(), "NoSuchConfigurationAggregatorException", path);
  }
  const res = await page.goto(base + "/console/aggregators/generated/query?q=SELECT+resourceId");
  assert.equal(res.status(), 400);
  assert.match(await page.getByTestId("query-error").textContent(), /NoSuchConfigurationAggregatorException/);
  await shot(page, "isolation");
});

test("verify mode: credentials, HttpOnly SameSite cookies, and CSRF", { skip: !verifyBase && "CONSOLE_VERIFY_URL is not set" }, async (t) => {
  const page = await newPage(t);
  await page.goto(verifyBase + "/console/");
  await page.getByLabel("Access key ID").fill(process.env.CONSOLE_KEY);
  await page.getByLabel("Secret access key").fill("wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  assert.match(await page.getByTestId("signin-error").textContent(), /not valid/);
  await page.getByLabel("Secret access key").fill(process.env.CONSOLE_SECRET);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(verifyBase + "/console/");
  assert.equal(await page.getByTestId("account").textContent(), process.env.CONSOLE_ACCOUNT);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "starling_console");
  assert.ok(session && session.httpOnly && session.sameSite === "Strict", JSON.stringify(cookies));
  assert.ok(cookies.filter((c) => c.name.startsWith("starling_console")).every((c) => c.httpOnly && c.sameSite === "Strict"));
  // A sign-out without the form's token is refused, and leaves the session.
  const forged = await page.request.post(verifyBase + "/console/signout", { form: { csrf: "forged" } });
  assert.equal(forged.status(), 403);
  await page.goto(verifyBase + "/console/");
  assert.equal(await page.getByTestId("account").textContent(), process.env.CONSOLE_ACCOUNT);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/console\/signin$/);
  await page.goto(verifyBase + "/console/");
  assert.match(page.url(), /\/console\/signin\?next=/);
});
