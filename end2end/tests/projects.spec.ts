import { expect, test } from "@playwright/test";
import fs from "node:fs";
import { addTask, createProject, newPerson, signUp, taskTitles, waitForHydration } from "./helpers";

test("a week of work: tasks are added, completed, filtered, trashed, restored and exported", async ({ page }) => {
  const orgPath = await signUp(page, newPerson("week"));
  await createProject(page, orgPath, "Website launch", "The new marketing site");

  for (const title of ["Write copy", "Design hero", "Set up DNS"]) await addTask(page, title);
  expect(await taskTitles(page)).toEqual(["Set up DNS", "Design hero", "Write copy"]);

  // One click completes a task; the open list no longer shows it.
  await page.getByRole("button", { name: "Complete Design hero" }).click();
  await expect(page.getByRole("link", { name: "Design hero" })).toHaveCount(0);

  // Filter done: the URL says so, and only the completed task shows.
  await page.getByRole("navigation", { name: "Task status" }).getByRole("link", { name: "Done" }).click();
  await expect(page).toHaveURL(/status=done/);
  await expect.poll(() => taskTitles(page)).toEqual(["Design hero"]);
  await page.goBack();
  await expect.poll(() => taskTitles(page)).toEqual(["Set up DNS", "Write copy"]);

  // Bulk-delete the two open tasks: they go to the trash, recoverable, so
  // nothing asks first.
  const statusTabs = page.getByRole("navigation", { name: "Task status" });
  await page.getByRole("checkbox", { name: "Select Set up DNS" }).check();
  await page.getByRole("checkbox", { name: "Select Write copy" }).check();
  await expect(page.getByText("2 selected")).toBeVisible();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page.getByText("No open tasks.")).toBeVisible();

  // The trash holds them: one comes back, the other is deleted for good.
  await statusTabs.getByRole("link", { name: "Trash" }).click();
  await expect.poll(() => taskTitles(page)).toEqual(["Set up DNS", "Write copy"]);
  await page.getByRole("checkbox", { name: "Select Write copy" }).check();
  await page.getByRole("button", { name: "Restore" }).click();
  await expect.poll(() => taskTitles(page)).toEqual(["Set up DNS"]);
  await page.getByRole("checkbox", { name: "Select Set up DNS" }).check();
  // Deleting for good asks first, in a dialog.
  await page.getByRole("button", { name: "Delete forever" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete 1 selected task for good? This cannot be undone." });
  await dialog.getByRole("button", { name: "Delete forever" }).click();
  await expect(page.getByText("The trash is empty.")).toBeVisible();

  // Export everything (status=all): the completed task and the restored one.
  await statusTabs.getByRole("link", { name: "All" }).click();
  await expect.poll(() => taskTitles(page)).toEqual(["Design hero", "Write copy"]);
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe("website-launch-tasks.csv");
  const csv = fs.readFileSync(await download.path(), "utf8").trim().split("\r\n");
  expect(csv[0]).toBe("id,title,status,priority,due_on,assignee,labels,cycle,created_at,completed_at,description");
  expect(csv).toHaveLength(3);
  expect(csv[1]).toContain(",Design hero,done,none,");
  expect(csv[2]).toContain(",Write copy,open,none,");
});

test("keyboard: j/k move, x selects, Enter and e open the task, c adds, ? helps", async ({ page }) => {
  const orgPath = await signUp(page, newPerson("keys"));
  await createProject(page, orgPath, "Keyboard project");
  for (const title of ["First", "Second", "Third"]) await addTask(page, title);
  await page.locator("body").click({ position: { x: 5, y: 5 } });

  await page.keyboard.press("j");
  await expect(page.locator("tr[data-cursor=true]")).toContainText("Third");
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await expect(page.locator("tr[data-cursor=true]")).toContainText("Second");
  await page.keyboard.press("x");
  await expect(page.getByRole("checkbox", { name: "Select Second" })).toBeChecked();
  await expect(page.getByText("1 selected")).toBeVisible();

  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/task=/);
  const panel = page.getByRole("complementary", { name: "Task details" });
  await expect(panel.getByLabel("Title")).toHaveValue("Second");
  await page.keyboard.press("Escape");
  await expect(page).not.toHaveURL(/task=/);

  await page.keyboard.press("e");
  await expect(panel.getByLabel("Title")).toBeFocused();
  await panel.getByLabel("Title").press("Escape");
  await page.keyboard.press("Escape");

  await page.keyboard.press("c");
  await expect(page.getByLabel("New task title")).toBeFocused();
  await page.keyboard.type("Typed with c");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("link", { name: "Typed with c" })).toBeVisible();

  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toHaveCount(0);
});

test("Ctrl+K jumps to a project by name", async ({ page }) => {
  const orgPath = await signUp(page, newPerson("palette"));
  await createProject(page, orgPath, "Alpha rocket");
  await createProject(page, orgPath, "Beta lander");
  await page.goto(orgPath);
  await waitForHydration(page);

  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog", { name: "Jump to a project" });
  await expect(palette).toBeVisible();
  await palette.getByLabel("Project name").fill("lander");
  await expect(palette.getByRole("option")).toHaveCount(1);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Beta lander" })).toBeVisible();
});

