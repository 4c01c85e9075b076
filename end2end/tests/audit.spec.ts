import { expect, test } from "@playwright/test";
import fs from "node:fs";
import { createProject, newPerson, signUp, waitForHydration } from "./helpers";

test("the audit log shows what was done, filtered by event", async ({ page }) => {
  const ada = newPerson("ada");
  const orgPath = await signUp(page, ada);
  await createProject(page, orgPath, "Website");

  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
  await waitForHydration(page);
  const rows = page.getByRole("row");
  await expect(rows.nth(1)).toContainText("Project created");
  await expect(rows.nth(1)).toContainText("name: Website");
  await expect(rows.nth(1)).toContainText(ada.email);
  await expect(rows.nth(2)).toContainText("Signed up");

  await page.getByLabel("Event").selectOption("user.signed_up");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=user\.signed_up/);
  await expect(page.getByRole("row")).toHaveCount(2);
  await expect(page.getByRole("row").nth(1)).toContainText("Signed up");

  // The filtered log downloads as CSV.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/-audit\.csv$/);
  const csv = fs.readFileSync((await file.path())!, "utf8").trim().split("\r\n");
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain("user.signed_up");

  // A date range that ends before it starts is refused, and says so.
  await page.getByLabel("From").fill("2026-02-02");
  await page.getByLabel("To").fill("2026-02-01");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("alert")).toContainText("The end date is before the start date.");
});
