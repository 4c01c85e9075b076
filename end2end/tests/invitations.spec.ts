import { expect, test } from "@playwright/test";
import { invitationLink, invite, newPerson, signUp, waitForHydration } from "./helpers";

// Two people in two browsers through a whole flow: longer than one page
// test, so it gets twice the default time on a loaded machine.
test.describe.configure({ timeout: 60_000 });

test("an admin invites, the invitee joins from the mail, then a role change and a removal reach their open session", async ({
  browser,
}) => {
  const ownerContext = await browser.newContext();
  const inviteeContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  const invitee = await inviteeContext.newPage();
  const ada = newPerson("ada");
  const bo = newPerson("bo");

  // Ada invites Bo as a Member.
  const orgPath = await signUp(owner, ada);
  await invite(owner, orgPath, bo.email, "member");
  await expect(owner.getByRole("row", { name: new RegExp(bo.email) })).toContainText("Member");

  // Bo opens the link from the mail, signs up with the invited email, and lands in Ada's organization.
  const link = await invitationLink(bo.email);
  await invitee.goto(link);
  await waitForHydration(invitee);
  await expect(invitee.getByRole("heading", { name: `Join ${ada.organization}` })).toBeVisible();
  await expect(invitee.getByLabel("Email")).toHaveValue(bo.email);
  await invitee.getByLabel("Your name").fill(bo.name);
  await invitee.getByLabel("Password", { exact: true }).fill(bo.password);
  await invitee.getByRole("button", { name: "Create account and join" }).click();
  await expect(invitee).toHaveURL(new RegExp(`${orgPath}$`));
  await expect(invitee.getByText("Your role: Member")).toBeVisible();

  // The link is spent.
  const spent = await browser.newContext();
  const stranger = await spent.newPage();
  await stranger.goto(link);
  await expect(stranger.getByRole("alert")).toContainText("used already");
  await spent.close();

  // Ada makes Bo a Guest: Bo's open page shows it on the next load.
  await owner.reload();
  await waitForHydration(owner);
  await owner.getByLabel(`Role of ${bo.name}`, { exact: true }).selectOption("guest");
  // The select shows the new role before the server has it: wait for the
  // answer, or the invitee's reload may come first.
  const saved = owner.waitForResponse((response) => response.url().includes("/api/change_member_role"));
  await owner.getByRole("button", { name: `Change the role of ${bo.name}` }).click();
  expect((await saved).ok()).toBe(true);
  await expect(owner.getByLabel(`Role of ${bo.name}`, { exact: true })).toHaveValue("guest");
  await invitee.reload();
  await expect(invitee.getByText("Your role: Guest")).toBeVisible();

  // Ada removes Bo: Bo's session loses the organization at once.
  await owner.getByText("Remove", { exact: true }).click();
  await owner.getByRole("button", { name: `Remove ${bo.name}` }).click();
  await expect(owner.getByRole("row", { name: new RegExp(bo.name) })).toHaveCount(0);
  await invitee.getByRole("link", { name: "Projects" }).click();
  await expect(invitee.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await invitee.goto(orgPath);
  await expect(invitee.getByRole("heading", { name: "Page not found" })).toBeVisible();

  // The audit log tells the story.
  await owner.goto(`${orgPath}/audit`);
  await waitForHydration(owner);
  for (const event of ["Member removed", "Role changed", "Invitation accepted", "Invitation sent"]) {
    await expect(owner.getByRole("cell", { name: event, exact: true }).first()).toBeVisible();
  }
  await ownerContext.close();
  await inviteeContext.close();
});
