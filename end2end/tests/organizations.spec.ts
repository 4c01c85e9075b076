import { expect, test } from "@playwright/test";
import { newPerson, signUp, waitForHydration } from "./helpers";

test("a person creates a second organization and switches between them", async ({ page }) => {
  const ada = newPerson("ada");
  const firstPath = await signUp(page, ada);
  const second = newPerson("bea").organization;

  await page.getByLabel(`Organization: ${ada.organization}. Switch organization`).click();
  await page.getByRole("link", { name: "New organization" }).click();
  await expect(page).toHaveURL(/\/organizations\/new$/);
  await waitForHydration(page);
  // An empty name is refused next to the field, and nothing is created.
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.locator("#field-name-error")).not.toBeEmpty();
  await page.getByLabel("Organization name").fill(second);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByRole("heading", { level: 1, name: second })).toBeVisible();
  await expect(page.getByText("Your role: Owner")).toBeVisible();

  // The switcher lists both; `/` returns to the one opened last.
  await page.getByLabel(`Organization: ${second}. Switch organization`).click();
  await page.getByRole("navigation", { name: "Your organizations" }).getByRole("link", { name: ada.organization }).click();
  await expect(page).toHaveURL(new RegExp(`${firstPath}$`));
  await expect(page.getByRole("heading", { level: 1, name: ada.organization })).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(new RegExp(`${firstPath}$`));
});
