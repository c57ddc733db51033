import { beforeEach, describe, expect, it } from "vitest";
import { examplePackage, fakeCatalog } from "../../../test/fakes.ts";
import {
  inProcessGateway,
  itNamesTheInvalidField,
  itRequiresAValidToken,
} from "../../../test/in-process-gateway.ts";

const t = await inProcessGateway();
beforeEach(() => t.reset());

const version = examplePackage().versions[0]!;
const catalog = () =>
  fakeCatalog([
    examplePackage({ _id: "c-community", trustLevel: "Community", publisherId: "someone-unknown" }),
    examplePackage({ _id: "a-official", trustLevel: "Official" }),
    examplePackage({
      _id: "b-verified",
      versions: [
        { ...version, version: "2.1.0", signature: "c2ln" },
        { ...version, version: "10.0.0-beta.1" },
        { ...version, version: "3.0.0", yanked: true },
        { ...version, version: "2.10.0" },
      ],
    }),
    examplePackage({ _id: "d-yanked-only", versions: [{ ...version, yanked: true }] }),
  ]);

describe("GET /api/marketplace/packages", () => {
  itRequiresAValidToken(t, { method: "GET", path: "/api/marketplace/packages" });

  it("lists packages by id to any authenticated caller, with what callers may see of each", async () => {
    t.deps.catalog = catalog();
    const response = await t.call("GET", "/api/marketplace/packages", {
      as: { tenants: [], permissions: [] },
    });
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    expect(response.body.items.map((item: { packageId: string }) => item.packageId)).toEqual([
      "a-official",
      "b-verified",
      "c-community",
      "d-yanked-only",
    ]);
    expect(response.body.items[1]).toEqual({
      packageId: "b-verified",
      name: "ACME Invoice Workflows",
      description: "Invoice approval workflows",
      trustLevel: "Verified",
      publisher: { id: "acme", name: "ACME Corp" },
      latestVersion: "2.10.0",
    });
    // A publisher not in the catalog is shown by its id; a package with nothing installable has no latest.
    expect(response.body.items[2].publisher).toEqual({ id: "someone-unknown", name: "someone-unknown" });
    expect(response.body.items[3].latestVersion).toBeNull();
  });

  it("pages with nextCursor until null, and filters by trust level", async () => {
    t.deps.catalog = catalog();
    const first = await t.call("GET", "/api/marketplace/packages?limit=3");
    expect(first.body.items).toHaveLength(3);
    expect(first.body.nextCursor).toBe("|c-community");
    const second = await t.call("GET", `/api/marketplace/packages?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({
      items: [expect.objectContaining({ packageId: "d-yanked-only" })],
      nextCursor: null,
    });
    const emptyCursor = await t.call("GET", "/api/marketplace/packages?limit=1&cursor=");
    expect(emptyCursor.body.items[0].packageId).toBe("a-official");

    const community = await t.call("GET", "/api/marketplace/packages?trustLevel=Community");
    expect(community.body.items.map((item: { packageId: string }) => item.packageId)).toEqual([
      "c-community",
    ]);
  });

  itNamesTheInvalidField(t, "GET", [
    ["/api/marketplace/packages?trustLevel=Shady", "trustLevel"],
    ["/api/marketplace/packages?limit=0", "limit"],
    ["/api/marketplace/packages?limit=101", "limit"],
    ["/api/marketplace/packages?limit=ten", "limit"],
    ["/api/marketplace/packages?cursor=no-separator", "cursor"],
  ]);

  it("answers 503 when the database is unreachable, and 500 for anything else, without saying more", async () => {
    const driverError = (name: string, message: string) => Object.assign(new Error(message), { name });
    for (const unreachable of [
      driverError("MongoServerSelectionError", "connect ECONNREFUSED"),
      // A database frozen or killed under load: the pool is cleared under the operation (these were 500s).
      driverError("MongoPoolClearedError", "Connection pool for 127.0.0.1:27017 was cleared"),
      driverError("PoolClearedOnNetworkError", "interrupted due to server monitor timeout"),
    ]) {
      t.deps.catalog = { ...catalog(), listPackages: async () => Promise.reject(unreachable) };
      expect(await t.call("GET", "/api/marketplace/packages")).toMatchObject({
        status: 503,
        body: { error: "ServiceUnavailable", message: "The database is unavailable; try again later" },
      });
    }
    t.deps.catalog = { ...catalog(), listPackages: async () => Promise.reject(new Error("secret detail")) };
    const failed = await t.call("GET", "/api/marketplace/packages");
    expect(failed).toMatchObject({ status: 500, body: { error: "InternalError" } });
    expect(JSON.stringify(failed.body)).not.toContain("secret detail");
  });
});

describe("GET /api/marketplace/packages/{packageId}", () => {
  itRequiresAValidToken(t, { method: "GET", path: "/api/marketplace/packages/b-verified" });

  it("shows one package with its versions newest first, never its archive paths", async () => {
    t.deps.catalog = catalog();
    const response = await t.call("GET", "/api/marketplace/packages/b-verified", {
      as: { tenants: [], permissions: [] },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ packageId: "b-verified", latestVersion: "2.10.0" });
    expect(response.body.versions).toEqual([
      {
        version: "10.0.0-beta.1",
        yanked: false,
        prerelease: true,
        sha256: version.sha256,
        sizeBytes: 2048,
        signed: false,
        artifactCount: 5,
        publishedAt: version.publishedAt,
      },
      expect.objectContaining({ version: "3.0.0", yanked: true, prerelease: false }),
      expect.objectContaining({ version: "2.10.0", signed: false }),
      expect.objectContaining({ version: "2.1.0", signed: true }),
    ]);
    expect(JSON.stringify(response.body)).not.toContain(".tgz");
  });

  it("answers 404 PackageNotFound for an unknown package", async () => {
    const response = await t.call("GET", "/api/marketplace/packages/nope");
    expect(response).toMatchObject({
      status: 404,
      body: { error: "PackageNotFound", message: "Package 'nope' was not found" },
    });
  });
});
