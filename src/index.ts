/**
 * Worker entry: requests enter here, log rows from the log queue (when
 * LOG_QUEUE is bound), and the cron trigger that purges old execution logs,
 * expired UI sessions and OAuth2 flows.
 *
 * The app is imported on the first request, not at start-up: building the
 * API's zod schemas for @hono/zod-openapi is most of the module's evaluation,
 * and an isolate that only consumes the queue or runs the cron never needs
 * it. The bundler keeps it in the same script; only its evaluation waits.
 */
import type { Env } from "./env";
import { consumeLogBatch } from "./registry/log-consumer";
import { purgeExpiredExecutions, purgeExpiredFlows } from "./retention";
import { purgeExpiredSessions } from "./ui/session";

type App = ReturnType<typeof import("./app").buildApp>;

/** The app, built once per isolate on its first request. */
let app: App | undefined;
let building: Promise<App> | undefined;

async function loadApp(): Promise<App> {
  building ??= import("./app").then(({ buildApp }) => (app = buildApp()));
  return building;
}

export default {
  // Typed as Hono's fetch is, so that tests can call it with a plain Request.
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    return (app ?? (await loadApp())).fetch(request, env, ctx);
  },
  async queue(batch, env, _ctx) {
    await consumeLogBatch(batch, env);
  },
  async scheduled(controller, env, _ctx) {
    await purgeExpiredExecutions(env, controller.scheduledTime);
    await purgeExpiredSessions(env.DB, new Date(controller.scheduledTime));
    await purgeExpiredFlows(env.DB, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
