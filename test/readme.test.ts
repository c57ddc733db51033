import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { baseConfigSchema, repositoryRoot } from "@installhub/shared";
import { configEnvironment } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devConfigSchema } from "../scripts/lib/dev-config.ts";
import { gatewayConfigSchema } from "../services/gateway/src/config.ts";
import { installerConfigSchema } from "../services/installer/src/config.ts";
import { notifierConfigSchema } from "../services/notifier/src/config.ts";
import { scannerConfigSchema } from "../services/scanner/src/config.ts";
import { type Stack, startStack } from "./e2e/stack.ts";

// No doc rot: the README's walk-through runs here, block by block, against a real stack, and what each
// block prints must match the expected output written under it.
const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8");

interface Step {
  name: string;
  script: string;
  expected?: { kind: "json" | "text"; body: string };
}

function walkthroughSteps(): Step[] {
  const pattern = /<!-- step: ([\w-]+) -->\n```sh\n([\s\S]*?)```\n(?:```(json|text)\n([\s\S]*?)```\n)?/g;
  return [...readme.matchAll(pattern)].map((m) => ({
    name: m[1]!,
    script: m[2]!,
    ...(m[3] ? { expected: { kind: m[3] as "json" | "text", body: m[4]!.trim() } } : {}),
  }));
}

const wildcard = (expected: string) =>
  new RegExp(
    `^${expected
      .split("…")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("[\\s\\S]*")}$`,
  );

function matches(actual: unknown, expected: unknown): boolean {
  if (expected === "…") return actual !== undefined;
  if (typeof expected === "string" && expected.includes("…"))
    return typeof actual === "string" && wildcard(expected).test(actual);
  return JSON.stringify(actual) === JSON.stringify(expected);
}

let stack: Stack;
beforeAll(async () => {
  // A pause after each artifact write keeps the reinstall of the cancel step running long enough for its
  // cancel to find it in progress, as it would a larger package (a finished one answers 409).
  stack = await startStack("readme", { INSTALL_ARTIFACT_THROTTLE_MS: "300" });
});

describe("README", () => {
  it("walk-through: every block runs and prints what the README says", async () => {
    const steps = walkthroughSteps();
    expect(steps.map((s) => s.name)).toEqual([
      "setup",
      "install",
      "status",
      "audit-log",
      "community-refused",
      "community-acknowledged",
      "missing-permission",
      "scan-failure",
      "dry-run",
      "conflicts",
      "lifecycle-install",
      "tenant-edit",
      "upgrade-plan",
      "upgrade",
      "installed",
      "cancel",
      "history",
      "uninstall",
      "uninstalled",
    ]);
    const script = ["set -euo pipefail", ...steps.flatMap((s) => [`echo "@@step ${s.name}"`, s.script])]
      .join("\n")
      .replaceAll("http://127.0.0.1:8080", stack.gateway.url);
    const { stdout } = await promisify(execFile)("bash", ["-c", script], {
      cwd: repositoryRoot,
      // dev:edit-artifact writes the stack's tenant store: its MONGO_URL and MONGO_DB.
      env: { ...process.env, ...configEnvironment(stack.config), DEV_KEYS_DIR: stack.keysDir },
      timeout: 300_000,
    });
    const outputs = new Map(
      stdout
        .split("@@step ")
        .slice(1)
        .map((chunk) => {
          const [name, ...lines] = chunk.split("\n");
          return [name!, lines.join("\n").trim()] as const;
        }),
    );
    for (const step of steps) {
      if (!step.expected) continue;
      const output = outputs.get(step.name) ?? "";
      if (step.expected.kind === "text") {
        expect(output, step.name).toMatch(wildcard(step.expected.body));
        continue;
      }
      const actual = JSON.parse(
        output
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .at(-1) ?? "null",
      );
      const expected = JSON.parse(step.expected.body) as Record<string, unknown>;
      expect(Object.keys(actual ?? {}).sort(), step.name).toEqual(Object.keys(expected).sort());
      for (const [key, value] of Object.entries(expected)) {
        expect(
          matches(actual[key], value),
          `${step.name}: ${key} = ${JSON.stringify(actual[key])}, README says ${JSON.stringify(value)}`,
        ).toBe(true);
      }
    }
  }, 360_000);

  it("documents every configuration variable of every service", () => {
    const schemas = [
      baseConfigSchema,
      gatewayConfigSchema,
      scannerConfigSchema,
      installerConfigSchema,
      notifierConfigSchema,
      devConfigSchema,
    ];
    const variables = new Set(schemas.flatMap((schema) => Object.keys(schema.shape)));
    const documented = new Set([...readme.matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((m) => m[1]));
    expect([...variables].filter((name) => !documented.has(name)).sort()).toEqual([]);
    expect([...documented].filter((name) => !variables.has(name!)).sort()).toEqual([]);
  });

  it("keeps exactly the two commands a newcomer runs", () => {
    const block = /## The two commands\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(
      block
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split("#")[0]!.trim()),
    ).toEqual(["npm start", "npm test"]);
    const scripts = JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")).scripts;
    expect(scripts.start).toBeDefined();
    expect(scripts.test).toBeDefined();
  });
});

afterAll(async () => {
  await stack?.close();
});
