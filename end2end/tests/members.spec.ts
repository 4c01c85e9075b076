import { expect, test } from "@playwright/test";
import { newPerson, signUp, waitForHydration } from "./helpers";

test("the members page lists the team and keeps the last owner", async ({ page }) => {
  const ada = newPerson("ada");
  const orgPath = await signUp(page, ada);

  await page.getByRole("link", { name: "Members" }).click();
  await expect(page).toHaveURL(new RegExp(`${orgPath}/members$`));
  await expect(page.getByRole("heading", { level: 1, name: "Members" })).toBeVisible();
  await waitForHydration(page);
  const row = page.getByRole("row", { name: new RegExp(ada.name) });
  await expect(row).toContainText(ada.email);
  await expect(row).toContainText("(you)");

  // Search narrows the list, and says so when nothing matches.
  await page.getByLabel("Search members").fill("nobody by this name");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No members match this search.")).toBeVisible();
  await page.getByLabel("Search members").fill(ada.email.toUpperCase());
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("row", { name: new RegExp(ada.name) })).toBeVisible();

  // The only Owner cannot step down or leave: the page says why, and
  // nothing changes.
  await page.getByLabel(`Role of ${ada.name}`, { exact: true }).selectOption("admin");
  await page.getByRole("button", { name: `Change the role of ${ada.name}` }).click();
  await expect(page.getByRole("alert")).toContainText("at least one Owner");
  await page.getByText("Leave…").click();
  await page.getByRole("button", { name: "Yes, leave this organization" }).click();
  await expect(page.getByRole("alert").last()).toContainText("at least one Owner");
  await page.reload();
  await expect(page.getByLabel(`Role of ${ada.name}`, { exact: true })).toHaveValue("owner");
});
