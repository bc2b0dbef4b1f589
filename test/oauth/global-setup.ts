// Starts the OAuth test harness (./provider.ts) once for the workerd suite, in
// Node, and hands its URLs and clients to the tests: `inject("oauth")`. The
// tests reach it through their fetch double, which passes its origins on to
// the network (test/oauth-helpers.ts).
import type { TestProject } from "vitest/node";
import { harnessInfo, startOAuthHarness } from "./provider";

/** Where toolgate is in the workerd tests: the helpers' default origin, and a PUBLIC_BASE_URL on 127.0.0.1. */
export const TEST_REDIRECT_URIS = ["https://toolgate.test/oauth/callback", "http://127.0.0.1:8787/oauth/callback"];

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const harness = await startOAuthHarness({ redirectUris: TEST_REDIRECT_URIS });
  project.provide("oauth", harnessInfo(harness));
  return () => harness.stop();
}
