import { expect, test } from "@playwright/test";

import { accountMenu, newPerson, promoteToPlatformAdmin, signUp, waitForHydration } from "./helpers";

// Two people in two browsers through a whole flow: longer than one page
// test, so it gets twice the default time on a loaded machine.
test.describe.configure({ timeout: 60_000 });

test("an owner moves and deletes the organization; a platform admin restores, suspends and limits it", async ({
  browser,
}) => {
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  const person = newPerson("owner");
  const oldPath = await signUp(owner, person);
  const id = oldPath.split("-").at(-1)!;

  // Settings: a new name and address; the old address still leads here.
  await owner.getByRole("link", { name: "Settings" }).click();
  await expect(owner.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
  await waitForHydration(owner);
  await owner.getByLabel("Address (slug)").fill("Not A Slug");
  await owner.getByRole("button", { name: "Save" }).click();
  await expect(owner.locator("#field-slug-error")).toContainText("lowercase letters");
  const renamed = `Harbor ${id}`;
  await owner.getByLabel("Organization name").fill(renamed);
  await owner.getByLabel("Address (slug)").fill(`harbor-${id}`);
  await owner.getByRole("button", { name: "Save" }).click();
  await expect(owner).toHaveURL(new RegExp(`/o/harbor-${id}/settings$`));
  await expect(owner.getByLabel("Organization name")).toHaveValue(renamed);
  await owner.goto(`${oldPath}/projects`);
  await expect(owner).toHaveURL(new RegExp(`/o/harbor-${id}/projects$`));

  // Deleting asks for the name.
  await owner.goto(`/o/harbor-${id}/settings`);
  await waitForHydration(owner);
  const confirm = owner.getByLabel("Type the organization's name to confirm");
  await confirm.fill("something else");
  await owner.getByRole("button", { name: "Delete organization" }).click();
  await expect(owner.locator("#field-confirm-error")).toContainText(`Type the organization's name, ${renamed}`);
  await confirm.fill(renamed);
  await owner.getByRole("button", { name: "Delete organization" }).click();
  await expect(owner).toHaveURL(/\/organizations\/new$|\/$/);
  const gone = await owner.goto(`/o/harbor-${id}`);
  expect(gone?.status()).toBe(404);

  // The platform admin finds it and restores it.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const root = newPerson("root");
  await signUp(admin, root);
  promoteToPlatformAdmin(root.email);
  await admin.reload();
  await accountMenu(admin, root.name).click();
  await admin.getByRole("link", { name: "Platform admin" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Organizations" })).toBeVisible();
  await admin.getByLabel("Search by name or address").fill(renamed);
  await admin.getByRole("button", { name: "Search" }).click();
  const row = admin.getByRole("row").filter({ hasText: renamed });
  await expect(row).toContainText("Deleted");
  await waitForHydration(admin);
  await row.getByRole("button", { name: `Restore ${renamed}` }).click();
  await expect(row).toContainText("Active");

  // Suspended: the members read a clear notice and find no way to change anything.
  await row.getByRole("button", { name: `Suspend ${renamed}` }).click();
  await expect(row).toContainText("Suspended");
  await owner.goto(`/o/harbor-${id}/projects`);
  await expect(owner.getByRole("alert")).toContainText(`${renamed} is suspended`);
  await expect(owner.getByRole("button", { name: "Create project" })).toHaveCount(0);

  // A limit of one project, with a clear error beyond it.
  await row.getByText(`Plan and limits of ${renamed}`).click();
  const projects = row.getByLabel("Projects");
  await projects.fill("many");
  await row.getByRole("button", { name: "Save plan" }).click();
  await expect(row.getByText("Enter a whole number from 0 to 1000000")).toBeVisible();
  await projects.fill("1");
  await row.getByRole("button", { name: "Save plan" }).click();
  await expect(row).toContainText("0 / 1");
  await row.getByRole("button", { name: `Reactivate ${renamed}` }).click();
  await expect(row).toContainText("Active");

  await owner.goto(`/o/harbor-${id}/projects`);
  await waitForHydration(owner);
  // One at a time: the form clears itself after a create, so typing the
  // second name before the first answer arrives would lose it.
  await owner.getByLabel("Project name").fill("One");
  await owner.getByRole("button", { name: "Create project" }).click();
  await expect(owner.getByRole("link", { name: "One" })).toBeVisible();
  await expect(owner.getByLabel("Project name")).toHaveValue("");
  await owner.getByLabel("Project name").fill("Two");
  await owner.getByRole("button", { name: "Create project" }).click();
  await expect(owner.getByText("Your organization's plan allows 1 project.")).toBeVisible();
  await expect(owner.getByRole("link", { name: "Two" })).toHaveCount(0);

  // The platform's audit log has it all.
  await admin.getByRole("link", { name: "Audit log" }).first().click();
  await expect(admin.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
  for (const event of ["Plan changed", "Organization suspended", "Organization restored", "Organization deleted"]) {
    await expect(admin.getByRole("cell", { name: event, exact: true }).first()).toBeVisible();
  }
  await admin.screenshot({ path: test.info().outputPath("platform-audit.png"), fullPage: true });
  await admin.goto("/admin");
  await admin.screenshot({ path: test.info().outputPath("platform-tenants.png"), fullPage: true });
  await owner.goto(`/o/harbor-${id}/settings`);
  await owner.screenshot({ path: test.info().outputPath("settings.png"), fullPage: true });
  await ownerContext.close();
  await adminContext.close();
});
