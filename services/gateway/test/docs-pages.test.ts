import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventJsonSchema, installEventTypes, repositoryRoot } from "@installhub/shared";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./harness.ts";

/**
 * The docs pages as a person opens them: Debian's Chromium, driven by playwright-core, on a machine
 * without internet (issue 18). Every request that is not to 127.0.0.1 is recorded and aborted, and
 * each page must make none, log no console error, and show the install operation and its request
 * body (API reference) or InstallRequested with its payload, headers and key (event catalog).
 * Screenshots go to .artifacts/screenshots/ (git-ignored; CI keeps them as artefacts).
 */

const chromiumPath = "/usr/bin/chromium";
const screenshots = join(repositoryRoot, ".artifacts", "screenshots");

let t: TestGateway;
let userDataDir: string | undefined;
let launched: Promise<BrowserContext> | undefined;
/** Requests that tried to leave loopback, whatever the page. */
const offLoopback: string[] = [];

beforeAll(async () => {
  t = await startTestGateway("gateway-docs");
});

afterAll(async () => {
  await (await launched?.catch(() => undefined))?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await t?.close();
});

/**
 * Debian's Chromium with a fresh profile, started on first use. Without it each browser test fails
 * with how to install it (never skips): CI installs it, and playwright-core downloads no browser.
 */
function browser(): Promise<BrowserContext> {
  launched ??= (async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `Debian's chromium is missing at ${chromiumPath}: the docs pages cannot be checked in a browser. ` +
          "Install it with `apt-get install -y chromium` (.ci/run does so); playwright-core never downloads one.",
      );
    }
    userDataDir = await mkdtemp(join(tmpdir(), "installhub-chromium-"));
    await mkdir(screenshots, { recursive: true });
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        "--headless",
        "--no-sandbox", // CI runs as root, where Chromium's sandbox refuses to start
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (new URL(url).hostname === "127.0.0.1") return route.continue();
      offLoopback.push(url);
      return route.abort("blockedbyclient");
    });
    return context;
  })();
  return launched;
}

/** Opens `path` in a new tab and records what a page must not do: errors and requests to other origins. */
async function open(path: string) {
  const page = await (await browser()).newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on("request", (request) => requests.push(request.url()));
  const response = await page.goto(`${t.gateway.url}${path}`, { waitUntil: "networkidle" });
  expect(response?.status()).toBe(200);
  return {
    page,
    /** Asserts the page stayed on the gateway's origin and logged no error, then closes it. */
    async checkAndClose() {
      await page.waitForLoadState("networkidle");
      const origin = new URL(t.gateway.url).origin;
      expect(offLoopback).toEqual([]);
      expect(requests.filter((url) => !url.startsWith("data:") && new URL(url).origin !== origin)).toEqual(
        [],
      );
      expect(consoleErrors).toEqual([]);
      await page.close();
    },
  };
}

/** Clicks "Expand all" in `section` until the renderer has none left there (nested ones appear as it opens). */
async function expandAll(page: Page, section: Locator) {
  const expand = section.getByRole("button", { name: "Expand all", exact: true });
  for (let clicks = 0; (await expand.count()) > 0; clicks++) {
    expect(clicks).toBeLessThan(50);
    // The renderer applies a click a moment later: a button counted just before may have turned into
    // "Collapse all" by the time it is clicked. Then there is nothing to click; count again.
    await expand
      .first()
      .click({ timeout: 5_000 })
      .catch((error: Error) => {
        if (error.name !== "TimeoutError") throw error;
      });
  }
  await page.waitForLoadState("networkidle");
}

/** The text a person sees in `locator`: rendered text, so collapsed or hidden parts do not count. */
function shownText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, not the DOM's; rendered text is the point
  return locator.innerText();
}

/** Every property name of a JSON Schema object, nested objects included. */
function propertyNames(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.entries(properties).flatMap(([name, child]) => [name, ...propertyNames(child)]);
}

