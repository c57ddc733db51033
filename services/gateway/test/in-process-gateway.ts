import { generateKeyPairSync } from "node:crypto";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { type InstallEvent, type InstallEventOf, parseConfig } from "@installhub/shared";
import { waitFor } from "@installhub/shared/testing";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { expect, it } from "vitest";
import { type Caller, signToken, type TokenOptions } from "../src/auth/tokens.ts";
import { createTokenVerifier } from "../src/auth/verifier.ts";
import { type GatewayConfig, gatewayConfigSchema } from "../src/config.ts";
import type { IdempotencyStore } from "../src/data-access/idempotency-store.ts";
import { createApp } from "../src/entry-points/http/app.ts";
import type { GatewayDeps, GatewayEnv } from "../src/entry-points/http/context.ts";
import {
  fakeCancellations,
  fakeImports,
  fakeLifecycle,
  fakeNotifications,
  fakeRelay,
  fakeRequestInstallDeps,
} from "./fakes.ts";

/**
 * The gateway's HTTP API in-process (`createApp(deps)` answering `app.request()`, as Hono's own tests
 * do), over the in-memory stores of fakes.ts: no Kafka, registry or MongoDB. Route tests beside the
 * code (`src/entry-points/http/*.test.ts`) use it; whatever crosses a process is tested in `test/`.
 *
 * Tokens go through the real verifier (`createTokenVerifier`) with `AUTH_PUBLIC_KEY` set to a key
 * made here for the test file: the same code path as production with a configured key, no network.
 */

/** Every permission a token may carry (docs/api.md, "Authentication"). */
export const allPermissions = [
  "installhub:import",
  "marketplace:install",
  "marketplace:install:community",
  "marketplace:uninstall",
];

/** The caller of every request unless a test says otherwise: tenant-a, every permission. */
export const defaultCaller: Caller = {
  sub: "user-1",
  email: "admin@tenant-a.example",
  tenants: ["tenant-a"],
  permissions: allPermissions,
};

/** The stores of one test: fresh ones for each (see `reset`). */
function freshStores() {
  const installDeps = fakeRequestInstallDeps({ acceptTimeoutMs: 2_000 });
  return {
    ...installDeps,
    lifecycle: fakeLifecycle(),
    cancellations: fakeCancellations(),
    cancelRelay: fakeRelay<InstallEventOf<"InstallCancelRequested">>(),
    // One collection holds every key (service.ts): a caller's keys are one namespace across endpoints.
    lifecycleIdempotency: installDeps.idempotency as IdempotencyStore<unknown>,
    imports: fakeImports(),
    notifications: fakeNotifications(),
  };
}

export type FakeGatewayDeps = GatewayDeps & ReturnType<typeof freshStores>;

export interface RouteResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body of any endpoint; the tests assert its shape
  body: any;
  headers: Headers;
}

export interface CallOptions {
  /** Claims of the caller, over `defaultCaller`; a token signed with the trusted key is sent. */
  as?: Partial<Caller>;
  /** The Authorization header as is, instead of a token for `as`; null sends none. */
  authorization?: string | null;
  /** JSON-encoded unless a string (sent as is); content-type application/json unless a header says. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface InProcessGateway {
  app: OpenAPIHono<GatewayEnv>;
  config: GatewayConfig;
  /** The deps the app runs on; `reset` puts fresh stores in, so read them through here. */
  deps: FakeGatewayDeps;
  /** Fresh, empty stores and settings for the next test (the app and its rate limiter stay). */
  reset(): void;
  /** A token signed with the key the gateway trusts. */
  token(caller?: Partial<Caller>, options?: TokenOptions): Promise<string>;
  /** The same claims signed with a key the gateway does not trust. */
  foreignToken(caller?: Partial<Caller>): Promise<string>;
  /**
   * One request. Every answer of a route in the OpenAPI document is checked against it: its status
   * must be one the route lists, and its body must match that response's schema.
   */
  call(method: string, path: string, options?: CallOptions): Promise<RouteResponse>;
  /** Folds events into the install statuses and the lifecycle projection, as the two projectors do. */
  project(...events: InstallEvent[]): Promise<void>;
}

