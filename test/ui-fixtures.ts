/**
 * Tools the UI tests build through the editor, as a person would: a weather
 * tool with an API key, a path and a query parameter, and a header.
 */
import { expect } from "vitest";
import { api, json, uniqueName, type Json, type Upstream } from "./helpers";
import { getPage, savedToolId, submitForm, type UiSession } from "./ui-helpers";

/** The new-tool page after pressing each of `buttons` (add_param, add_header...) in turn. */
export async function newToolPage(session: UiSession, buttons: string[]): Promise<string> {
  let html = await (await getPage("/ui/tools/new", session)).text();
  for (const button of buttons) {
    const step = await submitForm(html, "/ui/tools/new", session, {}, button);
    expect(step.res.status, step.html).toBe(200);
    html = step.html;
  }
  return html;
}

/** An API-key weather tool with a path and a query parameter and a header, as typed into the form. */
export function weatherFields(name: string, secret: string): Record<string, string> {
  return {
    name,
    description: "Current weather for a city.",
    endpoint_url: "https://api.example.com/v1/weather/{city}",
    "header.0.name": "Accept",
    "header.0.value": "application/json",
    timeout: "10",
    auth_type: "api_key",
    api_key_location: "header",
    api_key_name: "X-Api-Key",
    api_key_value: secret,
    "param.0.name": "city",
    "param.0.location": "path",
    "param.0.required": "true",
    "param.0.description": "The city",
    "param.1.name": "units",
    "param.1.location": "query",
    "param.1.wire_name": "u",
    "param.1.default": "metric",
    "param.1.allowed": "metric\r\nimperial",
  };
}

/** The buttons that give the new-tool form the rows weatherFields fills in. */
export const WEATHER_PAGE = ["add_param", "add_param", "add_header"];

/** Creates the weather tool through the editor; returns its id and name. */
export async function createWeatherTool(session: UiSession, secret: string): Promise<{ id: string; name: string }> {
  const name = uniqueName();
  const page = await newToolPage(session, WEATHER_PAGE);
  const { res } = await submitForm(page, "/ui/tools/new", session, weatherFields(name, secret));
  return { id: savedToolId(res), name };
}

/** Makes the upstream double answer the weather tool's calls. */
export function answerWeather(upstream: Upstream): void {
  upstream.on("GET", /^https:\/\/api\.example\.com\/v1\/weather\//, () => json({ city: "Paris", temp_c: 18.5 }));
}

/** A tool as GET /tools/:id of the API returns it. */
export async function storedTool(id: string): Promise<Json> {
  const res = await api(`/tools/${id}`);
  expect(res.status).toBe(200);
  return res.json<Json>();
}