describe("GET /docs (API reference, Swagger UI served by the gateway)", () => {
  it("renders offline, shows the install operation and its request body fields, and logs no error", async () => {
    const { page, checkAndClose } = await open("/docs");
    const install = page.locator(".opblock", { hasText: "/api/marketplace/packages/{packageId}/install" });
    await install.locator(".opblock-summary-control").click();
    const body = install.locator(".opblock-section-request-body");
    await body.getByRole("tab", { name: "Schema" }).click();
    await body.getByText("InstallRequest", { exact: true }).waitFor();

    const openapi = (await t.call("GET", "/openapi.json")).body;
    const fields = Object.keys(openapi.components.schemas.InstallRequest.properties);
    expect(fields).toEqual(
      expect.arrayContaining(["version", "targetTenantId", "defaultConflictStrategy", "dryRun"]),
    );
    const shown = await shownText(body);
    for (const field of fields) expect(shown).toContain(field);
    expect(await shownText(install.locator(".opblock-summary-method"))).toBe("POST");

    await page.screenshot({ path: join(screenshots, "docs.png") });
    await install.screenshot({ path: join(screenshots, "docs-install-operation.png") });
    await checkAndClose();
  });

  it("serves its assets from versioned URLs with a year's immutable caching, and a same-origin CSP", async () => {
    const docs = await t.call("GET", "/docs");
    const csp = docs.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain("unsafe-inline");
    expect(docs.body).not.toMatch(/<script>|https?:\/\//);
    const assets = [...docs.body.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(
      expect.arrayContaining([expect.stringMatching(/swagger-ui-dist@\d+\.\d+\.\d+\//)]),
    );
    for (const asset of assets) {
      const response = await fetch(`${t.gateway.url}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }
    expect((await t.call("GET", "/docs/assets/swagger-ui-dist@0.0.0/swagger-ui-bundle.js")).status).toBe(404);
  });
});

describe("GET /docs/events (event catalog, the AsyncAPI React component served by the gateway)", () => {
  it("renders offline: topics, every event type, InstallRequested's payload, CloudEvents headers and key", async () => {
    const { page, checkAndClose } = await open("/docs/events");
    const message = page.locator("#message-InstallRequested");
    await message.waitFor();
    const text = await shownText(page.locator("#asyncapi"));
    expect(text).toContain(t.config.INSTALL_EVENTS_TOPIC);
    expect(text).toContain(t.config.DLQ_TOPIC);
    for (const type of installEventTypes) expect(await page.locator(`#message-${type}`).count()).toBe(1);

    await expandAll(page, page.locator("#message-InstallRequested-payload"));
    await expandAll(page, page.locator("#message-InstallRequested-headers"));
    await expandAll(page, message.locator("div.mt-2", { hasText: "Message specific information" }));
    const payload = await shownText(page.locator("#message-InstallRequested-payload"));
    const fields = propertyNames(eventJsonSchema("InstallRequested"));
    expect(fields).toEqual(expect.arrayContaining(["installId", "tenantId", "archive", "sha256", "dryRun"]));
    for (const field of fields) expect(payload).toContain(field);
    const headers = await shownText(page.locator("#message-InstallRequested-headers"));
    for (const header of ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject"]) {
      expect(headers).toContain(header);
    }
    expect(headers).toContain('"InstallRequested"');
    const shown = await shownText(message);
    expect(shown).toMatch(/Correlation ID\s*\$message\.header#\/ce_subject/);
    expect(shown).toMatch(/key\s*String\s*The event's tenantId/);

    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(screenshots, "docs-events.png") });
    await message.screenshot({ path: join(screenshots, "docs-events-install-requested.png") });
    await checkAndClose();
  });

  it("allows 'unsafe-eval' (the AsyncAPI parser's validators) but still only our own origin", async () => {
    const events = await t.call("GET", "/docs/events");
    const csp = events.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'unsafe-eval';");
    expect(csp).not.toContain("unsafe-inline");
    expect(events.body).toContain('data-asyncapi-url="/asyncapi.json"');
    expect(events.body).not.toMatch(/<script>|https?:\/\//);
  });
});
