import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repositoryRoot } from "@installhub/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clamdClient } from "../services/scanner/src/clamav/clamd-client.ts";

// The local infrastructure scripts against the two ways they used to go wrong: a checkout inside a
// private folder (clamd could not read its own database), and another checkout's servers on the same
// ports (taken for this one's own).

const EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/** A listening socket on a free loopback port, standing for somebody else's server. */
async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function freePort(): Promise<number> {
  const { server, port } = await listen();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs a script with the environment a developer without any infrastructure settings has, plus `env`.
 * Never throws: the exit code and both streams are the result.
 */
function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const {
    KAFKA_BROKERS: _k,
    SCHEMA_REGISTRY_URL: _s,
    MONGO_URL: _m,
    CLAMD_URL: _c,
    INSTALLHUB_INFRA_DIR: _d,
    ...inherited
  } = process.env;
  for (const key of Object.keys(inherited)) if (key.startsWith("INFRA_")) delete inherited[key];
  return new Promise((resolve) => {
    execFile(
      "bash",
      [script, ...args],
      { env: { ...inherited, ...env }, timeout: 240_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("clamd from a checkout inside a private (0700) folder", () => {
  let parent: string;
  let clamdScript: string;
  let port: number;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "installhub-private-"));
    // What clamd.sh needs of a checkout: the infra folder, the checkout's root above it.
    await cp(join(repositoryRoot, "infra"), join(parent, "x", "infra"), { recursive: true });
    clamdScript = join(parent, "x", "infra", "clamd.sh");
    port = await freePort();
  });

  afterAll(async () => {
    await runScript(clamdScript, ["down"], { INFRA_CLAMD_PORT: String(port) });
    await rm(parent, { recursive: true, force: true });
  });

  it("starts, answers PING, finds EICAR, and stops", async () => {
    expect((await stat(parent)).mode & 0o777).toBe(0o700);
    const env = { INFRA_CLAMD_PORT: String(port) };

    const up = await runScript(clamdScript, ["up"], env);
    expect(up.stderr).toContain(`up on tcp://127.0.0.1:${port}`);
    expect(up.code).toBe(0);

    const clamd = clamdClient({ url: `tcp://127.0.0.1:${port}`, timeoutMs: 10_000 });
    await clamd.ping();
    expect(await clamd.scan(new TextEncoder().encode(EICAR))).toEqual({
      infected: true,
      signature: expect.stringContaining("InstallHub.Test.EICAR"),
    });
    expect(await clamd.scan(new TextEncoder().encode("a clean file"))).toEqual({ infected: false });

    expect(await runScript(clamdScript, ["down"], env)).toMatchObject({ code: 0 });
    expect(await runScript(clamdScript, ["status"], env)).toMatchObject({ code: 1, stdout: "clamd: down\n" });
    await expect(clamd.ping()).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("infra.sh log-files", () => {
  it("names every log of a state directory, PostgreSQL's too, creating nothing", async () => {
    const state = await mkdtemp(join(tmpdir(), "installhub-infra-logs-"));
    try {
      const files = await runScript(join(repositoryRoot, "infra/infra.sh"), ["log-files"], {
        INSTALLHUB_INFRA_DIR: state,
      });
      expect(files.code).toBe(0);
      const lines = files.stdout.trimEnd().split("\n");
      expect(lines.slice(0, 3)).toEqual(
        ["kafka", "registry", "mongodb"].map((name) => join(state, name, `${name}.log`)),
      );
      expect(lines).toHaveLength(4);
      expect(lines[3]).toMatch(/\/postgres\.log$/);
      const sqlite = await runScript(join(repositoryRoot, "infra/infra.sh"), ["log-files"], {
        INSTALLHUB_INFRA_DIR: state,
        INFRA_MONGO_BACKEND: "sqlite",
      });
      expect(sqlite.stdout.trimEnd().split("\n")).toEqual(lines.slice(0, 3));
      expect(await readdir(state)).toEqual([]);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });
});

describe("another process on a component's port", () => {
  let foreign: { server: Server; port: number };
  let state: string;
  let ports: Record<string, string>;

  beforeAll(async () => {
    foreign = await listen();
    state = await mkdtemp(join(tmpdir(), "installhub-infra-"));
    ports = {
      INFRA_KAFKA_PORT: String(foreign.port),
      INFRA_KAFKA_CONTROLLER_PORT: String(await freePort()),
      INFRA_REGISTRY_PORT: String(await freePort()),
      INFRA_MONGO_PORT: String(await freePort()),
      INFRA_CLAMD_PORT: String(foreign.port),
    };
  });

  afterAll(async () => {
    await new Promise((resolve) => foreign.server.close(resolve));
    await rm(state, { recursive: true, force: true });
  });

  const infra = (command: string) =>
    runScript(join(repositoryRoot, "infra/infra.sh"), [command], { ...ports, INSTALLHUB_INFRA_DIR: state });
  const holder = () => `pid ${process.pid} (`;

  it("stops `infra up` at once with one line: the port, who holds it, the ways out; nothing started", async () => {
    const up = await infra("up");
    expect(up.code).toBe(1);
    const lines = up.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`infra: kafka: port ${foreign.port} is held by ${holder()}`);
    expect(lines[0]).toContain("not by this checkout's kafka");
    expect(lines[0]).toContain(
      `stop that process, or use it on purpose: export KAFKA_BROKERS=127.0.0.1:${foreign.port}`,
    );
    expect(await readdir(state)).toEqual([]);
  });

  it("reports the component down in `status`, naming the holder, though something answers there", async () => {
    const status = await infra("status");
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`kafka: down — port ${foreign.port} is held by ${holder()}`);
    expect(status.stdout).toContain("registry: down\n");
  });

  it("takes a pid file naming an unrelated process for a stopped component, and `down` leaves it alone", async () => {
    await mkdir(join(state, "kafka"), { recursive: true });
    await writeFile(join(state, "kafka", "pid"), String(process.pid));
    expect((await infra("status")).stdout).toContain("kafka: down");
    expect(await infra("down")).toMatchObject({ code: 0, stderr: "" });
    expect(process.kill(process.pid, 0)).toBe(true);
    await rm(join(state, "kafka"), { recursive: true });
  });

  it("stops `clamd.sh up` the same way", async () => {
    const up = await runScript(join(repositoryRoot, "infra/clamd.sh"), ["up"], {
      ...ports,
      INSTALLHUB_INFRA_DIR: state,
    });
    expect(up.code).toBe(1);
    expect(up.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^clamd: port ${foreign.port} is held by pid ${process.pid} \\(.*\\), not by this checkout's clamd .* — stop that process, or use it on purpose: export CLAMD_URL=tcp://127\\.0\\.0\\.1:${foreign.port} `,
        ),
      ),
    ]);
  });
});
