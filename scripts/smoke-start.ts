// CI's check of the README's first command, done the way a newcomer does it: `npm start` from a shell
// whose PATH has only the machine's Node and npm (none of the project's cached Node 24 or pnpm, no
// node_modules/.bin), paste the printed token and curl, poll the printed status URL to Success, read
// the e-mail at the printed mail page, rebuild the statuses with `npm run ops replay-status`, Ctrl-C
// — twice, since running it again must work too. Ports follow the environment (INFRA_*_PORT,
// GATEWAY_PORT, DEV_*_PORT), so it can run beside another stack.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { repositoryRoot } from "@installhub/shared";
import { waitFor } from "@installhub/shared/testing";

const cache = process.env.INSTALLHUB_CACHE ?? join(homedir(), ".cache", "installhub");

/** The environment of a newcomer's terminal: this one without the toolchain npm and our scripts added. */
const newcomerEnv: Record<string, string | undefined> = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_|INSTALLHUB_STARTED_AT$)/i.test(name)),
);
newcomerEnv.PATH = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((dir) => dir && !dir.startsWith(cache) && !/node_modules[\\/]\.bin$|node-gyp-bin$/.test(dir))
  .join(delimiter);

function bash(script: string): string {
  return execFileSync("bash", ["-c", script], { cwd: repositoryRoot, encoding: "utf8", env: newcomerEnv });
}

function startStack(): { child: ChildProcess; output: () => string } {
  let output = "";
  // detached: its own process group, like a terminal's foreground job, so Ctrl-C can reach all of it.
  const child = spawn("npm", ["start"], {
    cwd: repositoryRoot,
    env: newcomerEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    output += chunk;
  });
  return { child, output: () => output };
}

/** This checkout's dev stack processes still alive (a service, the CDN, the mail sink, start.ts). */
function leftoverProcesses(): string[] {
  const pattern = /services\/[a-z]+\/src\/main\.ts|scripts\/(dev-cdn|mail-sink|start)\.ts/;
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
        return pattern.test(args) && readlinkSync(`/proc/${pid}/cwd`) === repositoryRoot
          ? [`${pid} ${args}`]
          : [];
      } catch {
        return []; // exited meanwhile
      }
    });
}

const infraStatus = () => {
  try {
    return { up: true, text: bash("bash infra/infra.sh status") };
  } catch (error) {
    return { up: false, text: String((error as { stdout?: string }).stdout) };
  }
};

/** Ctrl-C as a terminal sends it: SIGINT to the foreground process group. Then every process must go. */
async function stopWithCtrlC(child: ChildProcess, output: () => string, infraWasUp: boolean): Promise<void> {
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid!, "SIGINT");
  } catch {
    // the whole group has exited already
  }
  await waitFor(() => leftoverProcesses().length === 0, {
    timeoutMs: 60_000,
    what: `every process of npm start to exit (left: ${leftoverProcesses().join("; ")})`,
  });
  await Promise.race([
    exited,
    sleep(120_000).then(() => Promise.reject(new Error("npm start did not exit within 120 s of Ctrl-C"))),
  ]);
  for (const service of ["gateway", "scanner", "installer", "notifier"]) {
    if (!new RegExp(`${service}\\s*│.*INFO: stopped`).test(output()))
      throw new Error(`${service} did not stop cleanly`);
  }
  const infra = infraStatus();
  if (!infraWasUp && infra.text.includes(": up"))
    throw new Error(`npm start left the infrastructure it started running:\n${infra.text}`);
}

async function run(round: number): Promise<void> {
  const infraWasUp = infraStatus().up;
  const { child, output } = startStack();
  try {
    const exitedEarly = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`npm start exited (${code}) before its banner`))),
    );
    await Promise.race([
      exitedEarly,
      waitFor(() => output().includes("Ctrl-C stops everything"), {
        timeoutMs: 600_000,
        intervalMs: 500,
        what: "npm start's banner",
      }),
    ]);
    exitedEarly.catch(() => {}); // after the banner, exiting is the Ctrl-C's business
    const printed = output();
    const token = /^export TOKEN=.*$/m.exec(printed)?.[0];
    const curl = /^curl -s -X POST[\s\S]*?\}'$/m.exec(printed)?.[0];
    const poll = /^curl -s \S+\/api\/marketplace\/installs\/<installId>\/status .*$/m.exec(printed)?.[0];
    const mailPage = /Mail caught by the SMTP sink: (\S+)/.exec(printed)?.[1];
    if (!token || !curl || !poll || !mailPage)
      throw new Error(`npm start printed no token, install curl, status curl or mail page:\n${printed}`);
    if (round === 1)
      console.log(
        [
          ...(printed.match(/^\[ *[\dm.]+s\] .*$/gm) ?? ["(no progress lines)"]),
          /InstallHub is running.*$/m.exec(printed)![0],
        ].join("\n"),
      );

    const postedAt = Date.now();
    const accepted = JSON.parse(bash(`${token}\n${curl}`)) as { installId: string; estimatedSeconds: number };
    console.log(`round ${round}: pasted the printed curl → ${JSON.stringify(accepted)}`);
    const pollOnce = () => JSON.parse(bash(`${token}\n${poll.replace("<installId>", accepted.installId)}`));
    const status = await waitFor(
      () => {
        const body = pollOnce();
        return body.status !== "InProgress" && body;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: "the install to finish" },
    );
    console.log(`round ${round}: status → ${JSON.stringify(status)}`);
    // Issue 12: the first install's estimate should be within 2× of what it took (printed, not
    // asserted: timings belong to `npm run bench`, not to pass/fail).
    const tookSeconds = (Date.parse(status.completedAt) - postedAt) / 1000;
    console.log(
      `round ${round}: estimated ${accepted.estimatedSeconds} s, took ${tookSeconds.toFixed(2)} s (202 → completedAt)`,
    );
    if (status.status !== "Success" || typeof status.importId !== "string")
      throw new Error("the install did not succeed");

    const mail = await waitFor(
      async () => {
        const messages = (await (await fetch(`${mailPage}/messages.json`)).json()) as {
          subject: string;
          text: string;
        }[];
        return messages.find((m) => m.text.includes(status.importId));
      },
      { what: `the e-mail at ${mailPage}` },
    );
    console.log(`round ${round}: mail caught → "${mail.subject}"`);

    // Another terminal of the same checkout: the URLs of the infrastructure npm start runs.
    const replay = bash(
      'eval "$(bash infra/infra.sh env)" && npm run --silent ops replay-status 2>/dev/null',
    );
    const after = pollOnce();
    if (JSON.stringify(after) !== JSON.stringify(status))
      throw new Error(`replay changed the status: ${JSON.stringify(after)}`);
    console.log(`round ${round}: ${replay.trim()}; status unchanged`);
  } catch (error) {
    console.error(output());
    throw error;
  } finally {
    await stopWithCtrlC(child, output, infraWasUp);
    console.log(`round ${round}: Ctrl-C → every process stopped cleanly`);
  }
}

console.log(
  `a newcomer's PATH: node ${bash("node --version").trim()} (${bash("command -v node").trim()}), npm ${bash("npm --version").trim()}, pnpm ${bash("command -v pnpm || echo none").trim()}`,
);
await run(1);
await run(2);
console.log("npm start: two rounds, each installed, mailed, replayed and stopped cleanly");
