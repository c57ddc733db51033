import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../e2e/stack.ts";

/**
 * The OpenAPI document and the server agree: schemathesis (from PyPI, pinned in requirements.txt)
 * generates requests from /openapi.json — valid ones, invalid ones, unsupported methods, missing
 * headers, stateful sequences — against the whole stack, with every check on. Bounded by
 * API_FUZZ_MAX_SECONDS (default 150) and a fixed seed, so CI explores the same cases every run;
 * set API_FUZZ_SEED to explore others.
 */
const here = import.meta.dirname;
const requirements = readFileSync(join(here, "requirements.txt"), "utf8").trim();
const version = /schemathesis==([\w.]+)/.exec(requirements)?.[1] ?? "unpinned";
const cache = process.env.INSTALLHUB_CACHE ?? join(homedir(), ".cache", "installhub");
const venv = join(cache, `schemathesis-${version}`);
const schemathesis = join(venv, "bin", "schemathesis");
const maxSeconds = Number(process.env.API_FUZZ_MAX_SECONDS ?? 150);
const seed = process.env.API_FUZZ_SEED ?? "20261129";

/** A virtualenv with the pinned schemathesis, made once and cached outside the repository. */
function ensureSchemathesis(): void {
  if (existsSync(schemathesis)) return;
  execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  execFileSync(join(venv, "bin", "pip"), ["install", "--quiet", "-r", join(here, "requirements.txt")], {
    stdio: "inherit",
  });
}

let stack: Stack;
beforeAll(async () => {
  ensureSchemathesis();
  stack = await startStack("api-fuzz");
}, 300_000);
afterAll(async () => {
  await stack?.close();
});

describe("the OpenAPI document", () => {
  it(
    "is what the server does: schemathesis --checks all finds nothing",
    async () => {
      const token = await stack.token({ sub: "fuzzer", tenants: ["tenant-abc123"] });
      const args = [
        "--config-file",
        join(here, "schemathesis.toml"),
        "run",
        `${stack.gateway.url}/openapi.json`,
        "--checks",
        "all",
        "--header",
        `Authorization: Bearer ${token}`,
        "--max-examples",
        "15",
        // One worker: hypothesis on CPython 3.11 raises SystemError when two threads parse lambdas at once.
        "--workers",
        "1",
        "--max-time",
        String(maxSeconds),
        "--seed",
        seed,
        "--no-color",
      ];
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        // Its working folder takes its cache (.schemathesis/): not the repository.
        const child = spawn(schemathesis, args, { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.stderr.on("data", (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.on("close", (exitCode) => resolve({ code: exitCode, output }));
      });
      const summary = output.slice(output.lastIndexOf("SUMMARY"));
      console.log(`schemathesis ${version}, seed ${seed}:\n${summary}`);
      expect(code, output.slice(-20_000)).toBe(0);
      expect(output).toMatch(/No issues found/);
    },
    (maxSeconds + 120) * 1000,
  );
});
