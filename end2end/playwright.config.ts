import { defineConfig } from "@playwright/test";
import os from "node:os";
import path from "node:path";

// Playwright drives Debian's Chromium: its own browser download is not
// possible on these machines (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
const port = Number(process.env.E2E_PORT ?? 3999);
const baseURL = `http://127.0.0.1:${port}`;
const repoRoot = path.resolve(__dirname, "..");

// One fresh database per run. Set once in the main process; the workers
// inherit it, so every process agrees on the file.
process.env.E2E_RUN_ID ??= `${Date.now()}-${process.pid}`;
const databaseFile = path.join(os.tmpdir(), `atrium-e2e-${process.env.E2E_RUN_ID}.db`);
// Tests that need a platform admin promote one with the app's own command
// against this database (see tests/helpers.ts).
process.env.E2E_DATABASE_URL = `sqlite://${databaseFile}?mode=rwc`;
// Where the app writes its mail (no SMTP server here); tests read
// invitations from it (see tests/helpers.ts).
const mailDir = path.join(os.tmpdir(), `atrium-e2e-mail-${process.env.E2E_RUN_ID}`);
process.env.E2E_MAIL_DIR = mailDir;

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  // The debug bundle is some 20 MB of WebAssembly that Chromium compiles
  // on a page's first load; on the 2-core CI machine that takes most of
  // 30 s when two browsers compile at once.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    // The debug build made by `cargo leptos build` (see .ci/test).
    command: process.env.E2E_SERVER_BIN ?? path.join(repoRoot, "target/debug/atrium"),
    cwd: repoRoot,
    url: `${baseURL}/health`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      ATRIUM_LISTEN: `127.0.0.1:${port}`,
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      ATRIUM_MAIL_DIR: mailDir,
      ATRIUM_STORAGE_URL: path.join(os.tmpdir(), `atrium-e2e-files-${process.env.E2E_RUN_ID}`),
      // The run's own key-encryption key, beside its mail.
      ATRIUM_KEY_FILE: path.join(os.tmpdir(), `atrium-e2e-key-${process.env.E2E_RUN_ID}`),
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? path.join(repoRoot, "target/site"),
      // Every test signs up from 127.0.0.1; the production limit would
      // throttle the suite itself.
      ATRIUM_AUTH_REQUESTS_PER_MINUTE_PER_IP: "10000",
      ATRIUM_ACCOUNT_MAIL_REQUESTS_PER_MINUTE_PER_IP: "10000",
      // The webhooks test's receiver listens on loopback over plain http.
      ATRIUM_WEBHOOK_ALLOW_HTTP: "true",
      ATRIUM_WEBHOOK_ALLOWED_NETWORKS: "[127.0.0.0/8]",
      RUST_LOG: process.env.RUST_LOG ?? "warn",
    },
  },
});
