// Runs once before the e2e files. Without Chromium, CI fails loudly; on a
// developer's machine the suites skip themselves (see findChromium) after this warning.
import { CHROMIUM_MISSING, findChromium } from "./harness";

export default function checkChromium(): void {
  if (findChromium() !== undefined) return;
  if (process.env.CI) throw new Error(CHROMIUM_MISSING);
  console.warn(`\n⚠️  Skipping the end-to-end tests. ${CHROMIUM_MISSING}\n`);
}
