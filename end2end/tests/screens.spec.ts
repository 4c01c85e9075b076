import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { accountMenu, promoteToPlatformAdmin, waitForHydration } from "./helpers";

// Every page at a phone's width and a laptop's, in both colour schemes:
// nothing wider than the window, and no serious or critical accessibility
// violation (axe-core, which checks colour contrast among the rest). The
// pages are the demo organization's (`atrium seed-demo`), so lists, charts
// and badges are full, not empty.

const PASSWORD = "look around the studio 42";
const WIDTHS = [360, 1280] as const;
const SCHEMES = ["light", "dark"] as const;

/** Runs `atrium seed-demo` on the test run's database for `email`. */
function seedDemo(email: string): string {
  const repoRoot = path.resolve(__dirname, "../..");
  const bin = process.env.E2E_SERVER_BIN ?? path.join(repoRoot, "target/debug/atrium");
  return execFileSync(bin, ["seed-demo", "--email", email, "--password", PASSWORD], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, RUST_LOG: "warn" },
    encoding: "utf8",
  });
}

let owner = "";
let org = "";

test.beforeAll(() => {
  owner = `demo.${Date.now().toString(36)}@example.com`;
  const printed = seedDemo(owner);
  org = printed.match(/\/o\/([a-z0-9-]+)/)![1];
  promoteToPlatformAdmin(owner);
});

