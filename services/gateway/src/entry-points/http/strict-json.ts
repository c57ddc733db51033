import { type AnyNode, parse } from "@humanwhocodes/momoa";
import { AppError } from "@installhub/shared";
import type { MiddlewareHandler } from "hono";

/** Keys that mean something to JavaScript objects: a validator may drop them (zod skips `__proto__`). */
const reservedKeys = new Set(["__proto__", "constructor", "prototype"]);

export interface JsonProblem {
  /** Dotted path of the offending member, as validation errors name fields. */
  field: string;
  message: string;
}

/**
 * What `JSON.parse` would silently resolve or a validator would silently drop, so that two readers of
 * the same body (a proxy and the gateway, say) could act on different values:
 * - a member name twice in one object (RFC 7493 I-JSON §2.3: names MUST be unique; `JSON.parse` keeps
 *   the last, other parsers the first);
 * - `__proto__`, `constructor` or `prototype` as a member name (prototype pollution; zod drops them);
 * - strings that are not well-formed Unicode (lone surrogates; RFC 7493 §2.1).
 * Returns an empty list for a clean body, and undefined for text that is not JSON at all (the body
 * validator answers that with its own 400).
 *
 * @example
 * jsonProblems('{"dryRun": true, "dryRun": false}') // [{ field: "dryRun", message: "duplicate key …" }]
 */
export function jsonProblems(text: string): JsonProblem[] | undefined {
  let document: ReturnType<typeof parse>;
  try {
    document = parse(text, { mode: "json", ranges: false, tokens: false });
  } catch {
    return undefined;
  }
  const problems: JsonProblem[] = [];
  const visit = (node: AnyNode, path: string[]): void => {
    if (node.type === "String" && !node.value.isWellFormed()) {
      problems.push({ field: path.join(".") || "(body)", message: "not well-formed Unicode" });
    }
    if (node.type === "Array") {
      for (const [i, element] of node.elements.entries()) visit(element.value, [...path, String(i)]);
    }
    if (node.type !== "Object") return;
    const seen = new Set<string>();
    for (const member of node.members) {
      const name = member.name.type === "String" ? member.name.value : member.name.name;
      const field = [...path, name].join(".");
      if (seen.has(name)) {
        problems.push({ field, message: "duplicate key: each name may appear once per object (RFC 7493)" });
      }
      seen.add(name);
      if (reservedKeys.has(name)) problems.push({ field, message: `'${name}' is a reserved name` });
      if (!name.isWellFormed()) problems.push({ field, message: "key is not well-formed Unicode" });
      visit(member.value, [...path, name]);
    }
  };
  visit(document.body, []);
  return problems;
}

/**
 * Reads the raw body before the route's validators parse it, so the handler can still see the text
 * as sent (Hono caches it; once parsed as JSON only a re-serialisation would be left, duplicates gone).
 */
export function keepRawBody(): MiddlewareHandler {
  return async function keepRawBody(c, next) {
    await c.req.text();
    await next();
  };
}

/** 400 ValidationFailed naming each member of the raw JSON body that `jsonProblems` finds. */
export function rejectAmbiguousJson(text: string): void {
  const problems = jsonProblems(text) ?? [];
  if (problems.length === 0) return;
  throw new AppError(
    "ValidationFailed",
    `Invalid json: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
    { fields: problems },
  );
}
