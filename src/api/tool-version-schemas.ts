/** Request and response shapes of a tool's definition history (src/api/tool-versions.ts). */
import { z } from "@hono/zod-openapi";
import { ListQuery, SecretString, Tool } from "./schemas";

const VersionFields = {
  tool_id: z.string(),
  version: z.number().int().openapi({ description: "The tool's `version` (its ETag) when this was saved." }),
  saved_at: z.string().openapi({ format: "date-time" }),
  saved_by: z.string().nullable().openapi({
    description: "Who saved it: `admin-token` or `api-key-<API key id>`; null when not recorded (an OpenAPI import).",
  }),
  name: z.string().openapi({ description: "The tool's name in this version." }),
};

export const ToolVersionSummary = z.object(VersionFields).openapi("ToolVersionSummary");

export const ToolVersionDefinition = Tool.omit({ id: true, version: true, created_at: true, updated_at: true })
  .extend({
    auth_config: Tool.shape.auth_config.openapi({
      description:
        "The tool's own auth config in this version (type `none` when it used a connection). No secret value is kept in a version: `secrets_set` names the secrets the tool had.",
    }),
  })
  .openapi("ToolVersionDefinition");

export const ToolVersion = z
  .object({ ...VersionFields, definition: ToolVersionDefinition })
  .openapi("ToolVersion", { description: "One saved version of a tool's definition, without secrets." });

export const ToolVersionList = z
  .object({
    items: z.array(ToolVersionSummary).openapi({ description: "Newest first." }),
    next_cursor: z.string().nullable(),
  })
  .openapi("ToolVersionList");

export const ToolVersionListQuery = ListQuery;

export const VersionParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
  n: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "n", in: "path" }, description: "The version number.", example: 3 }),
});

export const RestoreInput = z
  .object({
    secrets: z
      .object({
        token: SecretString("bearer_token: the token."),
        value: SecretString("api_key: the key."),
        client_secret: SecretString("oauth2: the client secret."),
      })
      .strict()
      .default({})
      .openapi({
        description:
          "Secrets for the restored version, needed when its destination (auth type, endpoint origin, token URL, key name or location, client) differs from the tool's current one: stored secrets are only sent where they were entered for. Left out, the current secrets are kept when the destination is the same.",
      }),
  })
  .openapi("RestoreVersionRequest");
