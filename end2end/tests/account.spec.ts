import { expect, test } from "@playwright/test";
import crypto from "node:crypto";

import { mailedLink, newPerson, signOut, signUp, waitForHydration } from "./helpers";

/** The RFC 6238 code of a base32 `secret` at Unix time `at` (seconds):
 * what an authenticator app would show. */
function totp(secret: string, at: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/\s/g, "").toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30)));
  const mac = crypto.createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, "0");
}

test("a person resets a forgotten password through the mailed link", async ({ page }) => {
  const person = newPerson("reset");
  const orgPath = await signUp(page, person);
  await signOut(page, person);

  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("Email").fill(person.email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toContainText("If an account uses that address, we have sent it a link");

  const link = await mailedLink(person.email, /\/reset-password\?token=[0-9a-f]{64}/);
  await page.goto(link);
  await expect(page.getByText(`For ${person.email}.`)).toBeVisible();
  await waitForHydration(page);
  // The meter judges as the server does: a breached password is refused.
  const password = page.getByLabel("New password", { exact: true });
  await password.fill("1qaz2wsx3edc");
  const meter = page.getByTestId("password-strength");
  await expect(meter).toContainText("Too guessable");
  await expect(meter).toContainText("breached");
  const fresh = `violet heron copper ${Date.now()} lantern`;
  await password.fill(fresh);
  await expect(meter).toContainText(/Strength: (Strong|Very strong)/);
  await page.screenshot({ path: "end2end/test-results/reset-password.png", fullPage: true });
  await page.getByRole("button", { name: "Set the password" }).click();

  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await expect(page.getByRole("status")).toContainText("Your password was changed");
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("Incorrect email or password.");
  await page.getByLabel("Password", { exact: true }).fill(fresh);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${orgPath}$`));
});

test("a person confirms their address from the banner's mail", async ({ page }) => {
  const person = newPerson("verify");
  const orgPath = await signUp(page, person);
  const banner = page.getByRole("region", { name: "Email verification" });
  await expect(banner).toContainText(`we sent a link to ${person.email}`);

  const link = await mailedLink(person.email, /\/verify-email\?token=[0-9a-f]{64}/);
  await page.goto(link);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/account\?verified=1$/);
  await expect(page.getByText("Your email address is confirmed.")).toBeVisible();
  await expect(page.getByText("Verified", { exact: true })).toBeVisible();
  await page.goto(orgPath);
  await expect(page.getByRole("heading", { level: 1, name: person.organization })).toBeVisible();
  await expect(page.getByRole("region", { name: "Email verification" })).toHaveCount(0);
});

test("a person turns on two-factor and signs in with a code", async ({ page }) => {
  const person = newPerson("totp");
  const orgPath = await signUp(page, person);
  await page.goto("/account");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Set up two-factor" }).click();
  await expect(page.getByRole("img", { name: "QR code to add Atrium to an authenticator app" })).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await page.getByLabel("Code").fill(totp(secret, Date.now() / 1000));
  await page.getByLabel("Your password", { exact: true }).last().fill(person.password);
  await page.getByRole("button", { name: "Turn on two-factor" }).click();
  await expect(page.getByTestId("recovery-codes").getByRole("listitem")).toHaveCount(10);
  await expect(page.getByText("On", { exact: true })).toBeVisible();
  await page.screenshot({ path: "end2end/test-results/account-two-factor.png", fullPage: true });

  // An Owner sees on the members page who has it on.
  await page.goto(`${orgPath}/members`);
  await expect(page.getByRole("columnheader", { name: "Two-factor" })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(person.name) }).getByText("On", { exact: true })).toBeVisible();

  await signOut(page, person);
  await waitForHydration(page);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login\/two-factor$/);
  await waitForHydration(page);
  await page.getByLabel("Code").fill("000000" === totp(secret, Date.now() / 1000 + 30) ? "111111" : "000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("That code is not right. 4 attempts left.")).toBeVisible();
  // The code of the next step: the one that turned two-factor on is used.
  await page.getByLabel("Code").fill(totp(secret, Date.now() / 1000 + 30));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(new RegExp(`${orgPath}$`));
});

test("a person signs out another session and that browser is signed out", async ({ browser }) => {
  const person = newPerson("devices");
  const laptop = await browser.newPage();
  await signUp(laptop, person);
  const phone = await browser.newPage();
  await phone.goto("/login");
  await waitForHydration(phone);
  await phone.getByLabel("Email").fill(person.email);
  await phone.getByLabel("Password", { exact: true }).fill(person.password);
  await phone.getByRole("button", { name: "Sign in" }).click();
  await expect(phone).toHaveURL(/\/o\/[a-z0-9-]+$/);

  await laptop.goto("/account");
  await waitForHydration(laptop);
  const rows = laptop.getByTestId("session-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "This session" })).toHaveCount(1);
  await expect(rows.first()).toContainText(/Chrome \d+ on Linux/);
  await laptop.screenshot({ path: "end2end/test-results/account-sessions.png", fullPage: true });
  await rows.filter({ hasNotText: "This session" }).getByRole("button", { name: /^Sign out / }).click();
  await expect(rows).toHaveCount(1);

  await phone.reload();
  await expect(phone).toHaveURL(/\/login\?next=/);
  await expect(laptop.getByText("This session")).toBeVisible();
});
