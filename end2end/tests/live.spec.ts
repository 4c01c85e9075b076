import { expect, test, type Browser, type Page, type Request } from "@playwright/test";
import { addTask, createProject, invitationLink, invite, newPerson, signUp, waitForHydration } from "./helpers";

// Two people in two browsers through a whole flow.
test.describe.configure({ timeout: 120_000 });

/** How soon another member's change must show on an open page: the
 * stream reads the outbox every half second, and the page reads its data
 * again once told. */
const LIVE = { timeout: 1_000 };

/** Ada's organization with a project and Bo in it as a Member, each in
 * their own browser context. */
async function twoMembers(browser: Browser) {
  const ada = newPerson("ada");
  const bo = newPerson("bo");
  const owner = await (await browser.newContext()).newPage();
  const member = await (await browser.newContext()).newPage();

  const orgPath = await signUp(owner, ada);
  await invite(owner, orgPath, bo.email, "member");
  await member.goto(await invitationLink(bo.email));
  await waitForHydration(member);
  await member.getByLabel("Your name").fill(bo.name);
  await member.getByLabel("Password", { exact: true }).fill(bo.password);
  await member.getByRole("button", { name: "Create account and join" }).click();
  await expect(member).toHaveURL(new RegExp(`${orgPath}$`));
  return { ada, bo, owner, member, orgPath };
}

/** Waits for the server to answer the server function `name`, after `act`. */
async function answered(page: Page, name: string, act: () => Promise<void>) {
  const response = page.waitForResponse((r) => r.url().includes(`/api/${name}`));
  await act();
  expect((await response).ok()).toBe(true);
}

test("a member's open project page and files page follow another member's changes live, without losing what they typed", async ({
  browser,
}) => {
  const { owner, member, orgPath } = await twoMembers(browser);
  await createProject(owner, orgPath, "Later");
  const projectPath = await createProject(owner, orgPath, "Launch");
  for (const title of ["Write the brief", "Book the venue", "Print the posters"]) {
    await addTask(owner, title);
  }

  // Bo has the project open (every task, open or done), has started a
  // task of his own and ticked one.
  await member.goto(`${projectPath}?status=all`);
  await waitForHydration(member);
  await member.getByLabel("New task title").fill("Half-typed by Bo");
  await member.getByRole("checkbox", { name: "Select Write the brief" }).check();

  // Ada renames a task: Bo's list shows the new title.
  await owner.getByRole("link", { name: "Write the brief", exact: true }).click();
  await owner.getByLabel("Title", { exact: true }).fill("Write the launch brief");
  await answered(owner, "update_task", () => owner.getByRole("button", { name: "Save task" }).click());
  await expect(member.getByRole("link", { name: "Write the launch brief", exact: true })).toBeVisible(LIVE);
  // What Bo typed and ticked is still there.
  await expect(member.getByLabel("New task title")).toHaveValue("Half-typed by Bo");
  await expect(member.getByRole("checkbox", { name: "Select Write the launch brief" })).toBeChecked();

  // Ada completes a task.
  await answered(owner, "set_task_done", () =>
    owner.getByRole("button", { name: "Complete Book the venue", exact: true }).click(),
  );
  await expect(member.getByRole("button", { name: "Reopen Book the venue", exact: true })).toBeVisible(LIVE);

  // Ada moves a task to the other project: it leaves Bo's list.
  await owner.getByRole("checkbox", { name: "Select Print the posters" }).check();
  await owner.getByLabel("Move selected to").selectOption({ label: "Later" });
  await answered(owner, "bulk_update_tasks", () => owner.getByRole("button", { name: "Move", exact: true }).click());
  await expect(member.getByRole("link", { name: "Print the posters", exact: true })).toHaveCount(0, LIVE);
  await expect(member.getByLabel("New task title")).toHaveValue("Half-typed by Bo");

  // Bo is editing a task's description when Ada changes its title: his
  // text stays, the panel says what happened, and he can take theirs.
  await member.getByRole("link", { name: "Write the launch brief", exact: true }).click();
  await expect(member.getByLabel("Title", { exact: true })).toHaveValue("Write the launch brief");
  await member.getByLabel("Description").fill("Bo's notes, not saved yet");
  await owner.getByLabel("Title", { exact: true }).fill("Write the final brief");
  await answered(owner, "update_task", () => owner.getByRole("button", { name: "Save task" }).click());
  const panel = member.getByRole("complementary", { name: "Task details" });
  await expect(panel.getByRole("status")).toContainText("Someone else changed this task", { timeout: 2_000 });
  await expect(member.getByLabel("Description")).toHaveValue("Bo's notes, not saved yet");
  await expect(member.getByLabel("Title", { exact: true })).toHaveValue("Write the launch brief");
  await member.screenshot({ path: "end2end/test-results/live-held.png" });
  // The list beside the panel has the new title already.
  await expect(member.getByRole("link", { name: "Write the final brief", exact: true })).toBeVisible(LIVE);
  await panel.getByRole("button", { name: "discard your edits" }).click();
  await expect(member.getByLabel("Title", { exact: true })).toHaveValue("Write the final brief");
  await expect(member.getByLabel("Description")).toHaveValue("");
  await expect(panel.getByRole("status")).toHaveCount(0);

  // Bo has the project's files open in another tab; Ada uploads one.
  const files = await member.context().newPage();
  await files.goto(`${projectPath}/files`);
  await waitForHydration(files);
  await expect(files.getByText("No files yet.")).toBeVisible();
  await owner.goto(`${projectPath}/files`);
  await waitForHydration(owner);
  await owner.locator("#upload-files").setInputFiles([
    { name: "venue-plan.txt", mimeType: "text/plain", buffer: Buffer.from("Stage left, bar right.\n") },
  ]);
  await owner.getByRole("button", { name: "Upload" }).click();
  await expect(owner.getByRole("list", { name: "Uploads" })).toContainText("Uploaded");
  await expect(files.locator('tr[data-file="venue-plan.txt"]')).toBeVisible(LIVE);

  await member.screenshot({ path: "end2end/test-results/live-member.png", fullPage: true });
});

