import { expect, test } from "@playwright/test";
import { addTask, createProject, fillSignup, newPerson, signUp, taskTitles } from "./helpers";

test("each action says what it did in a toast, with Undo where it can be reversed", async ({ page }) => {
  const orgPath = await signUp(page, newPerson("toast"));
  await createProject(page, orgPath, "Toasts");
  const toasts = page.getByRole("region", { name: "Notifications" });

  await addTask(page, "Write the brief");
  await expect(page.getByText("Added “Write the brief”.")).toBeVisible();
  await addTask(page, "Book the venue");

  // Complete, then Undo: the task is open again.
  await page.getByRole("button", { name: "Complete Write the brief" }).click();
  await expect(page.getByText("Completed “Write the brief”.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Write the brief" })).toHaveCount(0);
  await page.screenshot({ path: "end2end/test-results/toast.png" });
  await page
    .locator(".toast")
    .filter({ hasText: "Completed “Write the brief”." })
    .getByRole("button", { name: "Undo" })
    .click();
  await expect(page.getByText("Reopened “Write the brief”.")).toBeVisible();
  await expect.poll(() => taskTitles(page)).toEqual(["Book the venue", "Write the brief"]);

  // Trash two, then Undo: both come back.
  await page.getByRole("checkbox", { name: "Select Book the venue" }).check();
  await page.getByRole("checkbox", { name: "Select Write the brief" }).check();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page.getByText("Moved 2 tasks to the trash.")).toBeVisible();
  await expect(page.getByText("No open tasks.")).toBeVisible();
  await page.locator(".toast").filter({ hasText: "Moved 2 tasks to the trash." }).getByRole("button", { name: "Undo" }).click();
  await expect(page.getByText("Restored 2 tasks.")).toBeVisible();
  await expect.poll(() => taskTitles(page)).toEqual(["Book the venue", "Write the brief"]);
  await expect(toasts).toBeVisible();

  // Emptying the trash asks in a dialog that holds the focus and gives it
  // back; Escape cancels.
  await page.getByRole("checkbox", { name: "Select Book the venue" }).check();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("navigation", { name: "Task status" }).getByRole("link", { name: "Trash" }).click();
  await expect.poll(() => taskTitles(page)).toEqual(["Book the venue"]);
  const empty = page.getByRole("button", { name: "Empty trash" });
  await empty.click();
  const dialog = page.getByRole("dialog", { name: /^Delete every task in the trash for good\?/ });
  await expect(dialog).toBeVisible();
  // What has the focus, and whether it is inside the open dialog.
  const focused = () =>
    page.evaluate(() => [document.activeElement?.textContent?.trim(), !!document.activeElement?.closest("dialog[open]")]);
  await expect.poll(focused).toEqual(["Cancel", true]);
  await page.keyboard.press("Tab");
  await expect.poll(focused).toEqual(["Empty trash", true]);
  // The page behind is inert: Tab never reaches it (past the last button
  // it goes to the browser's own controls, then back to the dialog).
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press("Tab");
    const outside = await page.evaluate(() => {
      const active = document.activeElement;
      return !!active && active !== document.body && !active.closest("dialog[open]");
    });
    expect(outside).toBe(false);
  }
  await page.screenshot({ path: "end2end/test-results/confirm-dialog.png" });
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  // Focus is back on the button that opened it.
  await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Empty trash");
  expect(await page.evaluate(() => !!document.activeElement?.closest("dialog"))).toBe(false);
  await expect.poll(() => taskTitles(page)).toEqual(["Book the venue"]);
  await empty.click();
  await dialog.getByRole("button", { name: "Empty trash" }).click();
  await expect(page.getByText("The trash is empty.")).toBeVisible();
});

test("filters show as chips that remove them, and a list is saved as a view", async ({ page }) => {
  const orgPath = await signUp(page, newPerson("views"));
  const projectPath = await createProject(page, orgPath, "Views");
  await addTask(page, "Plain task");
  await addTask(page, "Urgent task");
  await page.getByRole("link", { name: "Urgent task" }).click();
  const panel = page.getByRole("complementary", { name: "Task details" });
  await panel.getByLabel("Priority").selectOption("urgent");
  await panel.getByRole("button", { name: "Save" }).click();
  await panel.getByRole("link", { name: "Close task details" }).click();

  // Only the search shows until the button opens the rest.
  await expect(page.locator("#filter-priority")).toBeHidden();
  await page.getByText("Filters and sorting").click();
  await page.locator("#filter-priority").selectOption("urgent");
  await page.getByRole("button", { name: "Apply" }).last().click();
  await expect(page).toHaveURL(/priority=urgent/);
  await expect.poll(() => taskTitles(page)).toEqual(["Urgent task"]);
  const chips = page.getByRole("list", { name: "Active filters" });
  await expect(chips.getByRole("link", { name: "Remove filter Priority: Urgent" })).toBeVisible();

  // Saved, shared with the organization.
  await page.getByText("Save view").click();
  await page.getByLabel("Name of this list").fill("Fires");
  await page.getByLabel("Share with the organization").check();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Saved the view “Fires”.")).toBeVisible();
  const views = page.getByRole("navigation", { name: "Saved views" });
  await expect(views.getByRole("link", { name: "Fires" })).toHaveAttribute("aria-current", "page");

  // The chip removes its filter; the view brings it back.
  await chips.getByRole("link", { name: "Remove filter Priority: Urgent" }).click();
  await expect(page).not.toHaveURL(/priority=/);
  await expect.poll(() => taskTitles(page)).toEqual(["Urgent task", "Plain task"]);
  await expect(page.getByRole("list", { name: "Active filters" })).toHaveCount(0);
  await views.getByRole("link", { name: "Fires" }).click();
  await expect(page).toHaveURL(new RegExp(`${projectPath}\\?priority=urgent$`));
  await expect.poll(() => taskTitles(page)).toEqual(["Urgent task"]);
  await page.screenshot({ path: "end2end/test-results/saved-view.png" });

  // A name is required, said next to the field.
  await page.getByText("Save view").click();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.locator("#view-name-error")).toHaveText("Enter a name for the view.");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the same messages arrive as a flash on the next page", async ({ page }) => {
    const person = newPerson("flash");
    await page.goto("/signup");
    await fillSignup(page, person);
    await expect(page).toHaveURL(/\/o\/flash-works-[a-z0-9]+$/);
    const orgPath = new URL(page.url()).pathname;
    await page.goto(`${orgPath}/projects`);
    await page.getByLabel("Project name").fill("Plain");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("link", { name: "Plain" }).click();

    await page.getByLabel("New task title").fill("Sent without scripts");
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Added “Sent without scripts”." })).toBeVisible();
    await page.getByRole("button", { name: "Complete Sent without scripts" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Completed “Sent without scripts”." })).toBeVisible();
    // Once: a reload does not repeat it.
    await page.reload();
    await expect(page.getByText("Completed “Sent without scripts”.")).toHaveCount(0);
  });
});
