import { expect, test } from "@playwright/test";

import { newPerson, signUp, waitForHydration } from "./helpers";

// The dashboard and the public API in one flow: longer than one page test.
test.describe.configure({ timeout: 60_000 });

test("an admin creates a policy and a license; a machine the API activates appears on the license", async ({
  page,
  request,
}) => {
  const orgPath = await signUp(page, newPerson("licensor"));

  // An entitlement and a policy granting it; a bad field says why.
  await page.getByRole("link", { name: "Policies" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Policies" })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByRole("textbox", { name: "Public key" })).toHaveValue(/^[0-9a-f]{64}$/);
  await page.getByLabel("Code").fill("pro-export");
  await page.getByLabel("Entitlement name").fill("Export");
  await page.getByRole("button", { name: "Add entitlement" }).click();
  await expect(page.getByLabel("Export (pro-export)")).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("Desktop");
  await page.getByLabel("Duration in days (empty: no expiry)").fill("0");
  await page.getByRole("button", { name: "Create policy" }).click();
  await expect(page.locator("#field-duration_days-error")).toContainText("Enter a number of days from 1");
  await page.getByLabel("Duration in days (empty: no expiry)").fill("365");
  await page.getByLabel("Strict (valid only on activated machines)").check();
  await page.getByLabel("Export (pro-export)").check();
  await page.getByRole("button", { name: "Create policy" }).click();
  const policyRow = page.getByRole("row").filter({ hasText: "Desktop" });
  await expect(policyRow).toContainText("Node-locked (1)");
  await expect(policyRow).toContainText("365 days");
  await expect(policyRow).toContainText("pro-export");
  await page.screenshot({ path: "end2end/test-results/policies.png", fullPage: true });

  // Change it on its own page: its fields come filled in.
  await page.getByRole("link", { name: "Desktop" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Policy: Desktop" })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByLabel("Duration in days (empty: no expiry)")).toHaveValue("365");
  await expect(page.getByLabel("Export (pro-export)")).toBeChecked();
  await page.getByLabel("Name", { exact: true }).fill("Desktop Pro");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByRole("row").filter({ hasText: "Desktop Pro" })).toContainText("Strict");

  // A license under it, with a generated key; bad metadata is refused.
  await page.getByRole("link", { name: "Licenses" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Licenses" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("Owner email (optional)").fill("ada@example.com");
  await page.getByLabel("Metadata (a JSON object, optional)").fill("[1, 2]");
  await page.getByRole("button", { name: "Create license" }).click();
  await expect(page.locator("#field-metadata-error")).toContainText("must be a JSON object");
  await page.getByLabel("Metadata (a JSON object, optional)").fill('{"seats": 5}');
  await page.getByRole("button", { name: "Create license" }).click();
  await expect(page).toHaveURL(new RegExp(`${orgPath}/licenses/[0-9a-f-]{36}$`));
  const key = (await page.getByRole("heading", { level: 1 }).textContent())!.trim();
  expect(key).toMatch(/^([0-9A-F]{6}-){5}V3$/);
  await expect(page.getByText("No machines yet.")).toBeVisible();
  const licenseId = page.url().split("/").at(-1)!;

  // The software on a customer's machine activates through the API.
  const activation = await request.post("/v1/machines", {
    headers: {
      Authorization: `License ${key}`,
      "Content-Type": "application/vnd.api+json",
      Accept: "application/vnd.api+json",
    },
    data: {
      data: {
        type: "machines",
        attributes: { fingerprint: "e2e-fingerprint", hostname: "build-box", platform: "linux/x86_64", cores: 8 },
        relationships: { license: { data: { type: "licenses", id: licenseId } } },
      },
    },
  });
  expect(activation.status()).toBe(201);
  expect(activation.headers()["keygen-signature"]).toContain('algorithm="ed25519"');

  await page.reload();
  const machineRow = page.getByRole("row").filter({ hasText: "e2e-fingerprint" });
  await expect(machineRow).toContainText("build-box");
  await expect(machineRow).toContainText("linux/x86_64");
  await expect(page.getByRole("heading", { name: "Machines (1 of 1)" })).toBeVisible();
  await page.screenshot({ path: "end2end/test-results/license.png", fullPage: true });

  // Suspend it: the list shows it, and the API says so.
  await waitForHydration(page);
  await page.getByRole("button", { name: "Suspend" }).click();
  await expect(page.getByRole("button", { name: "Reinstate" })).toBeVisible();
  const validation = await request.post("/v1/licenses/actions/validate-key", {
    headers: { "Content-Type": "application/vnd.api+json" },
    data: { meta: { key, scope: { fingerprint: "e2e-fingerprint" } } },
  });
  expect((await validation.json()).meta.code).toBe("SUSPENDED");

  // The admin deactivates the machine.
  await page.getByRole("button", { name: "Deactivate e2e-fingerprint" }).click();
  await expect(page.getByText("No machines yet.")).toBeVisible();
});

test("a license holder frees a machine with the key alone", async ({ page, request, browser }) => {
  const admin = await browser.newPage();
  await signUp(admin, newPerson("vendor"));
  await admin.getByRole("link", { name: "Policies" }).click();
  await waitForHydration(admin);
  await admin.getByLabel("Name", { exact: true }).fill("Team");
  await admin.getByLabel("Floating (several machines)").check();
  await admin.getByLabel("Most machines (floating; empty: no limit)").fill("2");
  await admin.getByRole("button", { name: "Create policy" }).click();
  await expect(admin.getByRole("row").filter({ hasText: "Team" })).toContainText("Floating, up to 2");
  await admin.getByRole("link", { name: "Licenses" }).click();
  await waitForHydration(admin);
  await admin.getByRole("button", { name: "Create license" }).click();
  await expect(admin).toHaveURL(/\/licenses\/[0-9a-f-]{36}$/);
  const key = (await admin.getByRole("heading", { level: 1 }).textContent())!.trim();
  const licenseId = admin.url().split("/").at(-1)!;
  for (const fingerprint of ["old-laptop", "desktop"]) {
    const response = await request.post("/v1/machines", {
      headers: { Authorization: `License ${key}`, "Content-Type": "application/vnd.api+json" },
      data: {
        data: {
          type: "machines",
          attributes: { fingerprint, hostname: fingerprint },
          relationships: { license: { data: { type: "licenses", id: licenseId } } },
        },
      },
    });
    expect(response.status()).toBe(201);
  }

  await page.goto("/license");
  await waitForHydration(page);
  await page.getByLabel("License key").fill("NOT-A-REAL-KEY");
  await page.getByRole("button", { name: "Show license" }).click();
  await expect(page.locator("#license-key-error")).toContainText("No license has this key");
  await page.getByLabel("License key").fill(key);
  await page.getByRole("button", { name: "Show license" }).click();
  await expect(page.getByRole("heading", { name: "Machines (2 of 2)" })).toBeVisible();
  await page.screenshot({ path: "end2end/test-results/self-serve.png", fullPage: true });
  await page.getByRole("button", { name: "Deactivate old-laptop" }).click();
  await expect(page.getByRole("heading", { name: "Machines (1 of 2)" })).toBeVisible();
  await expect(page.getByText("old-laptop")).toHaveCount(0);
});

test("a policy that requires check-ins asks how often; the license page shows them and each machine's components", async ({
  page,
  request,
}) => {
  await signUp(page, newPerson("checkins"));
  await page.getByRole("link", { name: "Policies" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Policies" })).toBeVisible();
  await waitForHydration(page);

  // Check-ins required: the count must be 1 to 365.
  await page.getByLabel("Name", { exact: true }).fill("Offline");
  await page.getByLabel("Require check-in").check();
  await page.getByLabel("Check in every (number of intervals)").fill("0");
  await page.getByRole("button", { name: "Create policy" }).click();
  await expect(page.locator("#field-check_in_interval_count-error")).toContainText("Enter a whole number from 1 to 365");
  await page.getByLabel("Check in every (number of intervals)").fill("3");
  await page.getByLabel("Check-in interval", { exact: true }).selectOption("week");
  await page.getByLabel("Components that must match").selectOption("MATCH_ALL");
  await page.getByRole("button", { name: "Create policy" }).click();
  const policyRow = page.getByRole("row").filter({ hasText: "Offline" });
  await expect(policyRow).toContainText("Check in every 3 weeks");
  await expect(policyRow).toContainText("Components: all");

  // Its own page has the fields filled in.
  await page.getByRole("link", { name: "Offline" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Policy: Offline" })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByLabel("Require check-in")).toBeChecked();
  await expect(page.getByLabel("Check in every (number of intervals)")).toHaveValue("3");
  await expect(page.getByLabel("Check-in interval", { exact: true })).toHaveValue("week");
  await expect(page.getByLabel("Components that must match")).toHaveValue("MATCH_ALL");

  // A license under it: never checked in, due three weeks after its issue.
  await page.getByRole("link", { name: "Licenses" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Licenses" })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Create license" }).click();
  await expect(page).toHaveURL(/\/licenses\/[0-9a-f-]{36}$/);
  const key = (await page.getByRole("heading", { level: 1 }).textContent())!.trim();
  const licenseId = page.url().split("/").at(-1)!;
  const lastCheckIn = page.locator("dt", { hasText: "Last check-in" }).locator("xpath=following-sibling::dd[1]");
  await expect(lastCheckIn).toHaveText("Never");
  await expect(page.getByText("Checks in every 3 weeks")).toBeVisible();

  // The software checks in, and activates with its hardware components.
  const headers = {
    Authorization: `License ${key}`,
    "Content-Type": "application/vnd.api+json",
    Accept: "application/vnd.api+json",
  };
  const checkIn = await request.post(`/v1/licenses/${licenseId}/actions/check-in`, { headers });
  expect(checkIn.status()).toBe(200);
  expect((await checkIn.json()).data.attributes.lastCheckIn).not.toBeNull();
  const activation = await request.post("/v1/machines", {
    headers,
    data: {
      data: {
        type: "machines",
        attributes: { fingerprint: "e2e-hardware" },
        relationships: {
          license: { data: { type: "licenses", id: licenseId } },
          components: {
            data: [
              { type: "components", attributes: { fingerprint: "disk-serial-1", name: "Disk" } },
              { type: "components", attributes: { fingerprint: "board-serial-1", name: "Motherboard" } },
            ],
          },
        },
      },
    },
  });
  expect(activation.status()).toBe(201);

  await page.reload();
  await expect(lastCheckIn).not.toHaveText("Never");
  const parts = page.getByRole("list", { name: "Components of e2e-hardware" });
  await expect(parts).toContainText("Disk");
  await expect(parts).toContainText("board-serial-1");
  await page.screenshot({ path: "end2end/test-results/license-check-in.png", fullPage: true });
});
