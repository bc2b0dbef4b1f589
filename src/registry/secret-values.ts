/**
 * What a secret value may contain, checked when a tool is saved. A secret is
 * sent in a header (a bearer token, an API key in a header), the query or a
 * form body, and a later replace can move a stored one from the query to a
 * header without sending it again. No header can carry CR, LF or NUL, so
 * they are refused in every secret, wherever it goes today; a secret sent in
 * a header must also be a valid header value as a whole.
 */
import { headerSecretField, type AttachParams } from "../engine/auth";
import { HEADER_VALUE_RULE, isValidHeaderValue } from "../engine/request";
import type { ProblemFieldError } from "../problem";

const REFUSED_CHARACTERS: [string, string, string][] = [
  ["\r", "a carriage return (CR)", "without line breaks; a copied secret often ends with one"],
  ["\n", "a line feed (LF)", "without line breaks; a copied secret often ends with one"],
  ["\0", "a NUL character (U+0000)", "without it"],
];

/**
 * Problems with the secret values sent in a request (`provided`, by field), at
 * `/auth_config/<field>`: a tool's own or a connection's, by the same rule.
 */
export function secretValueProblems(params: AttachParams, provided: Record<string, string>): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  for (const [field, value] of Object.entries(provided)) {
    const problem =
      refusedCharacterProblem(field, value) ??
      (headerSecretField(params) === field && !isValidHeaderValue(value) ? HEADER_VALUE_RULE : null);
    if (problem) errors.push({ path: `/auth_config/${field}`, message: problem });
  }
  return errors;
}

/** Names the character, never the value: the message is shown back, and logged by clients. */
function refusedCharacterProblem(field: string, value: string): string | null {
  for (const [character, name, advice] of REFUSED_CHARACTERS)
    if (value.includes(character))
      return `${field} contains ${name}, which no header can carry, so no secret may contain it. Paste the secret again ${advice}.`;
  return null;
}
