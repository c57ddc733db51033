// Child processes of a bench run: spawned with their output in a log file of the run directory (no
// pipe the bench would have to drain), waited for through their public endpoints, sampled for RSS.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { repositoryRoot } from "@installhub/shared";

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs` (the services allow themselves 30 s). */
  stop(graceMs?: number): Promise<void>;
}

function track(name: string, child: ChildProcess, logFile: string): Child {
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  return {
    name,
    pid: child.pid!,
    process: child,
    logFile,
    exited,
    logTail(lines = 15) {
      try {
        return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      } catch {
        return "(no log)";
      }
    },
    async stop(graceMs = 35_000) {
      if (hasExited) return;
      child.kill("SIGTERM");
      const killed = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
      if (killed) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/**
 * Where the pipeline's processes come from: this checkout, or `BENCH_CHECKOUT` — another checkout
 * (say a worktree at an older commit, with its dependencies installed) whose services the same bench
 * measures, for before/after figures and profiles.
 */
export const pipelineCheckout = process.env.BENCH_CHECKOUT || repositoryRoot;

/**
 * Starts `node <script>` from the pipeline's checkout, stdout and stderr appended to `<runDir>/<name>.log`.
 *
 * @example
 * const scanner = spawnNode({ name: "scanner", script: "services/scanner/src/main.ts", env, runDir });
 */
export function spawnNode(options: {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  runDir: string;
  nodeOptions?: string[];
}): Child {
  const logFile = join(options.runDir, `${options.name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(process.execPath, [...(options.nodeOptions ?? []), options.script], {
    cwd: pipelineCheckout,
    env: options.env,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  return track(options.name, child, logFile);
}

/** Like spawnNode, with an IPC channel: the bench's own helper processes (the floors) talk over it. */
export function forkNode(options: { name: string; script: string; runDir: string }): Child {
  const logFile = join(options.runDir, `${options.name}.log`);
  const fd = openSync(logFile, "a");
  const child = fork(options.script, [], {
    cwd: repositoryRoot,
    stdio: ["ignore", fd, fd, "ipc"],
    execArgv: [],
  });
  closeSync(fd);
  return track(options.name, child, logFile);
}

/**
 * Sends `message` to a forked helper and resolves with its first reply of `replyType`.
 *
 * @example
 * const { port } = await ask<{ port: number }>(floor, { type: "start", ... }, "started");
 */
export function ask<T>(child: Child, message: object, replyType: string, timeoutMs = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${child.name} sent no '${replyType}' within ${timeoutMs} ms:\n${child.logTail()}`));
    }, timeoutMs);
    const onMessage = (reply: { type?: string; error?: string }) => {
      if (reply.type === "error") {
        cleanup();
        reject(new Error(`${child.name}: ${reply.error}`));
      } else if (reply.type === replyType) {
        cleanup();
        resolve(reply as T);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${child.name} exited (${code}) before '${replyType}':\n${child.logTail()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.process.off("message", onMessage);
      child.process.off("exit", onExit);
    };
    child.process.on("message", onMessage);
    child.process.once("exit", onExit);
    child.process.send(message);
  });
}

/** A TCP port that was free a moment ago (the services take a fixed port, so the bench picks one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers 2xx; fails at once, with the child's log, if the child exits first.
 */
export async function waitForUrl(url: string, child: Child, timeoutMs = 90_000): Promise<void> {
  let exitCode: number | string | undefined;
  void child.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`${child.name} exited (${exitCode}) while starting:\n${child.logTail()}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms:\n${child.logTail()}`);
}

/** Resident set size of a process in bytes (Linux /proc), or undefined once it has gone. */
function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Samples the RSS of the processes it is given every `intervalMs` and keeps each one's peak: the
 * figure "RSS at saturation" is that peak, reached under the heaviest load of the run.
 */
export function startRssSampler(intervalMs = 250): {
  track(name: string, pid: number): void;
  peaks(): Map<string, number>;
  stop(): void;
} {
  if (process.platform !== "linux")
    throw new Error("pnpm bench samples RSS from /proc, which only Linux has");
  const tracked = new Map<string, number>();
  const peaks = new Map<string, number>();
  const sample = () => {
    for (const [name, pid] of tracked) {
      const rss = rssOf(pid);
      if (rss !== undefined && rss > (peaks.get(name) ?? 0)) peaks.set(name, rss);
    }
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    track(name, pid) {
      tracked.set(name, pid);
      sample();
    },
    peaks: () => {
      sample();
      return new Map(peaks);
    },
    stop: () => clearInterval(timer),
  };
}
