import { loadConfig, stopOnSignals } from "@installhub/shared";
import { installerConfigSchema } from "../src/config.ts";
import { startInstaller } from "../src/service.ts";

/**
 * The installer exactly as `src/main.ts` starts it, except that undoing step STALL_UNDO_OF_STEP never
 * finishes: it prints `stalled undoing step <n> of <importId>` and waits forever. A crash test kills it there — in
 * the middle of a rollback, after the steps undone before that one and before the journal recorded
 * any of them — which no timing could hit every time.
 */
const stallAt = Number(process.env.STALL_UNDO_OF_STEP);
const worker = await startInstaller(loadConfig(installerConfigSchema), undefined, {
  adapt: (deps) => ({
    ...deps,
    artifacts: {
      ...deps.artifacts,
      undo: async (tenantId, step) => {
        if (step.index !== stallAt) return deps.artifacts.undo(tenantId, step);
        // A step writes version `<importId>/<index>` (plan.ts versionIdOf).
        process.stdout.write(`stalled undoing step ${step.index} of ${step.afterVersionId?.split("/")[0]}\n`);
        return new Promise<never>(() => {});
      },
    },
  }),
});
stopOnSignals(worker.platform.logger, worker.stop);
