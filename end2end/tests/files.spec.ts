import { expect, test } from "@playwright/test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";

import { createProject, newPerson, signUp, waitForHydration } from "./helpers";

/** A PNG of `width`×`height` pixels, a gradient (so it is a few hundred KB
 * uncompressed and its upload takes a visible moment). */
function png(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (width * 3 + 1) + 1 + x * 3;
      rows[at] = (x * 7 + y) & 0xff;
      rows[at + 1] = (y * 5) & 0xff;
      rows[at + 2] = (x ^ y) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(rows, { level: 0 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

test("two files upload with a progress bar each, then turn ready as they are processed", async ({ page }) => {
  const owner = newPerson("files");
  const orgPath = await signUp(page, owner);
  const projectPath = await createProject(page, orgPath, "Brand assets");
  await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Files" }).click();
  await expect(page.getByRole("heading", { name: "Upload files" })).toBeVisible();
  await waitForHydration(page);

  await page.locator("#upload-files").setInputFiles([
    { name: "banner.png", mimeType: "image/png", buffer: png(600, 400) },
    { name: "brief.txt", mimeType: "text/plain", buffer: Buffer.from("The brief, in words.\n".repeat(20000)) },
  ]);
  await page.getByRole("button", { name: "Upload" }).click();

  const uploads = page.getByRole("list", { name: "Uploads" });
  for (const name of ["banner.png", "brief.txt"]) {
    const row = uploads.locator(`[data-upload="${name}"]`);
    await expect(row.getByRole("progressbar", { name: `Upload of ${name}` })).toBeVisible();
    await expect(row).toContainText("100%");
    await expect(row).toContainText("Uploaded");
  }
  // Processing runs as a job; the list follows it live.
  const files = page.getByRole("table", { name: "Files" });
  await expect(files.locator('tr[data-file="banner.png"] td[data-status]')).toHaveAttribute("data-status", "ready");
  await expect(files.locator('tr[data-file="brief.txt"] td[data-status]')).toHaveAttribute("data-status", "ready");
  await expect(files.locator('tr[data-file="banner.png"]')).toContainText("image/png · 600×400");
  await expect(files.locator('tr[data-file="banner.png"] img')).toBeVisible();
  await page.screenshot({ path: "end2end/test-results/files.png", fullPage: true });

  // The upload session and the project's statistics.
  await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Uploads" }).click();
  await expect(page.getByRole("table", { name: "Upload sessions" })).toContainText("2 of 2 uploaded, 0 refused");
  await page.getByRole("table", { name: "Upload sessions" }).getByRole("link").first().click();
  await expect(page.getByRole("table", { name: "Session files" })).toContainText("banner.png");
  await expect(page.getByText("Completed")).toBeVisible();
  await page.screenshot({ path: "end2end/test-results/upload-session.png", fullPage: true });
  expect(projectPath).toContain("/projects/");
});

test("a file over the size limit is not sent but is listed in its upload session as refused", async ({ page }) => {
  const owner = newPerson("bigfile");
  const orgPath = await signUp(page, owner);
  await createProject(page, orgPath, "Footage");
  await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Files" }).click();
  await expect(page.getByRole("heading", { name: "Upload files" })).toBeVisible();
  await waitForHydration(page);

  // 101 MiB against the 100 MiB limit: a sparse file, nothing written.
  const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "atrium-e2e-big-")), "raw-footage.mov");
  fs.writeFileSync(big, "");
  fs.truncateSync(big, 101 * 1024 * 1024);
  const sent: number[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith("/files")) {
      sent.push(request.postDataBuffer()?.length ?? 0);
    }
  });
  const small = path.join(path.dirname(big), "notes.txt");
  fs.writeFileSync(small, "Shot list.\n");
  await page.locator("#upload-files").setInputFiles([big, small]);
  await page.getByRole("button", { name: "Upload" }).click();
  const uploads = page.getByRole("list", { name: "Uploads" });
  await expect(uploads.locator('[data-upload="notes.txt"]')).toContainText("Uploaded");
  await expect(uploads.locator('[data-upload="raw-footage.mov"]')).toContainText(/larger than the .* limit/i);
  // Its bytes never left the browser.
  expect(Math.max(...sent)).toBeLessThan(1024 * 1024);

  await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Uploads" }).click();
  const sessions = page.getByRole("table", { name: "Upload sessions" });
  await expect(sessions).toContainText("1 of 2 uploaded, 1 refused");
  await sessions.getByRole("link").first().click();
  await expect(page.getByRole("list", { name: "Refused files" })).toContainText("raw-footage.mov");
  await page.screenshot({ path: "end2end/test-results/upload-session-refused.png", fullPage: true });
  fs.rmSync(path.dirname(big), { recursive: true, force: true });
});

test("a CSV of 1,000 tasks with 3 bad rows imports with live progress and a report of the bad rows", async ({ page }) => {
  const owner = newPerson("import");
  const orgPath = await signUp(page, owner);
  const projectPath = await createProject(page, orgPath, "Backlog");
  await page.goto(`${projectPath}/import`);
  await waitForHydration(page);

  const lines = ["Summary,Due,Importance"];
  for (let n = 1; n <= 1000; n++) {
    if (n === 10) lines.push(",2026-12-01,low");
    else if (n === 500) lines.push("Bad date,2026-02-30,low");
    else if (n === 900) lines.push("Bad priority,2026-12-01,critical");
    else lines.push(`Imported task ${n},2026-12-${String((n % 28) + 1).padStart(2, "0")},medium`);
  }
  await page.locator("#import-file").setInputFiles({
    name: "backlog.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(lines.join("\n") + "\n"),
  });
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Import of backlog.csv" })).toBeVisible();
  await waitForHydration(page);

  // Other column names: map them, and the preview shows the bad row.
  await page.getByLabel("Title", { exact: true }).selectOption({ label: "Summary" });
  await page.getByLabel("Due date (YYYY-MM-DD)").selectOption({ label: "Due" });
  await page.getByLabel("Priority", { exact: true }).selectOption({ label: "Importance" });
  const preview = page.getByRole("table", { name: "Preview" });
  await expect(preview.locator("tr", { hasText: "Title: Enter a title." })).toHaveCount(1);
  await page.screenshot({ path: "end2end/test-results/import-mapping.png", fullPage: true });

  await page.getByRole("button", { name: "Import tasks" }).click();
  await expect(page.getByRole("progressbar", { name: "Import progress" })).toBeVisible();
  await expect(page.getByText("997 tasks imported, 3 rows refused.")).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: "end2end/test-results/import-done.png", fullPage: true });

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download the refused rows (CSV)" }).click();
  const report = await (await download).createReadStream();
  let text = "";
  for await (const chunk of report) text += chunk;
  const rows = text.trim().split(/\r?\n/);
  expect(rows).toHaveLength(4);
  expect(rows[1]).toMatch(/^11,Title: Enter a title\./);
  expect(rows[2]).toMatch(/^501,Due date/);
  expect(rows[3]).toMatch(/^901,"Priority/);

  await page.getByRole("link", { name: "See the tasks" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Backlog" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Tasks" }).getByRole("link", { name: /^Imported task \d+$/ }).first()).toBeVisible();
});