test("the task panel edits every field, and cycles show their progress", async ({ page }) => {
  const orgPath = await signUp(page, newPerson("panel"));
  // A label to put on the task.
  await page.goto(`${orgPath}/projects`);
  await waitForHydration(page);
  await page.getByLabel("Label name").fill("frontend");
  await page.getByLabel("Colour").selectOption("teal");
  await page.getByRole("button", { name: "Add label" }).click();
  await expect(page.getByRole("button", { name: "Delete label frontend" })).toBeVisible();

  await createProject(page, orgPath, "Panel project");
  await page.getByText("New cycle").click();
  await page.getByLabel("Cycle name").fill("Sprint 1");
  await page.getByLabel("Starts on").fill("2026-11-16");
  await page.getByLabel("Ends on").fill("2026-11-29");
  await page.getByRole("button", { name: "Add cycle" }).click();
  await expect(page.getByTestId("cycle-progress")).toHaveText("0 / 0 done (0%)");

  await addTask(page, "Build the header");
  await page.getByRole("link", { name: "Build the header" }).click();
  const panel = page.getByRole("complementary", { name: "Task details" });
  await panel.getByLabel("Title").fill("Build the header and nav");
  await panel.getByLabel("Description").fill("Sticky on scroll.");
  await panel.getByLabel("Priority").selectOption("high");
  await panel.getByLabel("Due date").fill("2026-11-20");
  await panel.getByLabel("Assignee").selectOption({ label: "Panel Tester" });
  await panel.getByLabel("Cycle").selectOption({ label: "Sprint 1" });
  await panel.getByLabel("frontend").check();
  await panel.getByRole("button", { name: "Save task" }).click();

  const row = page.locator("tr", { hasText: "Build the header and nav" });
  await expect(row.getByLabel(/Priority of/)).toHaveValue("high");
  await expect(row.getByText("frontend")).toBeVisible();
  await expect(row).toContainText("2026-11-20");
  await expect(page.getByTestId("cycle-progress")).toHaveText("0 / 1 done (0%)");

  await row.getByRole("button", { name: /^Complete / }).click();
  await expect(page.getByTestId("cycle-progress")).toHaveText("1 / 1 done (100%)");

  // A blank title is refused next to the field, and nothing typed is lost.
  await page.getByRole("navigation", { name: "Task status" }).getByRole("link", { name: "All" }).click();
  await page.getByRole("link", { name: "Build the header and nav" }).click();
  await panel.getByLabel("Title").fill("   ");
  await panel.getByLabel("Description").fill("Kept while the title is fixed.");
  await panel.getByRole("button", { name: "Save task" }).click();
  await expect(panel.locator("#task-title-error")).toHaveText("Enter a title.");
  await expect(panel.getByLabel("Description")).toHaveValue("Kept while the title is fixed.");
});

test("inline edits change one field of a task in place", async ({ page }) => {
  const orgPath = await signUp(page, newPerson("inline"));
  await createProject(page, orgPath, "Inline project");
  await addTask(page, "Tune the engine");
  const row = page.locator("tr", { hasText: "Tune the engine" });
  // Each change saves on its own; wait for each save before reloading.
  const saved = () => page.waitForResponse((r) => r.url().endsWith("/api/patch_task") && r.ok());
  await Promise.all([saved(), row.getByLabel("Priority of Tune the engine").selectOption("urgent")]);
  await Promise.all([saved(), row.getByLabel("Assignee of Tune the engine").selectOption({ label: "Inline Tester" })]);
  await page.reload();
  await expect(row.getByLabel("Priority of Tune the engine")).toHaveValue("urgent");
  await expect(row.getByLabel("Assignee of Tune the engine")).toHaveText(/Inline Tester/);

  // The dashboard lists it as mine.
  await page.goto(orgPath);
  await expect(page.getByRole("region", { name: "Assigned to me" }).getByRole("link", { name: "Tune the engine" })).toBeVisible();
  await expect(page.getByTestId("weekly-chart")).toBeVisible();
});

test("projects are renamed, archived, trashed and restored", async ({ page }) => {
  const orgPath = await signUp(page, newPerson("life"));
  await createProject(page, orgPath, "Old name");
  await page.goto(`${orgPath}/projects`);
  await waitForHydration(page);

  // Duplicate names are refused next to the field.
  await page.getByLabel("Project name").fill("old NAME");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.locator("#new-project-name-error")).toHaveText("A project with this name already exists.");
  await expect(page.getByLabel("Project name")).toHaveValue("old NAME");

  await page.getByRole("button", { name: "Edit" }).click();
  await page.getByRole("textbox", { name: "Project name" }).last().fill("New name");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("link", { name: "New name" })).toBeVisible();

  await page.getByRole("button", { name: "Archive" }).click();
  await expect(page.getByText("No projects yet.")).toBeVisible();
  // The toast offers to take it back.
  const archived = page.locator(".toast").filter({ hasText: "Archived “New name”." });
  await archived.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("link", { name: "New name" })).toBeVisible();
  await page.getByRole("button", { name: "Archive" }).click();
  await expect(page.getByText("No projects yet.")).toBeVisible();
  await page.getByRole("link", { name: "Archived" }).click();
  await expect(page.getByRole("link", { name: "New name" })).toBeVisible();
  await page.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("link", { name: "Trash" }).click();
  await expect(page.locator("table").getByText("New name")).toBeVisible();
  await page.getByRole("button", { name: "Restore" }).click();
  await expect(page.getByText("The trash is empty.")).toBeVisible();
  await page.getByRole("link", { name: "Archived" }).click();
  await expect(page.getByRole("link", { name: "New name" })).toBeVisible();
});
