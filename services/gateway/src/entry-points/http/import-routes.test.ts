import { beforeEach, describe, expect, it } from "vitest";
import { exampleAuditEntry, exampleImportRecord, fakeImports } from "../../../test/fakes.ts";
import {
  inProcessGateway,
  itRequiresAValidToken,
  missingPermission,
} from "../../../test/in-process-gateway.ts";

const t = await inProcessGateway();
const record = exampleImportRecord({ version: "3.1.0", operation: "Upgrade", fromVersion: "3.0.0" });
const applied = {
  artifactKey: "a",
  resultingKey: "a",
  artifactAction: "Created" as const,
  afterVersionId: "v1",
};

beforeEach(() => {
  t.reset();
  // Stored out of order, with another import's entry among them: the API sorts by seq.
  t.deps.imports = fakeImports(
    [record, { ...record, _id: "imp-elsewhere", tenantId: "tenant-b" }],
    [
      exampleAuditEntry(record, 3, "ImportSucceeded"),
      exampleAuditEntry({ ...record, _id: "imp-other" }, 1, "ImportStarted"),
      exampleAuditEntry(record, 1, "ImportStarted"),
      exampleAuditEntry(record, 2, "ArtifactApplied", applied),
    ],
  );
});

const importer = { permissions: ["installhub:import"] };

/** What both endpoints answer alike: 403 without installhub:import, 404 for unknown or foreign imports. */
function itGuardsTheImport(path: (importId: string) => string) {
  it("answers 403 naming installhub:import to a caller without it", async () => {
    const response = await t.call("GET", path("imp-1"), { as: { permissions: ["marketplace:install"] } });
    expect(response).toMatchObject(missingPermission("installhub:import"));
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
    const { _id, importId, tenantId, ...entry } = exampleAuditEntry(record, 2, "ArtifactApplied", applied);
    expect(response.body.entries[1]).toEqual(entry);
  });

  it("answers an empty log for an import with no entries yet", async () => {
    t.deps.imports.records.push({ ...record, _id: "imp-new" });
    const response = await t.call("GET", path("imp-new"), { as: importer });
    expect(response).toMatchObject({ status: 200, body: { importId: "imp-new", entries: [] } });
  });
});
