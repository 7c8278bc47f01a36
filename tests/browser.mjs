// Headless Chromium for the browser tests: Debian's chromium, driven by playwright-core.

import { createServer } from "node:net";
import { chromium } from "playwright-core";
import { TIMINGS } from "../frontend/timing.js";

/** Flags for a sandboxed, offline machine (no background traffic to refused hosts). */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A launched Debian chromium. */
export function launchChromium() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
}

/**
 * The Saliency plugin's iframe in `page` (TensorBoard's page, or the plugin's
 * entry page alone), once its dashboard is built: the page has set its
 * "saliency:ready" performance mark.
 */
export async function pluginFrame(page, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const frame = page.frames().find((f) => f.url().includes("plugin_entry.html") && f.url().includes("saliency"));
    if (frame) {
      try {
        await frame.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, TIMINGS.ready, {
          timeout: 15000,
        });
        return frame;
      } catch {
        // The frame was replaced while loading: look again.
      }
    }
    await page.waitForTimeout(100);
  }
  throw new Error("the saliency plugin's iframe did not load");
}

/** The value after `--name` on the command line, or `fallback`. */
export function arg(name, fallback = null) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The checks of one script: `check` prints one "ok"/"FAIL" line; `failures()`
 * counts the failed ones. @returns {{check: Function, failures: () => number}} */
export function checker() {
  let failed = 0;
  return {
    check(name, ok, detail = "") {
      if (ok) console.log(`ok   ${name}`);
      else {
        failed++;
        console.log(`FAIL ${name}${detail ? `: ${detail}` : ""}`);
      }
    },
    failures: () => failed,
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now (for a tensorboard to start on). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
