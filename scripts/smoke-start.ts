// CI's check of the README's first command, done the way a newcomer does it: `pnpm start`, paste the
// printed curl, poll the status to Success, read the caught e-mail, rebuild the statuses with
// `pnpm ops replay-status`, Ctrl-C — twice, since running it again must work too.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { repositoryRoot } from "@installhub/shared";
import { waitFor } from "@installhub/shared/testing";

function startStack(): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn("pnpm", ["start"], {
    cwd: repositoryRoot,
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

const leftoverProcesses = () =>
  bash(
    "ps -eo args | grep -E 'services/[a-z]+/src/main.ts|scripts/(dev-cdn|mail-sink|start).ts' | grep -v grep || true",
  ).trim();

/** Ctrl-C as a terminal sends it: SIGINT to the foreground process group. Then every process must go. */
async function stopWithCtrlC(child: ChildProcess, output: () => string): Promise<void> {
  process.kill(-child.pid!, "SIGINT");
  await waitFor(() => leftoverProcesses() === "", {
    timeoutMs: 60_000,
    what: "every process of pnpm start to exit",
  });
  for (const service of ["gateway", "scanner", "installer", "notifier"]) {
    if (!new RegExp(`${service}\\s*│.*INFO: stopped`).test(output()))
      throw new Error(`${service} did not stop cleanly`);
  }
}

function bash(script: string): string {
  return execFileSync("bash", ["-c", script], { cwd: repositoryRoot, encoding: "utf8" });
}

async function run(round: number): Promise<void> {
  const { child, output } = startStack();
  try {
    await waitFor(() => output().includes("Ctrl-C stops everything"), {
      timeoutMs: 240_000,
      what: "pnpm start's banner",
    });
    const printed = output();
    const token = /^export TOKEN=.*$/m.exec(printed)?.[0];
    const curl = /^curl -s -X POST[\s\S]*?\}'$/m.exec(printed)?.[0];
    if (!token || !curl) throw new Error(`pnpm start printed no token or curl:\n${printed}`);

    const accepted = JSON.parse(bash(`${token}\n${curl}`)) as { installId: string; statusUrl: string };
    console.log(`round ${round}: pasted the printed curl → ${JSON.stringify(accepted)}`);
    const status = await waitFor(
      () => {
        const body = JSON.parse(
          bash(
            `${token}\ncurl -s http://127.0.0.1:8080${accepted.statusUrl} -H "Authorization: Bearer $TOKEN"`,
          ),
        );
        return body.status !== "InProgress" && body;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: "the install to finish" },
    );
    console.log(`round ${round}: status → ${JSON.stringify(status)}`);
    if (status.status !== "Success" || typeof status.importId !== "string")
      throw new Error("the install did not succeed");

    const mail = await waitFor(
      async () => {
        const messages = (await (await fetch("http://127.0.0.1:8025/messages.json")).json()) as {
          subject: string;
          text: string;
        }[];
        return messages.find((m) => m.text.includes(status.importId));
      },
      { what: "the e-mail in the dev mail sink" },
    );
    console.log(`round ${round}: mail caught → "${mail.subject}"`);

    const replay = bash("pnpm --silent ops replay-status 2>/dev/null");
    const after = JSON.parse(
      bash(`${token}\ncurl -s http://127.0.0.1:8080${accepted.statusUrl} -H "Authorization: Bearer $TOKEN"`),
    );
    if (JSON.stringify(after) !== JSON.stringify(status))
      throw new Error(`replay changed the status: ${JSON.stringify(after)}`);
    console.log(`round ${round}: ${replay.trim()}; status unchanged`);
  } catch (error) {
    console.error(output());
    throw error;
  } finally {
    await stopWithCtrlC(child, output);
    console.log(`round ${round}: Ctrl-C → every process stopped cleanly`);
  }
}

await run(1);
await run(2);
console.log("pnpm start: two rounds, each installed, mailed, replayed and stopped cleanly");