/**
 * Builds the app once (a test file's worth: creating it costs ~15 ms, its OpenAPI document ~25 ms);
 * call `reset` before each test.
 *
 * @example
 * const t = await inProcessGateway();
 * beforeEach(() => t.reset());
 * const response = await t.call("GET", "/api/marketplace/packages", { as: { tenants: [] } });
 */
export async function inProcessGateway(
  options: { env?: Record<string, string> } = {},
): Promise<InProcessGateway> {
  const signing = generateKeyPairSync("ed25519");
  const config = parseConfig(gatewayConfigSchema, {
    AUTH_PUBLIC_KEY: signing.publicKey.export({ type: "spki", format: "pem" }).toString(),
    MAX_BODY_BYTES: "4096",
    ...options.env,
  });
  const stores = freshStores();
  const deps: FakeGatewayDeps = {
    ...stores,
    config,
    verifyToken: await createTokenVerifier(config, stores.logger),
    readinessChecks: {},
  };
  const app = createApp(deps);
  const documented = await documentedResponses(app);
  let offset = 0;

  const claims = (caller: Partial<Caller> = {}): Caller => ({ ...defaultCaller, ...caller });
  const token = (caller?: Partial<Caller>, tokenOptions: TokenOptions = {}) =>
    signToken(signing.privateKey, claims(caller), tokenOptions);

  return {
    app,
    config,
    deps,
    reset() {
      Object.assign(deps, freshStores());
      offset = 0;
    },
    token,
    foreignToken: (caller) => signToken(generateKeyPairSync("ed25519").privateKey, claims(caller)),
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...callOptions.headers };
      const authorization =
        callOptions.authorization === undefined
          ? `Bearer ${await token(callOptions.as)}`
          : callOptions.authorization;
      if (authorization !== null) headers.authorization = authorization;
      const { body } = callOptions;
      if (body !== undefined) headers["content-type"] ??= "application/json";
      const response = await app.request(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      documented(method, new URL(path, "http://gateway").pathname, response.status, parsed);
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async project(...events) {
      for (const event of events) {
        await deps.statuses.apply(event);
        offset += 1;
        await deps.lifecycle.apply(event, { partition: 0, offset: String(offset) });
      }
    },
  };
}

/**
 * A check of an answer against the app's own OpenAPI document (built from the routes' zod schemas):
 * the route must list the status, and the body must match its schema. A 5xx a route does not list
 * must be the error body. Paths no route documents (unknown ones, /docs, /healthz) pass unchecked.
 */
async function documentedResponses(app: OpenAPIHono<GatewayEnv>) {
  const document = (await (await app.request("/openapi.json")).json()) as {
    paths: Record<
      string,
      Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
    >;
    components: object;
  };
  // The schemas are the generator's own: checking them against the meta-schema would only cost time.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  const routes = Object.entries(document.paths).map(([template, operations]) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    operations,
  }));
  const validators = new Map<string, ValidateFunction>();
  const serverError = { content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };

  return (method: string, path: string, status: number, body: unknown): void => {
    const route = routes.find((candidate) => candidate.pattern.test(path));
    const operation = route?.operations[method.toLowerCase()];
    if (!route || !operation) return;
    const where = `${method} ${route.template} → ${status}`;
    // Any route may fail on the server's side (500, or 503 with the database away); most do not list it.
    const response = operation.responses[String(status)] ?? (status >= 500 ? serverError : undefined);
    expect(response, `${where} is not among the route's documented responses`).toBeDefined();
    const schema = response?.content?.["application/json"]?.schema;
    if (!schema) return;
    // Compiled once per schema: most answers are errors, which share one.
    const key = JSON.stringify(schema);
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile({ ...schema, components: document.components });
      validators.set(key, validate);
    }
    validate(body);
    expect(validate.errors ?? [], `${where}: the body does not match the documented schema`).toEqual([]);
  };
}

/** The answer to a caller without `permission` (docs/api.md: the 403 names the first one missing). */
export const missingPermission = (permission: string) => ({
  status: 403,
  body: {
    error: "Forbidden",
    message: `Missing permission '${permission}'`,
    details: { missingPermission: permission },
  },
});

/** The answer to a caller acting in a tenant its token does not name. */
export const notItsTenant = (tenantId: string) => ({
  status: 403,
  body: { error: "Forbidden", message: `Not allowed to act in tenant '${tenantId}'` },
});

