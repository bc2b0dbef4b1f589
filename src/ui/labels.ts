/** Words the UI shows for stored values. */
import type { ToolRow } from "../db/schema";

export const AUTH_LABELS: Record<ToolRow["authType"], string> = {
  none: "None",
  bearer_token: "Bearer token",
  api_key: "API key",
  oauth2: "OAuth2 client credentials",
};

/** What the tools list shows for a tool that uses a saved connection. */
export const CONNECTION_AUTH_LABEL = "Saved connection";