test("a removed member's open page stops following the organization", async ({ browser }) => {
  const { bo, owner, member, orgPath } = await twoMembers(browser);
  const projectPath = await createProject(owner, orgPath, "Launch");
  await addTask(owner, "Before Bo left");
  // Bo's change streams, as the server answered them.
  const isStream = (url: string) => new URL(url).pathname === `${orgPath}/events`;
  const streams: { status: number; removed: boolean }[] = [];
  let removed = false;
  member.on("response", (response) => {
    if (isStream(response.url())) streams.push({ status: response.status(), removed });
  });
  await member.goto(projectPath);
  await waitForHydration(member);
  await expect(member.getByRole("link", { name: "Before Bo left", exact: true })).toBeVisible();

  // Still a member: Ada's next task reaches Bo's page.
  await addTask(owner, "While Bo is here");
  await expect(member.getByRole("link", { name: "While Bo is here", exact: true })).toBeVisible(LIVE);

  // Ada removes Bo; what she does next no longer reaches his page.
  await owner.goto(`${orgPath}/members`);
  await waitForHydration(owner);
  await owner.getByText("Remove", { exact: true }).click();
  expect(streams.filter((stream) => stream.status === 200).length).toBeGreaterThan(0);
  // Ended by the server, or closed by the page on the server's word.
  const ended = new Promise<void>((resolve, reject) => {
    const end = (request: Request) => isStream(request.url()) && resolve();
    member.on("requestfinished", end);
    member.on("requestfailed", end);
    setTimeout(() => reject(new Error("Bo's stream was still open 3 s after his removal")), 3_000);
  });
  await answered(owner, "remove_member", () => owner.getByRole("button", { name: `Remove ${bo.name}` }).click());
  removed = true;
  // His open stream ends at once, and is not opened again.
  await ended;
  await owner.goto(projectPath);
  await waitForHydration(owner);
  await addTask(owner, "After Bo left");
  // (Bo's page may show that the project is gone for him, if the news of
  // his removal came before his stream closed; never Ada's new task.)
  await member.waitForTimeout(2_500);
  await expect(member.getByRole("link", { name: "After Bo left", exact: true })).toHaveCount(0);
  expect(streams.filter((stream) => stream.removed && stream.status === 200)).toEqual([]);
});
