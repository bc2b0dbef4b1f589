/** The JSON Schema Test Suite as test/node/json-schema-test-suite.ts serves it (read in Node, from ../shared). */
declare module "virtual:json-schema-test-suite" {
  export interface SuiteGroup {
    description: string;
    schema: unknown;
    tests: { description: string; data: unknown; valid: boolean }[];
  }
  export interface SuiteFile {
    /** Relative to the draft's folder, such as `ref.json` or `optional/format/email.json`. */
    file: string;
    groups: SuiteGroup[];
  }
  export type SuitePayload =
    | { found: true; root: string; details: boolean; drafts: Record<"draft-07" | "2019-09" | "2020-12", SuiteFile[]> }
    | { found: false; root: string; details: boolean };
  const payload: SuitePayload;
  export default payload;
}
