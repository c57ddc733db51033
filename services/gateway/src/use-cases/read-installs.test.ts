import { describe, expect, it } from "vitest";
import { fakeRequestInstallDeps } from "../../test/fakes.ts";
import type { Caller } from "../auth/tokens.ts";
import { installsOfTenant } from "./read-installs.ts";
import { requestInstall } from "./request-install.ts";

const caller: Caller = {
  sub: "user-1",
  email: "admin@tenant-a.example",
  tenants: ["tenant-a"],
  permissions: ["installhub:import", "marketplace:install"],
};

/** Three installs accepted a second apart: the first projected, the second on the topic only, the third in the outbox only. */
async function threeInstalls() {
  let clock = Date.parse("2026-11-29T10:00:00.000Z");
  const deps = fakeRequestInstallDeps({}, () => {
    clock += 1000;
    return new Date(clock);
  });

  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const accepted = await requestInstall(deps, {
      caller,
      packageId: "acme-invoice-workflows",
      body: { targetTenantId: "tenant-a", defaultConflictStrategy: "Skip", dryRun: false, version: "3.0.0" },
      idempotencyKey: undefined,
    });
    ids.push(accepted.installId);
  }
  const [projected, published] = ids.map((id) => deps.outbox.entries.get(id)!);
  await deps.statuses.apply(projected!.event);
  projected!.published = true;
  published!.published = true;
  return { deps, ids };
}

describe("installsOfTenant", () => {
  it("lists an install from its 202 on: in the outbox, on the topic ahead of the projector, and projected, each once", async () => {
    const { deps, ids } = await threeInstalls();
    const page = await installsOfTenant(deps, caller, { tenantId: "tenant-a", limit: 10 });
    expect(page.map((state) => state.installId)).toEqual([ids[2], ids[1], ids[0]]);
  });

  it("pages newest first with the cursor of the last item", async () => {
    const { deps, ids } = await threeInstalls();
    const first = await installsOfTenant(deps, caller, { tenantId: "tenant-a", limit: 2 });
    expect(first.map((state) => state.installId)).toEqual([ids[2], ids[1]]);
    const last = first.at(-1)!;
    const second = await installsOfTenant(deps, caller, {
      tenantId: "tenant-a",
      limit: 2,
      after: { sortValue: last.requestedAt, id: last.installId },
    });
    expect(second.map((state) => state.installId)).toEqual([ids[0]]);
  });

  it("does not list a projected install by its outbox entry under another status", async () => {
    const { deps, ids } = await threeInstalls();
    deps.statuses.states.set(ids[0]!, { ...deps.statuses.states.get(ids[0]!)!, status: "Success" });
    const inProgress = await installsOfTenant(deps, caller, {
      tenantId: "tenant-a",
      status: "InProgress",
      limit: 10,
    });
    expect(inProgress.map((state) => state.installId)).toEqual([ids[2], ids[1]]);
  });
});
