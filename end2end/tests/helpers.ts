import { expect, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

let counter = 0;

/** A person nobody has used yet in this run. */
export function newPerson(label = "ada") {
  const id = `${Date.now().toString(36)}${process.pid.toString(36)}${(counter++).toString(36)}`;
  return {
    name: `${label[0].toUpperCase()}${label.slice(1)} Tester`,
    email: `${label}.${id}@example.com`,
    password: `quiet otter lamp ${id} harbor`,
    organization: `${label[0].toUpperCase()}${label.slice(1)} Works ${id}`,
  };
}

export type Person = ReturnType<typeof newPerson>;

/** Waits until the browser app has hydrated the server-rendered page. The
 * debug bundle is some 20 MB of WebAssembly that Chromium compiles on the
 * first page of each worker: on a busy 2-core machine that alone can pass
 * the default 10 s. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
}

/** Fills and submits the sign-up form. */
export async function fillSignup(page: Page, person: Person) {
  await page.getByLabel("Your name").fill(person.name);
  await page.getByLabel("Work email").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByLabel("Organization name").fill(person.organization);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Signs up through the UI and waits for the new organization's dashboard. */
export async function signUp(page: Page, person: Person) {
  await page.goto("/signup");
  await waitForHydration(page);
  await fillSignup(page, person);
  await expect(page).toHaveURL(/\/o\/[a-z0-9-]+$/);
  await expect(page.getByRole("heading", { level: 1, name: person.organization })).toBeVisible();
  return new URL(page.url()).pathname;
}

/** The account menu's button (a `<summary>` named by its text: the
 * initials, then "account menu for" and the person's name). */
export function accountMenu(page: Page, name?: string) {
  return page.locator("summary", { hasText: name ? `account menu for ${name}` : "account menu for" });
}

/** Signs out through the account menu. */
export async function signOut(page: Page, person: Person) {
  await accountMenu(page, person.name).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/** Creates a project from the projects page and opens it. */
export async function createProject(page: Page, orgPath: string, name: string, description = "") {
  await page.goto(`${orgPath}/projects`);
  await waitForHydration(page);
  await page.getByLabel("Project name").fill(name);
  await page.getByLabel("Description").fill(description);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await waitForHydration(page);
  return new URL(page.url()).pathname;
}

/** Adds a task with the quick-add line and waits for its row. */
export async function addTask(page: Page, title: string) {
  await page.getByLabel("New task title").fill(title);
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByRole("link", { name: title, exact: true })).toBeVisible();
}

/** The titles of the task rows, in order (links, or plain text in the trash). */
export async function taskTitles(page: Page) {
  const cells = await page.locator("table[aria-label=Tasks] tbody tr td:nth-child(3)").allTextContents();
  return cells.map((title) => title.trim());
}

/** The newest link matching `pattern` in the messages to `email`, read
 * from the app's mail folder; waits for it to be written (account mail is
 * sent in the background). */
export async function mailedLink(email: string, pattern: RegExp): Promise<string> {
  const dir = process.env.E2E_MAIL_DIR;
  if (!dir) throw new Error("E2E_MAIL_DIR is not set (see playwright.config.ts)");
  let link: string | undefined;
  await expect(async () => {
    const mails = fs
      .readdirSync(dir)
      .filter((name) => name.endsWith(".eml"))
      .map((name) => path.join(dir, name))
      .map((file) => ({
        file,
        // Quoted-printable: soft line breaks, and `=` itself.
        text: fs.readFileSync(file, "utf8").replace(/=\r\n/g, "").replace(/=3D/g, "="),
        at: fs.statSync(file).mtimeMs,
      }))
      .filter(({ text }) => text.split("\n").some((line) => line.startsWith("To: ") && line.includes(email)))
      .filter(({ text }) => pattern.test(text))
      .sort((a, b) => a.at - b.at);
    const match = mails.at(-1)?.text.match(pattern);
    expect(match).toBeTruthy();
    link = match![0];
  }).toPass({ timeout: 10_000 });
  return link!;
}

/** Invites `email` as `role` from the members page, and waits for the
 * pending invitation's row. */
export async function invite(page: Page, orgPath: string, email: string, role: string) {
  await page.goto(`${orgPath}/members`);
  await waitForHydration(page);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByRole("row", { name: new RegExp(email) })).toBeVisible();
}

/** The invitation link (`/invite/...`) of the newest invitation to `email`. */
export async function invitationLink(email: string): Promise<string> {
  return mailedLink(email, /\/invite\/[0-9a-f]{64}/);
}

/** Makes `email` (signed up already) a platform admin with the app's own
 * command, `atrium promote-admin`, on the test run's database. */
export function promoteToPlatformAdmin(email: string) {
  const repoRoot = path.resolve(__dirname, "../..");
  const bin = process.env.E2E_SERVER_BIN ?? path.join(repoRoot, "target/debug/atrium");
  execFileSync(bin, ["promote-admin", "--email", email], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, RUST_LOG: "warn" },
    stdio: "pipe",
  });
}