async function signIn(page: Page) {
  await page.goto("/login");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(owner);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}$`));
}

/** The signed-in pages, found from the demo's own data. */
async function signedInPages(page: Page): Promise<string[]> {
  const base = `/o/${org}`;
  await page.goto(`${base}/projects`);
  const project = await page.getByRole("link", { name: "Website relaunch" }).getAttribute("href");
  await page.goto(project!);
  const task = await page.locator("table[aria-label=Tasks] tbody tr td:nth-child(3) a").first().getAttribute("href");
  return [
    base,
    `${base}/projects`,
    `${base}/projects?view=archived`,
    project!,
    `${project}${task!.startsWith("?") ? task : `?${task}`}`,
    `${project}/files`,
    `${project}/uploads`,
    `${project}/import`,
    `${base}/members`,
    `${base}/jobs`,
    `${base}/licenses`,
    `${base}/policies`,
    `${base}/audit`,
    `${base}/settings`,
    `${base}/settings/tokens`,
    `${base}/settings/webhooks`,
    "/account",
    "/organizations/new",
    "/admin",
    "/admin/audit",
    "/admin/jobs",
  ];
}

const SIGNED_OUT_PAGES = ["/", "/login", "/signup", "/forgot-password", "/license", "/docs/api", "/docs/license-api"];

/** Fails with every page's problems at once, not just the first. */
async function check(page: Page, url: string, width: number, problems: string[]) {
  await page.goto(url);
  await waitForHydration(page);
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  if (scrollWidth > innerWidth) {
    problems.push(`${url} at ${width}px: ${scrollWidth}px wide`);
  }
  const results = await new AxeBuilder({ page }).analyze();
  for (const violation of results.violations) {
    if (violation.impact === "serious" || violation.impact === "critical") {
      const where = violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join("; ");
      problems.push(`${url} at ${width}px: ${violation.id} (${violation.impact}) at ${where}`);
    }
  }
}

async function walk(browser: Browser, width: number, scheme: "light" | "dark", signedIn: boolean) {
  const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: scheme });
  const page = await context.newPage();
  const problems: string[] = [];
  let pages = SIGNED_OUT_PAGES;
  if (signedIn) {
    await signIn(page);
    pages = await signedInPages(page);
  }
  for (const url of pages) {
    await check(page, url, width, problems);
  }
  if (signedIn) {
    await page.goto(`/o/${org}`);
    await page.screenshot({ path: `end2end/test-results/dashboard-${width}-${scheme}.png`, fullPage: true });
    await page.goto(pages[4]);
    await page.screenshot({ path: `end2end/test-results/task-${width}-${scheme}.png`, fullPage: true });
  }
  await context.close();
  expect(problems, problems.join("\n")).toEqual([]);
}

for (const width of WIDTHS) {
  for (const scheme of SCHEMES) {
    test(`every page fits ${width} px and passes axe in the ${scheme} scheme`, async ({ browser }) => {
      test.setTimeout(300_000);
      await walk(browser, width, scheme, true);
      await walk(browser, width, scheme, false);
    });
  }
}

test("on a phone the sections are behind a menu, tasks are cards and a task opens full-screen", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page);
  await waitForHydration(page);

  // The sidebar is gone; the menu button holds the sections.
  await expect(page.getByRole("navigation", { name: "Organization" })).toBeHidden();
  await page.getByLabel("Menu", { exact: true }).click();
  const menu = page.getByRole("navigation", { name: "Organization" });
  await expect(menu).toBeVisible();
  await menu.getByRole("link", { name: "Projects" }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}/projects$`));
  await expect(menu).toBeHidden();

  // One card per task: toggles and title on top, assignee and due date under.
  await page.getByRole("link", { name: "Website relaunch" }).click();
  await waitForHydration(page);
  const table = page.getByRole("table", { name: "Tasks" });
  await expect(table.getByRole("columnheader", { name: "Title" })).toBeHidden();
  // The cells by position: 3 title, 4 priority, 6 due date.
  const row = table.locator("tbody tr").filter({ has: page.locator("td:nth-child(6):not(:empty)") }).first();
  const card = (await row.boundingBox())!;
  const list = (await table.boundingBox())!;
  expect(card.width).toBeGreaterThan(list.width - 2);
  const title = (await row.locator("td:nth-child(3)").boundingBox())!;
  const due = (await row.locator("td:nth-child(6)").boundingBox())!;
  expect(due.y).toBeGreaterThan(title.y);
  await expect(row.locator("td:nth-child(4)")).toBeHidden();
  await expect(row.getByRole("button", { name: /^(Complete|Reopen) / })).toBeVisible();
  await page.screenshot({ path: "end2end/test-results/tasks-phone.png", fullPage: true });

  // Without JavaScript (and for those who may only read) the assignee is
  // text: an unassigned task's cell is empty and hidden, and its due date
  // takes the indent an assignee's name has on the other cards.
  const still = await browser.newContext({
    viewport: { width: 360, height: 740 },
    javaScriptEnabled: false,
    storageState: await context.storageState(),
  });
  const plain = await still.newPage();
  await plain.goto(page.url());
  const unassigned = plain
    .getByRole("table", { name: "Tasks" })
    .locator("tbody tr")
    .filter({ has: plain.locator("td:nth-child(5):empty + td:not(:empty)") })
    .first();
  await expect(unassigned.locator("td:nth-child(5)")).toBeHidden();
  const assigned = plain.locator("tbody tr td:nth-child(5):not(:empty)").first();
  const indent = (await assigned.boundingBox())!.x;
  const plainDue = (await unassigned.locator("td:nth-child(6)").boundingBox())!;
  expect(Math.abs(plainDue.x - indent)).toBeLessThan(1);
  await still.close();

  // The task's panel is a sheet over the whole screen.
  await row.locator("td:nth-child(3) a").click();
  const sheet = page.getByRole("complementary", { name: "Task details" });
  await expect(sheet.getByLabel("Title")).toBeVisible();
  const box = (await sheet.boundingBox())!;
  expect(box.x).toBe(0);
  expect(box.width).toBe(360);
  await page.screenshot({ path: "end2end/test-results/task-sheet-phone.png" });
  await context.close();
});

