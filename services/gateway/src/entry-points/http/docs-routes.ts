import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { compress } from "hono/compress";
import { secureHeaders } from "hono/secure-headers";
import type { GatewayEnv } from "./context.ts";

/** A file the docs pages load, kept in memory: served at `/docs/assets/<dir>/<name>`. */
interface Asset {
  /** The URL path, e.g. `/docs/assets/swagger-ui-dist@5.35.0/swagger-ui-bundle.js`. */
  url: string;
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
}

const contentTypes: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
};

const require = createRequire(import.meta.url);

/**
 * The files of one renderer package as the lockfile installed it. Its version names the URL folder
 * (`swagger-ui-dist@5.35.0`), so a new version is a new URL and the old one may be cached for ever.
 * Throws at start-up when the package or a file is missing.
 */
function packageAssets<K extends string>(name: string, files: Record<K, string>): Record<K, Asset> {
  const manifest = require.resolve(`${name}/package.json`);
  const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
  const folder = `${name.replace(/^@/, "").replace("/", "-")}@${version}`;
  return mapValues(files, (file) => asset(folder, join(dirname(manifest), file)));
}

/** Our own scripts (./docs-assets): the URL folder is a hash of their bytes, for the same reason. */
function ownAssets<K extends string>(files: Record<K, string>): Record<K, Asset> {
  const paths = mapValues(files, (file) => fileURLToPath(new URL(`./docs-assets/${file}`, import.meta.url)));
  const hash = createHash("sha256");
  for (const path of Object.values<string>(paths)) hash.update(readFileSync(path));
  const folder = `installhub@${hash.digest("hex").slice(0, 16)}`;
  return mapValues(paths, (path) => asset(folder, path));
}

function mapValues<K extends string, A, B>(record: Record<K, A>, f: (value: A) => B): Record<K, B> {
  return Object.fromEntries(Object.entries<A>(record).map(([key, value]) => [key, f(value)])) as Record<K, B>;
}

function asset(folder: string, path: string): Asset {
  const contentType = contentTypes[extname(path)];
  if (!contentType) throw new Error(`docs asset of unknown type: ${path}`);
  return { url: `/docs/assets/${folder}/${basename(path)}`, contentType, body: readFileSync(path) };
}

/**
 * The Content-Security-Policy of a page: our own origin only. `publicOrigin` is the gateway as callers
 * reach it (PUBLIC_BASE_URL, the OpenAPI document's server), where Swagger UI's "Try it out" sends
 * requests: this gateway too, behind whatever proxy serves it.
 */
function contentSecurityPolicy(publicOrigin: string, options: { unsafeEval: boolean }) {
  return {
    defaultSrc: ["'self'"],
    // 'unsafe-eval' only where asked (the event catalog, see there); never 'unsafe-inline'.
    scriptSrc: options.unsafeEval ? ["'self'", "'unsafe-eval'"] : ["'self'"],
    styleSrc: ["'self'"],
    // data: for the icons both renderers' style sheets inline as data:image/svg+xml; no request leaves.
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'", publicOrigin],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  };
}

const page = (title: string, head: string, body: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    ${head}
  </head>
  <body>
    ${body}
  </body>
</html>
`;

/**
 * The human-readable API reference and event catalog, rendered in the browser from the gateway's own
 * /openapi.json and /asyncapi.json by renderers pinned in the lockfile and served from here — no CDN,
 * so the pages work offline and run no third-party code that no lockfile pins (issue 18):
 *
 * - `GET /docs`: Swagger UI (swagger-ui-dist) on /openapi.json.
 * - `GET /docs/events`: the AsyncAPI React component's standalone bundle on /asyncapi.json.
 * - `GET /docs/assets/<package>@<version>/<file>`: their scripts and styles, immutable (a year).
 *
 * Pages are revalidated on every load (`no-cache`) so that a new version's asset URLs are seen at once.
 *
 * @example app.route("/", docsRoutes({ publicBaseUrl: "http://127.0.0.1:8080" }))
 */
export function docsRoutes(options: { publicBaseUrl: string }) {
  const swagger = packageAssets("swagger-ui-dist", {
    bundle: "swagger-ui-bundle.js",
    css: "swagger-ui.css",
    icon: "favicon-32x32.png",
  });
  const asyncApi = packageAssets("@asyncapi/react-component", {
    bundle: "browser/standalone/index.js",
    css: "styles/default.min.css",
  });
  const own = ownAssets({ apiDocs: "api-docs.js", eventDocs: "event-docs.js" });
  const byUrl = new Map(
    [swagger, asyncApi, own].flatMap((group) => Object.values<Asset>(group)).map((a) => [a.url, a]),
  );

  const icon = `<link rel="icon" type="image/png" href="${swagger.icon.url}" />`;
  const apiPage = page(
    "InstallHub API",
    `${icon}\n    <link rel="stylesheet" href="${swagger.css.url}" />`,
    `<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
    <script src="${swagger.bundle.url}"></script>
    <script src="${own.apiDocs.url}"></script>`,
  );
  const eventsPage = page(
    "InstallHub events",
    `${icon}\n    <link rel="stylesheet" href="${asyncApi.css.url}" />`,
    `<div id="asyncapi" data-asyncapi-url="/asyncapi.json"></div>
    <script src="${asyncApi.bundle.url}"></script>
    <script src="${own.eventDocs.url}"></script>`,
  );

  const publicOrigin = new URL(options.publicBaseUrl).origin;
  const headers = (policy?: ReturnType<typeof contentSecurityPolicy>) =>
    secureHeaders({
      ...(policy ? { contentSecurityPolicy: policy } : {}),
      // Whether browsers must use HTTPS for this host is the deployment's decision, not a docs page's.
      strictTransportSecurity: false,
    });

  const app = new Hono<GatewayEnv>();
  app.get("/docs", headers(contentSecurityPolicy(publicOrigin, { unsafeEval: false })), (c) =>
    c.html(apiPage, 200, { "cache-control": "no-cache" }),
  );
  // The AsyncAPI component parses and validates the document in the browser with @asyncapi/parser,
  // whose ajv compiles its validators with `new Function`: without 'unsafe-eval' the bundle fails as it
  // loads. Parsing in the gateway instead (feeding the bundle without a parser a pre-parsed document)
  // would cost the gateway about 100 MB of memory and 2 s of CPU for a page it rarely serves. The
  // page renders only our own document, and scripts still come from our origin alone.
  app.get("/docs/events", headers(contentSecurityPolicy(publicOrigin, { unsafeEval: true })), (c) =>
    c.html(eventsPage, 200, { "cache-control": "no-cache" }),
  );
  app.use("/docs/assets/*", headers(), compress());
  app.get("/docs/assets/*", (c, next) => {
    const found = byUrl.get(c.req.path);
    if (!found) return next();
    return c.body(found.body, 200, {
      "content-type": found.contentType,
      "cache-control": "public, max-age=31536000, immutable",
    });
  });
  return app;
}
