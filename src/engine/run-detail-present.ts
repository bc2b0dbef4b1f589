/**
 * A log row's run detail as the API and the UI show it: the stored detail
 * (./run-detail.ts) with every attempt's timing and a "Copy as cURL" command
 * built from it. Built when read, so the command is never stored twice and
 * holds nothing the stored detail does not: credentials appear only as shell
 * variables ("$API_KEY"), which the person sets before running it.
 */
import type { AttemptRecord } from "./outbound/send";
import type { CredentialPlacement, StoredRunDetail } from "./run-detail";
import { placeholderForHeader } from "./run-detail";

/** What a copied command sends when the body was too long to keep, or cannot go on a command line. */
export const BODY_FILE = "request-body.txt";

export interface AttemptTiming extends AttemptRecord {
  /** From sending until the response headers arrived (or the failure); redirects included. */
  time_to_headers_ms: number;
  /** Until the end of the response body; for an attempt that was retried, its body was not read. Null when unknown. */
  total_ms: number | null;
}

export type RunDetail = Omit<StoredRunDetail, "response"> & {
  response: Omit<NonNullable<StoredRunDetail["response"]>, "body_read_ms"> | null;
  attempts: AttemptTiming[];
  curl: string;
};

export function presentRunDetail(stored: StoredRunDetail | null, attempts: AttemptRecord[] | null): RunDetail | null {
  if (!stored) return null;
  const { response, ...rest } = stored;
  const list = attempts ?? [];
  return {
    ...rest,
    response: response && {
      status: response.status,
      headers: response.headers,
      body: response.body,
      body_truncated: response.body_truncated,
    },
    attempts: list.map((attempt, index) => {
      const last = index === list.length - 1;
      const bodyMs = last && response && attempt.status !== null ? response.body_read_ms : 0;
      return {
        ...attempt,
        time_to_headers_ms: attempt.duration_ms,
        total_ms: bodyMs === null ? null : attempt.duration_ms + bodyMs,
      };
    }),
    curl: curlCommand(stored.request),
  };
}

/** A POSIX shell word: single-quoted, a quote inside written as '\'' (nothing else is special there). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A shell variable, expanded inside double quotes (so a value with spaces stays one word). */
function variable(name: string): string {
  return `"$${name}"`;
}

/**
 * The request as a curl command, one option a line: the method, the URL with
 * a query credential as its variable, each header (a credential header as its
 * scheme and variable, Basic as `--user name:"$PASSWORD"`), and the body as it
 * was sent, or read from BODY_FILE when it was cut or holds a NUL character.
 */
export function curlCommand(request: StoredRunDetail["request"]): string {
  const byHeader = new Map<string, CredentialPlacement>();
  const parts: string[] = [];
  let url = shellQuote(request.url);
  for (const credential of request.credentials) {
    if (credential.in === "header") byHeader.set(credential.name.toLowerCase(), credential);
    else {
      const separator = request.url.includes("?") ? "&" : "?";
      url =
        shellQuote(`${request.url}${separator}${encodeURIComponent(credential.name)}=`) +
        variable(credential.placeholder);
    }
  }
  parts.push(request.method === "GET" ? `curl ${url}` : `curl -X ${request.method} ${url}`);
  for (const header of request.headers) {
    const credential = byHeader.get(header.name.toLowerCase());
    if (credential?.scheme === "Basic" && credential.username !== undefined) {
      parts.push(`--user ${shellQuote(`${credential.username}:`)}${variable(credential.placeholder)}`);
      continue;
    }
    if (header.value !== null) {
      parts.push(`-H ${shellQuote(`${header.name}: ${header.value}`)}`);
      continue;
    }
    const scheme = credential?.scheme ? `${credential.scheme} ` : "";
    const name = credential?.placeholder ?? placeholderForHeader(header.name);
    parts.push(`-H ${shellQuote(`${header.name}: ${scheme}`)}${variable(name)}`);
  }
  if (request.body !== null) {
    parts.push(
      request.body_truncated || request.body.includes("\0")
        ? `--data-binary ${shellQuote(`@${BODY_FILE}`)}`
        : `--data-raw ${shellQuote(request.body)}`,
    );
  } else if (request.body_truncated) parts.push(`--data-binary ${shellQuote(`@${BODY_FILE}`)}`);
  return parts.join(" \\\n  ");
}
