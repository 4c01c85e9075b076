import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { newPerson, signUp, waitForHydration } from "./helpers";

/** A webhook receiver on loopback (the test server allows it), keeping
 * what it was sent. */
async function startReceiver(): Promise<{ url: string; received: { headers: IncomingHttpHeaders; body: string }[]; server: Server }> {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(200, { "content-type": "text/plain" }).end("received");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/atrium`, received, server };
}

/** Checks a delivery with the Standard Webhooks reference library. */
function verify(secret: string, delivery: { headers: IncomingHttpHeaders; body: string }) {
  const headers: Record<string, string> = {};
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    headers[name] = String(delivery.headers[name]);
  }
  return new Webhook(secret).verify(delivery.body, headers) as { type: string };
}

test("an admin adds a webhook endpoint, its test event arrives signed, is logged and redelivered", async ({ page }) => {
  const receiver = await startReceiver();
  try {
    const ada = newPerson("ada");
    const orgPath = await signUp(page, ada);
    await page.goto(`${orgPath}/settings/webhooks`);
    await waitForHydration(page);
    await expect(page.getByText("No endpoints yet.")).toBeVisible();

    // A bad URL is refused next to its field, and what was typed stays.
    await page.getByLabel("URL").fill("ftp://hooks.example.com/");
    await page.getByLabel("Description (optional)").fill("CRM sync");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.locator("#new-endpoint-url-error")).toContainText("https://");
    await expect(page.getByLabel("Description (optional)")).toHaveValue("CRM sync");

    await page.getByLabel("URL").fill(receiver.url);
    await page.getByRole("checkbox", { name: /license\.created/ }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = await page.getByLabel("Signing secret", { exact: true }).inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const card = page.getByRole("article", { name: receiver.url });
    await expect(card.getByTestId("endpoint-status")).toHaveText("Enabled");
    await expect(card).toContainText("license.created");

    // The test event arrives, verified with the endpoint's secret.
    await card.getByRole("button", { name: `Send a test event to ${receiver.url}` }).click();
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    expect(verify(secret, receiver.received[0]).type).toBe("webhook.test");

    // The log shows it; Redeliver sends the same event once more.
    await card.getByRole("button", { name: "Refresh" }).click();
    const row = card.getByRole("row", { name: /webhook\.test/ });
    await expect(row).toContainText("200");
    await expect(row).toContainText("received");
    await row.getByRole("button", { name: /Redeliver the webhook\.test event/ }).click();
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(2);
    expect(receiver.received[1].headers["webhook-id"]).toBe(receiver.received[0].headers["webhook-id"]);
    verify(secret, receiver.received[1]);

    // A rotated secret is shown once; the old one still signs for a day.
    await card.getByRole("button", { name: `Rotate the secret of ${receiver.url}` }).click();
    await expect(page.getByLabel("Signing secret", { exact: true })).not.toHaveValue(secret);
    const rotated = await page.getByLabel("Signing secret", { exact: true }).inputValue();
    await card.getByRole("button", { name: `Send a test event to ${receiver.url}` }).click();
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(3);
    verify(rotated, receiver.received[2]);
    verify(secret, receiver.received[2]);

    await card.getByRole("button", { name: "Refresh" }).click();
    await expect(card.getByRole("row")).toHaveCount(4);
    await page.screenshot({ path: "end2end/test-results/webhooks.png", fullPage: true });

    // Disabled, then deleted.
    await card.getByText("Edit", { exact: true }).click();
    await card.getByRole("checkbox", { name: "Enabled" }).uncheck();
    await card.getByRole("button", { name: "Save endpoint" }).click();
    await expect(card.getByTestId("endpoint-status")).toHaveText("Disabled");
    await card.getByRole("button", { name: `Delete the endpoint ${receiver.url}` }).click();
    await expect(page.getByText("No endpoints yet.")).toBeVisible();
  } finally {
    receiver.server.close();
  }
});
