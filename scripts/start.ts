// The dev stack, like production: the dev CDN (with the example catalog), an SMTP sink, and the four
// services as separate processes. Logs are pretty-printed and prefixed by process; Ctrl-C stops all.
// Every port is a setting (scripts/lib/dev-config.ts), so two stacks can run side by side.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig, repositoryRoot } from "@installhub/shared";
import { prettyFactory } from "pino-pretty";
import { devConfigSchema, devStackAddresses } from "./lib/dev-config.ts";
import { elapsed, progress } from "./lib/progress.ts";

const config = loadConfig(devConfigSchema);
const addresses = devStackAddresses(config);
const gatewayUrl = process.env.PUBLIC_BASE_URL ?? addresses.gateway;
const mailUrl = addresses.mail;
const env = {
  ...process.env,
  GATEWAY_PORT: String(config.GATEWAY_PORT),
  DEV_CDN_PORT: String(config.DEV_CDN_PORT),
  DEV_SMTP_PORT: String(config.DEV_SMTP_PORT),
  DEV_MAIL_WEB_PORT: String(config.DEV_MAIL_WEB_PORT),
  PUBLICHUB_CDN_URL: process.env.PUBLICHUB_CDN_URL ?? addresses.cdn,
  SMTP_URL: process.env.SMTP_URL ?? addresses.smtp,
  PUBLIC_BASE_URL: gatewayUrl,
};
const { opsPorts } = addresses;

const processes: { name: string; script: string; ports: [string, number][]; env?: Record<string, string> }[] =
  [
    { name: "cdn", script: "scripts/dev-cdn.ts", ports: [["DEV_CDN_PORT", config.DEV_CDN_PORT]] },
    {
      name: "mail",
      script: "scripts/mail-sink.ts",
      ports: [
        ["DEV_SMTP_PORT", config.DEV_SMTP_PORT],
        ["DEV_MAIL_WEB_PORT", config.DEV_MAIL_WEB_PORT],
      ],
    },
    {
      name: "gateway",
      script: "services/gateway/src/main.ts",
      ports: [["GATEWAY_PORT", config.GATEWAY_PORT]],
    },
    ...(["scanner", "installer", "notifier"] as const).map((name) => ({
      name,
      script: `services/${name}/src/main.ts`,
      ports: [["DEV_OPS_PORT", opsPorts[name]]] as [string, number][],
      env: { OPS_PORT: String(opsPorts[name]) },
    })),
  ];

// Before anything starts: a port another process holds stops the run with one line per port naming
// the holder (infra/ports.sh reads it from /proc), instead of a service dying on EADDRINUSE later.
const taken = processes.flatMap(({ name, ports }) =>
  ports.flatMap(([setting, port]) => {
    const owner = execFileSync(
      "bash",
      ["-c", 'source infra/ports.sh && port_owner "$1"', "-", String(port)],
      {
        cwd: repositoryRoot,
        encoding: "utf8",
      },
    ).trim();
    return owner.startsWith("foreign ")
      ? [
          `start: ${name}: port ${port} is held by ${owner.slice("foreign ".length)} — stop that process, or give this stack another port: ${setting}=…`,
        ]
      : [];
  }),
);
if (taken.length > 0) {
  for (const line of taken) console.error(line);
  process.exit(1);
}
// start.sh asks first, before it starts the infrastructure, so a taken port stops it at once.
if (process.argv.includes("--check-ports")) process.exit(0);

const colors = [36, 35, 32, 33, 34, 31];
const pretty = prettyFactory({
  colorize: process.stdout.isTTY,
  ignore: "pid,hostname,service,name",
  translateTime: "HH:MM:ss.l",
});
const children: ChildProcess[] = [];
let stopping = false;
let outputClosed = false;

function prefixLines(name: string, color: number, stream: NodeJS.ReadableStream) {
  const label = process.stdout.isTTY ? `\x1b[${color}m${name.padEnd(9)}\x1b[0m│ ` : `${name.padEnd(9)}│ `;
  createInterface({ input: stream }).on("line", (line) => {
    if (outputClosed) return;
    const text = line.startsWith("{") ? pretty(line).trimEnd() : line;
    process.stdout.write(`${label}${text.replaceAll("\n", `\n${label}`)}\n`);
  });
}

progress(`dev stack: starting ${processes.map((p) => p.name).join(", ")}`);
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

const running = () => children.filter((child) => child.exitCode === null && child.signalCode === null);

/** SIGTERM to every child, then wait for each; one still there after 20 s gets SIGKILL. */
async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of running()) child.kill("SIGTERM");
  const killer = setTimeout(() => {
    for (const child of running()) child.kill("SIGKILL");
  }, 20_000);
  await Promise.all(running().map((child) => new Promise((r) => child.once("exit", r))));
  clearTimeout(killer);
  process.exit(exitCode);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));
process.on("SIGHUP", () => void stopAll(0));
// Output gone (`npm start | head`, a closed terminal): stop rather than run on unseen.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", () => {
    outputClosed = true;
    void stopAll(1);
  });
// The children have process groups of their own, so nothing stops them if this process dies another
// way (an uncaught error): kill them on the way out instead of leaving them running unseen.
process.on("exit", () => {
  for (const child of running()) child.kill("SIGKILL");
});

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
  const waits: [string, string][] = [
    ["dev CDN", `${env.PUBLICHUB_CDN_URL}packages/acme-invoice-workflows/acme-invoice-workflows-3.0.0.tgz`],
    ["mail sink", `${mailUrl}/messages.json`],
    ["gateway", `${addresses.gateway}/readyz`],
    ...Object.entries(opsPorts).map(([name, port]): [string, string] => [
      name,
      `http://127.0.0.1:${port}/readyz`,
    ]),
  ];
  for (const [what, url] of waits) {
    await waitUntilOk(url, what);
    progress(`${what}: ready`);
  }
} catch (error) {
  console.error((error as Error).message);
  await stopAll(1);
}

const token = execFileSync(
  process.execPath,
  [
    "scripts/dev-token.ts",
    ...["--sub", "admin-1", "--email", "admin@tenant-abc123.example", "--tenants", "tenant-abc123"],
    ...[
      "--permissions",
      "installhub:import,marketplace:install,marketplace:install:community,marketplace:uninstall",
    ],
  ],
  { cwd: repositoryRoot, encoding: "utf8" },
).trim();

console.log(`
──────────────────────────────────────────────────────────────────────────────
 InstallHub is running (ready in ${elapsed()}).   API ${gatewayUrl}
 API reference ${gatewayUrl}/docs   event catalog ${gatewayUrl}/docs/events
 Mail caught by the SMTP sink: ${mailUrl}
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
