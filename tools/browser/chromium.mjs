// Launches the system Chromium (Debian's `chromium` package, installed by
// `make setup`) headless through playwright-core. Never downloads a browser.
//
//   import { launchChromium } from "../../tools/browser/chromium.mjs";
//   const context = await launchChromium();
//   const page = await context.newPage();
//   ...
//   await context.close();
//
// The flags keep Chromium off the network: this machine has no internet, and
// without them Chromium keeps opening (refused) background connections.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

/** Where Chromium is looked for, in order; `CHROMIUM` overrides. */
export const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium executable, or an error that says how to install it. */
export function chromiumPath() {
  const candidates = process.env.CHROMIUM ? [process.env.CHROMIUM] : CHROMIUM_CANDIDATES;
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `no Chromium at ${candidates.join(", ")}: run \`make setup\` (installs Debian's chromium with apt), or set CHROMIUM=/path/to/chromium`,
    );
  }
  return found;
}

const OFFLINE_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--metrics-recording-only",
];

/**
 * A headless Chromium browser context with a fresh profile; `context.close()`
 * stops Chromium and removes the profile directory.
 */
export async function launchChromium(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), "coach-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: OFFLINE_FLAGS,
    ...options,
  });
  const close = context.close.bind(context);
  context.close = async () => {
    try {
      await close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  return context;
}