/**
 * Expects an operation accepted (docs/api.md): 202 with exactly a new installId, `InProgress` and its
 * statusUrl (plus `extra`, such as an install's estimatedSeconds), and the statusUrl as Location.
 * Returns the installId.
 */
export function expectAccepted(response: RouteResponse, extra: Record<string, unknown> = {}): string {
  expect(response.status).toBe(202);
  const { installId } = response.body;
  expect(response.body).toEqual({
    installId: expect.stringMatching(/^mkt-install-[0-9a-f-]{36}$/),
    status: "InProgress",
    statusUrl: `/api/marketplace/installs/${installId}/status`,
    ...extra,
  });
  expect(response.headers.get("location")).toBe(response.body.statusUrl);
  return installId;
}

/** The fields a 400 ValidationFailed names, in order. */
export const invalidFields = (response: RouteResponse): string[] =>
  response.body.details.fields.map((f: { field: string }) => f.field);

/**
 * The authentication tests of one endpoint (docs/api.md, "Authentication"): no header, another scheme,
 * a token that is not a JWT, one signed with a key the gateway does not trust, an expired one → 401
 * with the error body and `WWW-Authenticate: Bearer`.
 */
export function itRequiresAValidToken(
  t: InProcessGateway,
  request: { method: string; path: string; body?: unknown },
): void {
  const rejected = (reason: string) => `The access token was rejected: ${reason}`;
  const anHourAgo = () => Math.floor(Date.now() / 1000) - 3600;
  it.each<[string, () => Promise<string | null>, string]>([
    ["no Authorization header", async () => null, "An 'Authorization: Bearer <token>' header is required"],
    [
      "a scheme other than Bearer",
      async () => `Basic ${btoa("user-1:secret")}`,
      "An 'Authorization: Bearer <token>' header is required",
    ],
    ["a token that is not a JWT", async () => "Bearer not-a-jwt", rejected("malformed token")],
    [
      "a token signed with a key the gateway does not trust",
      async () => `Bearer ${await t.foreignToken()}`,
      rejected("bad signature"),
    ],
    [
      "an expired token",
      async () => `Bearer ${await t.token({}, { expiresIn: anHourAgo() })}`,
      rejected("it has expired"),
    ],
  ])("answers 401 to %s", async (_, authorization, message) => {
    const response = await t.call(request.method, request.path, {
      authorization: await authorization(),
      body: request.body,
    });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: "Unauthorized", message });
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="installhub"');
  });
}

/** One test per request that breaks the route's schema: 400 ValidationFailed naming exactly `field`. */
export function itNamesTheInvalidField(
  t: InProcessGateway,
  method: string,
  cases: [path: string, field: string][],
) {
  it.each(cases)(`answers 400 to ${method} %s, naming %s`, async (path, field) => {
    const response = await t.call(method, path);
    expect(response).toMatchObject({ status: 400, body: { error: "ValidationFailed" } });
    expect(invalidFields(response)).toEqual([field]);
  });
}

/**
 * Makes `store`'s write land after ACCEPT_TIMEOUT_MS, then sends `request`: the caller is told 503 with
 * nothing started, nothing reaches `relay`, and the write that landed late is withdrawn (docs/api.md,
 * "The answer is the truth, fast").
 */
export async function expectLateWriteWithdrawn(
  t: InProcessGateway,
  what: "install" | "uninstall" | "cancel",
  writes: {
    store: { acceptDelay: { ms: number }; withdrawn: string[]; entries: Map<string, unknown> };
    relay: { enqueued: unknown[] };
  },
  request: () => Promise<RouteResponse>,
): Promise<void> {
  t.deps.settings.acceptTimeoutMs = 50;
  writes.store.acceptDelay.ms = 120;
  expect(await request()).toMatchObject({
    status: 503,
    body: {
      error: "ServiceUnavailable",
      message: `The ${what} could not be accepted in time; nothing was started. Try again later`,
    },
  });
  expect(writes.relay.enqueued).toEqual([]);
  await waitFor(() => writes.store.withdrawn.length === 1, {
    what: `the late ${what} withdrawn`,
    intervalMs: 5,
  });
  expect(writes.store.entries.size).toBe(0);
}
