import type { AuditEntryDocument, ImportRecordDocument } from "@installhub/shared";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeImports } from "../../../test/fakes.ts";
import { inProcessGateway, itRequiresAValidToken } from "../../../test/in-process-gateway.ts";

const t = await inProcessGateway();
const actor = { userId: "user-1", email: "admin@tenant-a.example" };

const record: ImportRecordDocument = {
  _id: "imp-1",
  installId: "mkt-install-1",
  tenantId: "tenant-a",
  packageId: "acme-invoice-workflows",
  version: "3.1.0",
  requestedBy: actor,
  dryRun: false,
  status: "Succeeded",
  startedAt: "2026-05-25T10:30:00.000Z",
  completedAt: "2026-05-25T10:31:00.000Z",
  artifactsInstalled: 2,
  conflictsResolved: 1,
  rolledBack: false,
  error: null,
  operation: "Upgrade",
  fromVersion: "3.0.0",
  artifacts: [
    { key: "a", action: "Created", resultingKey: "a", beforeVersionId: null, afterVersionId: "v1" },
    { key: "b", action: "Overwritten", resultingKey: "b", beforeVersionId: "v0", afterVersionId: "v2" },
  ],
};

const entry = (importId: string, seq: number, action: AuditEntryDocument["action"]): AuditEntryDocument => ({
  _id: `${importId}:${seq}`,
  importId,
  tenantId: "tenant-a",
  seq,
  at: `2026-05-25T10:30:0${seq}.000Z`,
  actor,
  action,
  artifactKey: seq === 2 ? "a" : null,
  resultingKey: seq === 2 ? "a" : null,
  artifactAction: seq === 2 ? "Created" : null,
  beforeVersionId: null,
  afterVersionId: seq === 2 ? "v1" : null,
  message: null,
});

beforeEach(() => {
  t.reset();
  // Stored out of order, with another import's entry among them: the API sorts by seq.
  t.deps.imports = fakeImports(
    [record, { ...record, _id: "imp-elsewhere", tenantId: "tenant-b" }],
    [
      entry("imp-1", 3, "ImportSucceeded"),
      entry("imp-other", 1, "ImportStarted"),
      entry("imp-1", 1, "ImportStarted"),
      entry("imp-1", 2, "ArtifactApplied"),
    ],
  );
});

const importer = { permissions: ["installhub:import"] };

/** What both endpoints answer alike: 403 without installhub:import, 404 for unknown or foreign imports. */
function itGuardsTheImport(path: (importId: string) => string) {
  it("answers 403 naming installhub:import to a caller without it", async () => {
    const response = await t.call("GET", path("imp-1"), { as: { permissions: ["marketplace:install"] } });
    expect(response).toMatchObject({
      status: 403,
      body: {
        error: "Forbidden",
        message: "Missing permission 'installhub:import'",
        details: { missingPermission: "installhub:import" },
      },
    });
  });

  it.each([
    ["an unknown import", "imp-unknown"],
    ["another tenant's import", "imp-elsewhere"],
  ])("answers 404 ImportNotFound for %s", async (_, importId) => {
    const response = await t.call("GET", path(importId), { as: importer });
    expect(response).toMatchObject({
      status: 404,
      body: { error: "ImportNotFound", message: `Import '${importId}' was not found` },
    });
  });
}

describe("GET /api/installhub/imports/{importId}", () => {
  const path = (importId: string) => `/api/installhub/imports/${importId}`;
  itRequiresAValidToken(t, { method: "GET", path: path("imp-1") });
  itGuardsTheImport(path);

  it("serves the import record under importId, to an importer of its tenant", async () => {
    const response = await t.call("GET", path("imp-1"), { as: importer });
    expect(response.status).toBe(200);
    const { _id, ...rest } = record;
    expect(response.body).toEqual({ importId: "imp-1", ...rest });
  });
});

describe("GET /api/installhub/imports/{importId}/audit-log", () => {
  const path = (importId: string) => `/api/installhub/imports/${importId}/audit-log`;
  itRequiresAValidToken(t, { method: "GET", path: path("imp-1") });
  itGuardsTheImport(path);

  it("serves the import's entries in seq order, without their storage keys", async () => {
    const response = await t.call("GET", path("imp-1"), { as: importer });
    expect(response.status).toBe(200);
    expect(response.body.importId).toBe("imp-1");
    expect(response.body.entries.map((e: { seq: number; action: string }) => [e.seq, e.action])).toEqual([
      [1, "ImportStarted"],
      [2, "ArtifactApplied"],
      [3, "ImportSucceeded"],
    ]);
    const { _id, importId, tenantId, ...applied } = entry("imp-1", 2, "ArtifactApplied");
    expect(response.body.entries[1]).toEqual(applied);
  });

  it("answers an empty log for an import with no entries yet", async () => {
    t.deps.imports.records.push({ ...record, _id: "imp-new" });
    const response = await t.call("GET", path("imp-new"), { as: importer });
    expect(response).toMatchObject({ status: 200, body: { importId: "imp-new", entries: [] } });
  });
});
