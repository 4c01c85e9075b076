import { execSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { newPerson, signUp, waitForHydration } from "./helpers";

/** Runs the page's example command (a `curl`) and returns its HTTP status
 * and body. */
function run(command: string): { status: number; body: string } {
  const output = execSync(`${command} --silent --write-out '\\n%{http_code}'`, { encoding: "utf8" });
  const cut = output.lastIndexOf("\n");
  return { status: Number(output.slice(cut + 1)), body: output.slice(0, cut) };
}

test("an admin creates an API token, sees its secret once, uses it with the page's curl command, and revokes it", async ({
  page,
}) => {
  const ada = newPerson("ada");
  const orgPath = await signUp(page, ada);
  await page.goto(`${orgPath}/settings/tokens`);
  await waitForHydration(page);
  await expect(page.getByText("No tokens yet.")).toBeVisible();

  // A bad expiry is refused next to its field, and the name is kept.
  await page.getByLabel("Name").fill("Deploy script");
  await page.getByLabel("Expires after (optional)").fill("2020-01-01");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.locator("#token-expires-error")).toContainText("after today");
  await expect(page.getByLabel("Name")).toHaveValue("Deploy script");

  await page.getByLabel("Expires after (optional)").fill("");
  await page.getByLabel("Role").selectOption("read_only");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.getByLabel("Secret").inputValue();
  expect(secret).toMatch(/^atr_[A-Za-z0-9_-]{43}$/);
  const command = (await page.getByTestId("token-example").textContent())!.trim();
  expect(command).toContain(secret);
  const row = page.getByRole("row", { name: /Deploy script/ });
  await expect(row).toContainText("Read-only");
  await expect(row).toContainText("Never");

  // The example works as shown.
  const used = run(command);
  expect(used.status).toBe(200);
  expect(JSON.parse(used.body).items).toEqual([]);

  // Once the page is left, the secret is gone for good; the use is listed.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByText(secret)).toHaveCount(0);
  await expect(page.getByLabel("Secret")).toHaveCount(0);
  await expect(row).toContainText("from 127.0.0.1");

  await row.getByRole("button", { name: "Revoke the token Deploy script" }).click();
  await expect(row).toContainText("Revoked");
  expect(run(command).status).toBe(401);

  // The audit log has the token's life.
  await page.goto(`${orgPath}/audit`);
  await waitForHydration(page);
  await expect(page.getByRole("cell", { name: "API token created" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "API token revoked" })).toBeVisible();
});
