import { expect, test } from "@playwright/test";
import { fillSignup, newPerson, signOut, signUp, waitForHydration } from "./helpers";

test("signing up creates the organization and opens its dashboard", async ({ page }) => {
  const person = newPerson();
  const orgPath = await signUp(page, person);

  await expect(page.getByText("Your role: Owner")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Dashboard" }))
    .toHaveAttribute("aria-current", "page");
  await expect(page.getByLabel(/^Organization: /)).toContainText(person.organization);

  // The slug is derived from the organization's name.
  expect(orgPath).toMatch(/^\/o\/ada-works-[a-z0-9]+$/);
});

test("a person signs out, fails with a wrong password, then signs in again", async ({ page }) => {
  const person = newPerson("grace");
  const orgPath = await signUp(page, person);
  await signOut(page, person);

  // Signed out, the dashboard is no longer reachable.
  await page.goto(orgPath);
  await expect(page).toHaveURL(/\/login\?next=/);

  await waitForHydration(page);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill("not the right password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Incorrect email or password.");
  // Nothing typed is lost.
  await expect(page.getByLabel("Email")).toHaveValue(person.email);

  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // `next` brings the person back to the page they asked for.
  await expect(page).toHaveURL(new RegExp(`${orgPath}$`));
  await expect(page.getByRole("heading", { level: 1, name: person.organization })).toBeVisible();
});

test("the show-password toggle works once the page is hydrated", async ({ page }) => {
  const cspViolations: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") cspViolations.push(message.text());
  });

  await page.goto("/login");
  await waitForHydration(page);
  const password = page.getByLabel("Password", { exact: true });
  await password.fill("hunter2 hunter2");
  await expect(password).toHaveAttribute("type", "password");

  await page.getByRole("button", { name: "Show password" }).click();
  await expect(password).toHaveAttribute("type", "text");
  await expect(page.getByRole("button", { name: "Hide password" })).toHaveAttribute("aria-pressed", "true");
  await page.getByRole("button", { name: "Hide password" }).click();
  await expect(password).toHaveAttribute("type", "password");

  // Hydration ran under the Content-Security-Policy without a violation.
  expect(cspViolations).toEqual([]);
});

test("another person's organization answers 404", async ({ browser }) => {
  const owner = await browser.newContext();
  const ownerPage = await owner.newPage();
  const orgPath = await signUp(ownerPage, newPerson("owner"));

  const stranger = await browser.newContext();
  const strangerPage = await stranger.newPage();
  await signUp(strangerPage, newPerson("stranger"));

  const response = await strangerPage.goto(orgPath);
  expect(response?.status()).toBe(404);
  await expect(strangerPage.getByRole("heading", { name: "Page not found" })).toBeVisible();

  await owner.close();
  await stranger.close();
});

test("sign-up errors appear next to their fields and keep what was typed", async ({ page }) => {
  const first = newPerson("lin");
  await signUp(page, first);
  await signOut(page, first);

  const second = { ...newPerson("lin"), email: first.email.toUpperCase() };
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Password", { exact: true }).fill("short");
  await fillSignup(page, { ...second, password: "password1234" });

  const email = page.getByLabel("Work email");
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#field-email-error")).toHaveText(/already exists/);
  await expect(page.locator("#field-password-error")).not.toBeEmpty();
  await expect(page.getByLabel("Your name")).toHaveValue(second.name);
  await expect(page.getByLabel("Organization name")).toHaveValue(second.organization);
  await expect(page).toHaveURL(/\/signup$/);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-up form still works, shows field errors and keeps what was typed", async ({ page }) => {
    const person = newPerson("nojs");
    await page.goto("/signup");
    await fillSignup(page, { ...person, email: "not-an-email" });
    await expect(page.locator("#field-email-error")).toHaveText(/valid email/);
    await expect(page.getByLabel("Your name")).toHaveValue(person.name);
    await expect(page.getByLabel("Work email")).toHaveValue("not-an-email");
    await expect(page.getByLabel("Organization name")).toHaveValue(person.organization);
    await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");

    await fillSignup(page, person);
    await expect(page).toHaveURL(/\/o\/nojs-works-[a-z0-9]+$/);
    await expect(page.getByRole("heading", { level: 1, name: person.organization })).toBeVisible();
  });

  test("signing in returns to the page asked for, and projects and tasks are created", async ({ browser, page }) => {
    const person = newPerson("plain");
    await page.goto("/signup");
    await fillSignup(page, person);
    await expect(page).toHaveURL(/\/o\/plain-works-[a-z0-9]+$/);
    const orgPath = new URL(page.url()).pathname;

    const other = await browser.newContext({ javaScriptEnabled: false });
    const later = await other.newPage();
    await later.goto(`${orgPath}/projects`);
    await expect(later).toHaveURL(/\/login\?next=/);
    await later.getByLabel("Email").fill(person.email);
    await later.getByLabel("Password", { exact: true }).fill(person.password);
    await later.getByRole("button", { name: "Sign in" }).click();
    await expect(later).toHaveURL(new RegExp(`${orgPath}/projects$`));

    await later.getByLabel("Project name").fill("Plain HTML");
    await later.getByRole("button", { name: "Create project" }).click();
    await later.getByRole("link", { name: "Plain HTML" }).click();
    await expect(later.getByRole("heading", { level: 1, name: "Plain HTML" })).toBeVisible();
    await later.getByLabel("New task title").fill("Works without scripts");
    await later.getByRole("button", { name: "Add task" }).click();
    await expect(later.getByRole("link", { name: "Works without scripts", exact: true })).toBeVisible();
    await other.close();
  });
});
