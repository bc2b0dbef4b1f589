/** Worker entry: requests enter here, and the cron trigger that purges old execution logs. */
import { buildApp } from "./app";
import type { Env } from "./env";
import { purgeExpiredExecutions } from "./retention";

const app = buildApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, _ctx) {
    await purgeExpiredExecutions(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
