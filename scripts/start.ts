// The dev stack, like production: the dev CDN (with the example catalog), an SMTP sink, and the four
// services as separate processes. Logs are pretty-printed and prefixed by process; Ctrl-C stops all.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { repositoryRoot } from "@installhub/shared";
import { prettyFactory } from "pino-pretty";

const gatewayUrl = process.env.PUBLIC_BASE_URL ?? "http://127.0.0.1:8080";
const env = {
  ...process.env,
  PUBLICHUB_CDN_URL: process.env.PUBLICHUB_CDN_URL ?? "http://127.0.0.1:8090/",
  SMTP_URL: process.env.SMTP_URL ?? "smtp://127.0.0.1:1025",
  PUBLIC_BASE_URL: gatewayUrl,
};

const processes: { name: string; script: string; env?: Record<string, string> }[] = [
  { name: "cdn", script: "scripts/dev-cdn.ts" },
  { name: "mail", script: "scripts/mail-sink.ts" },
  { name: "gateway", script: "services/gateway/src/main.ts" },
  { name: "scanner", script: "services/scanner/src/main.ts", env: { OPS_PORT: "9101" } },
  { name: "installer", script: "services/installer/src/main.ts", env: { OPS_PORT: "9102" } },
  { name: "notifier", script: "services/notifier/src/main.ts", env: { OPS_PORT: "9103" } },
];

const colors = [36, 35, 32, 33, 34, 31];
const pretty = prettyFactory({
  colorize: process.stdout.isTTY,
  ignore: "pid,hostname,service,name",
  translateTime: "HH:MM:ss.l",
});
const children: ChildProcess[] = [];
let stopping = false;

function prefixLines(name: string, color: number, stream: NodeJS.ReadableStream) {
  const label = process.stdout.isTTY ? `\x1b[${color}m${name.padEnd(9)}\x1b[0m│ ` : `${name.padEnd(9)}│ `;
  createInterface({ input: stream }).on("line", (line) => {
    const text = line.startsWith("{") ? pretty(line).trimEnd() : line;
    process.stdout.write(`${label}${text.replaceAll("\n", `\n${label}`)}\n`);
  });
}

processes.forEach(({ name, script, env: extra }, index) => {
  // Own process group: a terminal's Ctrl-C reaches only this process, which stops each child once.
  const child = spawn(process.execPath, [script], {
    cwd: repositoryRoot,
    env: { ...env, ...extra },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  prefixLines(name, colors[index % colors.length]!, child.stdout!);
  prefixLines(name, colors[index % colors.length]!, child.stderr!);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping everything`);
      void stopAll(1);
    }
  });
  children.push(child);
});

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.all(
    children.map((child) =>
      child.exitCode === null ? new Promise((r) => child.once("exit", r)) : undefined,
    ),
  );
  process.exit(exitCode);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

async function waitUntilOk(url: string, what: string, seconds = 120): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline && !stopping) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(500);
  }
  throw new Error(`${what} did not become ready at ${url}`);
}

try {
  await waitUntilOk(`${gatewayUrl}/readyz`, "gateway");
  await waitUntilOk(
    `${env.PUBLICHUB_CDN_URL}packages/acme-invoice-workflows/acme-invoice-workflows-3.0.0.tgz`,
    "dev CDN",
  );
  for (const port of [9101, 9102, 9103])
    await waitUntilOk(`http://127.0.0.1:${port}/readyz`, `service on ${port}`);
} catch (error) {
  console.error((error as Error).message);
  await stopAll(1);
}

const token = execFileSync(
  process.execPath,
  [
    "scripts/dev-token.ts",
    ...["--sub", "admin-1", "--email", "admin@tenant-abc123.example", "--tenants", "tenant-abc123"],
    ...["--permissions", "installhub:import,marketplace:install,marketplace:install:community"],
  ],
  { cwd: repositoryRoot, encoding: "utf8" },
).trim();

console.log(`
──────────────────────────────────────────────────────────────────────────────
 InstallHub is running.   API ${gatewayUrl}
 API reference ${gatewayUrl}/docs   event catalog ${gatewayUrl}/docs/events
 Mail caught by the SMTP sink: http://127.0.0.1:8025
 Dev token (admin of tenant-abc123, all permissions):

export TOKEN=${token}

 Install acme-invoice-workflows into tenant-abc123:

curl -s -X POST ${gatewayUrl}/api/marketplace/packages/acme-invoice-workflows/install \\
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
  -d '{"version":"3.0.0","targetTenantId":"tenant-abc123","defaultConflictStrategy":"Skip","dryRun":false}'

 Then poll the statusUrl it returns:
curl -s ${gatewayUrl}/api/marketplace/installs/<installId>/status -H "Authorization: Bearer $TOKEN"

 Ctrl-C stops everything.
──────────────────────────────────────────────────────────────────────────────`);
