/**
 * POST /schemas/infer: a draft-07 JSON Schema from a sample JSON document,
 * such as an API response, to start an output schema from. The inference is
 * src/registry/infer-schema.ts.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { scoped } from "../access/middleware";
import type { AppBindings } from "../env";
import { inferSchema } from "../registry/infer-schema";
import { problems } from "./openapi";
import { JsonSchemaDocument } from "./schemas";

export const schemaInferApi = new OpenAPIHono<AppBindings>();

const SchemaInferRequest = z
  .object({
    sample: z
      .unknown()
      .nonoptional("sample is required: any JSON value.")
      .openapi({
        description: "Any JSON value: an object, array, string, number, boolean or null.",
        example: { id: 42, name: "Grace Hopper", tags: ["admin"] },
      }),
  })
  .openapi("SchemaInferRequest");

const SchemaInferResult = z
  .object({
    schema: JsonSchemaDocument.openapi({
      description:
        "A draft-07 JSON Schema that the sample satisfies: types, properties, items, and `required` for the keys every object has. No formats, enums or additionalProperties: one sample cannot tell those.",
    }),
  })
  .openapi("SchemaInferResult");

const schemaInferRoute = createRoute({
  method: "post",
  path: "/schemas/infer",
  operationId: "inferSchema",
  tags: ["Schemas"],
  summary: "Infer a JSON Schema from a sample",
  ...scoped("tools:write"),
  request: { body: { required: true, content: { "application/json": { schema: SchemaInferRequest } } } },
  responses: {
    200: { description: "The inferred schema.", content: { "application/json": { schema: SchemaInferResult } } },
    ...problems(400, 401, 403, 413, 415, 422, 500),
  },
});

schemaInferApi.openapi(schemaInferRoute, (c) => c.json({ schema: inferSchema(c.req.valid("json").sample) }, 200));
