import { expect, test } from "@playwright/test";

import { mailedLink, newPerson, promoteToPlatformAdmin, signUp } from "./helpers";

test("a platform admin sees the background jobs: the hourly maintenance and account mail", async ({ page }) => {
  const root = newPerson("jobs");
  await signUp(page, root);
  // The sign-up's verification mail went out through a job.
  await mailedLink(root.email, /\/verify-email\?token=[0-9a-f]{64}/);
  promoteToPlatformAdmin(root.email);

  await page.goto("/admin");
  await page.getByRole("navigation", { name: "Platform admin" }).getByRole("link", { name: "Jobs" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Background jobs" })).toBeVisible();
  const jobs = page.getByRole("table", { name: "Jobs" });
  // One an hour: a run that crosses the hour has two.
  const maintenance = jobs.getByRole("row").filter({ hasText: "maintenance" }).last();
  await expect(maintenance).toContainText("Done");
  await expect(maintenance).toContainText("8 of 8");
  await expect(jobs.getByRole("row").filter({ hasText: "mail" }).first()).toContainText("Done");
  await page.screenshot({ path: "end2end/test-results/admin-jobs.png", fullPage: true });
});
