import type { Hook } from "@hono/zod-openapi";
import { AppError, errorResponse, isDatabaseUnavailable, type Logger } from "@installhub/shared";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import type { GatewayEnv } from "./context.ts";

const fromHttpStatus: Record<number, AppError["code"]> = {
  400: "ValidationFailed",
  401: "Unauthorized",
  413: "PayloadTooLarge",
  415: "UnsupportedMediaType",
};

/** The one mapping from anything thrown in a route to the API's error body. */
export function toErrorResponse(logger: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof AppError) {
      if (error.code === "Unauthorized") c.header("WWW-Authenticate", 'Bearer realm="installhub"');
      return errorResponse(c, error);
    }
    if (error instanceof HTTPException && fromHttpStatus[error.status]) {
      // Hono's JSON validator answers a body that is not JSON at all with a 400 of its own; like every
      // validation failure, it names what is wrong (`details.fields`), here the body as a whole.
      const details =
        error.status === 400 ? { fields: [{ field: "(body)", message: error.message }] } : undefined;
      return errorResponse(c, new AppError(fromHttpStatus[error.status]!, error.message, details));
    }
    // MongoDB unreachable or not answering: the request could not be served, retrying may help.
    if (isDatabaseUnavailable(error)) {
      logger.error({ err: error, path: c.req.path }, "MongoDB unavailable");
      return errorResponse(
        c,
        new AppError("ServiceUnavailable", "The database is unavailable; try again later"),
      );
    }
    logger.error({ err: error, path: c.req.path }, "unexpected error");
    return errorResponse(c, new AppError("InternalError", "Something went wrong on our side"));
  };
}

/** What the caller sent, as a validation message names it: the JSON body is "body", not "json". */
const targetName = (target: string) => (target === "json" ? "body" : target);

/**
 * Validation failures become 400 ValidationFailed naming every offending field once (its messages
 * joined): `details.fields: [{ field, message }]`, the body as a whole being `(body)`.
 */
export const validationHook: Hook<unknown, GatewayEnv, string, undefined> = (result) => {
  if (result.success) return;
  const problems = (result.error as z.ZodError).issues.flatMap((issue) => {
    const at = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: at ? `${at}.${key}` : key, message: "unknown field" }));
    }
    // zod says "expected string, received undefined" for a field that is not there at all.
    const missing = issue.code === "invalid_type" && issue.message.endsWith("received undefined");
    const whole = result.target === "json" ? "(body)" : result.target;
    return [{ field: at || whole, message: missing ? "required" : issue.message }];
  });
  const byField = new Map<string, string[]>();
  for (const { field, message } of problems) byField.set(field, [...(byField.get(field) ?? []), message]);
  const fields = [...byField].map(([field, messages]) => ({ field, message: messages.join("; ") }));
  throw new AppError(
    "ValidationFailed",
    `Invalid ${targetName(result.target)}: ${fields.map((f) => `${f.field}: ${f.message}`).join("; ")}`,
    { fields },
  );
};
