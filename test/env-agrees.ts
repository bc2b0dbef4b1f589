/**
 * A type-level test, run by `npm run typecheck`: src/env.ts, the Env type the
 * code uses (hand-written, secrets optional, documented), agrees with
 * worker-configuration.d.ts, what `wrangler types` makes of wrangler.toml and
 * .dev.vars.example (`npm run types`). When they drift, tsc names the binding:
 * "Type '"NAME"' does not satisfy the constraint 'never'".
 */
import type { Env } from "../src/env";
import type { TestOnlyBindings } from "./env.d";

/** wrangler's Env, without what only the tests bind (test/env.d.ts). */
type Generated = Omit<Cloudflare.Env, keyof TestOnlyBindings>;

/**
 * Worker secrets: wrangler.toml never names them, so the generated type has
 * only those .dev.vars.example sets (not the older ENCRYPTION_KEY).
 */
type WorkerSecrets = "ENCRYPTION_KEYS" | "ENCRYPTION_KEY" | "ADMIN_TOKEN";

/**
 * Optional bindings: wrangler.toml has them commented out, and a deployment
 * that wants them enables them there (then `npm run types` lists them, and
 * TypeMismatches checks their types).
 */
type OptionalBindings = "LOG_QUEUE" | "LOG_PAYLOADS";

/** A binding or var that wrangler.toml or .dev.vars.example declares and Env lacks. */
type MissingFromEnv = Exclude<keyof Generated, keyof Env>;
/** A binding or var that Env declares and neither wrangler.toml nor .dev.vars.example has. */
type MissingFromWranglerToml = Exclude<keyof Env, keyof Generated | WorkerSecrets | OptionalBindings>;
/** A name in WorkerSecrets that Env does not declare (a stale entry above). */
type UnknownSecrets = Exclude<WorkerSecrets, keyof Env>;

type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** A name whose types differ: Env's optional `string | undefined` counts as wrangler's `string`. */
type TypeMismatches = {
  [K in keyof Generated & keyof Env]: SameType<NonNullable<Env[K]>, Generated[K]> extends true ? never : K;
}[keyof Generated & keyof Env];

type ExpectNone<T extends never> = T;
export type EnvAgreesWithWranglerConfig = [
  ExpectNone<MissingFromEnv>,
  ExpectNone<MissingFromWranglerToml>,
  ExpectNone<UnknownSecrets>,
  ExpectNone<TypeMismatches>,
];