test("the theme toggle is kept with the account and the skip link leads to the page", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  const page = await context.newPage();
  await signIn(page);
  await waitForHydration(page);

  // The first Tab stop skips the navigation.
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();

  const html = page.locator("html");
  await expect(html).not.toHaveAttribute("data-theme", /./);
  const account = accountMenu(page);
  await account.click();
  await page.getByRole("button", { name: "Dark", exact: true }).click();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await expect(page.getByRole("button", { name: "Dark", exact: true })).toHaveAttribute("aria-pressed", "true");
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).not.toBe("rgb(255, 255, 255)");

  // Another browser of the same person opens in dark too, before any script.
  const other = await browser.newContext({ colorScheme: "light", javaScriptEnabled: false });
  const second = await other.newPage();
  await second.goto("/login");
  await second.getByLabel("Email").fill(owner);
  await second.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await second.getByRole("button", { name: "Sign in" }).click();
  await expect(second.locator("html")).toHaveAttribute("data-theme", "dark");
  await second.screenshot({ path: "end2end/test-results/dashboard-dark-nojs.png", fullPage: true });
  await other.close();

  // And with JavaScript, where the router brings the dashboard without a
  // full page load after signing in.
  const scripted = await browser.newContext({ colorScheme: "light" });
  const third = await scripted.newPage();
  await signIn(third);
  await expect(third.locator("html")).toHaveAttribute("data-theme", "dark");
  await scripted.close();

  // Back to the device's scheme (the menu is still open).
  await page.getByRole("button", { name: "System", exact: true }).click();
  await expect(html).not.toHaveAttribute("data-theme", /./);
  await page.reload();
  await expect(html).not.toHaveAttribute("data-theme", /./);
  await context.close();
});

/** The project page of the demo's "Website relaunch" (five cycles). */
async function openDemoProject(page: Page) {
  await page.goto(`/o/${org}/projects`);
  await page.getByRole("link", { name: "Website relaunch" }).click();
  await expect(page.locator("[data-cycle]").first()).toBeVisible();
  await waitForHydration(page);
}

test("on a phone a project's tasks come before its cycles", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page);
  await openDemoProject(page);
  const firstTask = (await page.locator("table[aria-label=Tasks] tbody tr").first().boundingBox())!;
  const firstCycle = (await page.locator("[data-cycle]").first().boundingBox())!;
  expect(firstTask.y).toBeLessThan(firstCycle.y);
  await page.screenshot({ path: "end2end/test-results/project-phone.png", fullPage: true });
  // From `md` up the cycles stay above the list.
  await page.setViewportSize({ width: 1280, height: 800 });
  const wideTask = (await page.locator("table[aria-label=Tasks] tbody tr").first().boundingBox())!;
  const wideCycle = (await page.locator("[data-cycle]").first().boundingBox())!;
  expect(wideCycle.y).toBeLessThan(wideTask.y);
  await context.close();
});

for (const scheme of SCHEMES) {
  test(`a cycle's progress track shows against its card in the ${scheme} scheme`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
    const page = await context.newPage();
    await signIn(page);
    await openDemoProject(page);
    const cycle = page.locator("[data-cycle]").first();
    const { border, width, card } = await cycle.evaluate((card) => {
      const track = card.querySelector("progress")!;
      const style = getComputedStyle(track);
      return {
        border: style.borderTopColor,
        width: parseFloat(style.borderTopWidth),
        card: getComputedStyle(card).backgroundColor,
      };
    });
    // WCAG 1.4.11: a graphical object's boundary at 3:1 against what is
    // around it, whatever the bar holds (0 % included).
    expect(width).toBeGreaterThanOrEqual(1);
    expect(await contrast(page, border, card)).toBeGreaterThanOrEqual(3);
    await cycle.screenshot({ path: `end2end/test-results/cycle-${scheme}.png` });
    await context.close();
  });
}

/** The WCAG contrast ratio of two CSS colours (any syntax the browser
 * reads, `oklch()` included), worked out by painting them. */
async function contrast(page: Page, a: string, b: string): Promise<number> {
  return page.evaluate(
    ([a, b]) => {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 1;
      const context = canvas.getContext("2d")!;
      const luminance = (color: string) => {
        context.clearRect(0, 0, 1, 1);
        context.fillStyle = color;
        context.fillRect(0, 0, 1, 1);
        const [r, g, bl] = Array.from(context.getImageData(0, 0, 1, 1).data).map((v) => {
          const c = v / 255;
          return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
      };
      const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    },
    [a, b],
  );
}
