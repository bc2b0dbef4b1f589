/** Worker entry: requests enter here, and the cron trigger that purges old execution logs, expired UI sessions and OAuth2 flows. */
import { buildApp } from "./app";
import type { Env } from "./env";
import { purgeExpiredExecutions, purgeExpiredFlows } from "./retention";
import { purgeExpiredSessions } from "./ui/session";

const app = buildApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, _ctx) {
    await purgeExpiredExecutions(env, controller.scheduledTime);
    await purgeExpiredSessions(env.DB, new Date(controller.scheduledTime));
    await purgeExpiredFlows(env.DB, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
