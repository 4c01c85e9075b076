import { expect, test, type Page } from "@playwright/test";

import { accountMenu, mailedLink, newPerson, signOut, signUp, waitForHydration } from "./helpers";

// Every form with a strength meter, sent the moment its password is filled
// in (as a password manager does), before the meter's 300 ms wait ends:
// the page must not fail (a panic kills the app's script until a reload),
// and the app must still work after.

/** Collects the page's uncaught errors (a Rust panic shows as one). */
function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

/** Long enough for a pending meter wait and its answer to have ended. */
async function settle(page: Page) {
  await page.waitForTimeout(1_500);
}

/** The app still runs: the router follows a link to the account page
 * and the meter there judges what is typed. */
async function expectAppWorks(page: Page, name: string) {
  await accountMenu(page, name).click();
  await page.getByRole("link", { name: "Your account" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await waitForHydration(page);
  await page.getByLabel("New password", { exact: true }).fill(`amber falcon ${Date.now()} meadow`);
  await expect(page.getByTestId("password-strength")).toContainText("Strength:");
}

test("sign-up sent at once with its password does not break the page", async ({ page }) => {
  const errors = pageErrors(page);
  const person = newPerson("rush");
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Your name").fill(person.name);
  await page.getByLabel("Work email").fill(person.email);
  await page.getByLabel("Organization name").fill(person.organization);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { level: 1, name: person.organization })).toBeVisible();
  await settle(page);
  await expect(page.getByRole("alert").filter({ hasText: "stopped responding" })).toHaveCount(0);
  expect(errors).toEqual([]);
  await expectAppWorks(page, person.name);
  expect(errors).toEqual([]);
});

test("a password reset sent at once does not break the page", async ({ page }) => {
  const errors = pageErrors(page);
  const person = newPerson("rushreset");
  await signUp(page, person);
  await signOut(page, person);
  await page.goto("/forgot-password");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(person.email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toContainText("we have sent it a link");
  await page.goto(await mailedLink(person.email, /\/reset-password\?token=[0-9a-f]{64}/));
  await waitForHydration(page);
  const fresh = `violet heron copper ${Date.now()} lantern`;
  await page.getByLabel("New password", { exact: true }).fill(fresh);
  await page.getByRole("button", { name: "Set the password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await settle(page);
  expect(errors).toEqual([]);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(fresh);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: person.organization })).toBeVisible();
  await expectAppWorks(page, person.name);
  expect(errors).toEqual([]);
});

test("a password change sent at once does not break the page", async ({ page }) => {
  const errors = pageErrors(page);
  const person = newPerson("rushchange");
  await signUp(page, person);
  await page.goto("/account");
  await waitForHydration(page);
  await page.getByLabel("Current password", { exact: true }).fill(person.password);
  await page.getByLabel("New password", { exact: true }).fill(`copper lantern ${Date.now()} violet`);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed." })).toBeVisible();
  await settle(page);
  expect(errors).toEqual([]);
  await page.goto(`/`);
  await expect(page.getByRole("heading", { level: 1, name: person.organization })).toBeVisible();
  await waitForHydration(page);
  await expectAppWorks(page, person.name);
  expect(errors).toEqual([]);
});
