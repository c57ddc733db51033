import type { PackageDocument, PackageVersionDocument } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import type { Caller } from "../auth/tokens.ts";
import {
  communityPermission,
  type InstallBody,
  installPermissions,
  installRequested,
  latestVersion,
  requirePermissions,
  requireTenant,
  requireTrustAcknowledgement,
  resolveVersion,
} from "./install-request.ts";

const caller = (permissions: string[], tenants = ["tenant-abc123"]): Caller => ({
  sub: "admin-1",
  email: "admin@tenant-abc123.example",
  tenants,
  permissions,
});

const version = (v: string, extra: Partial<PackageVersionDocument> = {}): PackageVersionDocument => ({
  version: v,
  yanked: false,
  archivePath: `packages/acme/${v}.tgz`,
  sha256: "a".repeat(64),
  sizeBytes: 2048,
  signature: "c2ln",
  artifactCount: 5,
  publishedAt: "2026-05-01T00:00:00.000Z",
  ...extra,
});

const pkg = (versions: PackageVersionDocument[], extra: Partial<PackageDocument> = {}): PackageDocument => ({
  _id: "acme-invoice-workflows",
  name: "ACME Invoice Workflows",
  description: "Invoice workflows",
  publisherId: "acme",
  trustLevel: "Verified",
  versions,
  updatedAt: "2026-05-01T00:00:00.000Z",
  ...extra,
});

const body: InstallBody = {
  version: "3.0.0",
  targetTenantId: "tenant-abc123",
  defaultConflictStrategy: "Skip",
  dryRun: false,
};

/** The AppError a call throws, as `{ code, message, details }`. */
function refusal(call: () => unknown) {
  try {
    call();
  } catch (error) {
    const { code, message, details } = error as { code: string; message: string; details?: unknown };
    return { code, message, details };
  }
  throw new Error("expected the call to throw");
}

describe("requirePermissions", () => {
  it("passes a caller holding every permission, whatever else it holds", () => {
    expect(() => requirePermissions(caller(["x", ...installPermissions]), installPermissions)).not.toThrow();
  });

  it("refuses with 403 naming the first missing permission in the spec's order", () => {
    expect(refusal(() => requirePermissions(caller([]), installPermissions))).toEqual({
      code: "Forbidden",
      message: "Missing permission 'installhub:import'",
      details: { missingPermission: "installhub:import" },
    });
    expect(refusal(() => requirePermissions(caller(["installhub:import"]), installPermissions))).toEqual({
      code: "Forbidden",
      message: "Missing permission 'marketplace:install'",
      details: { missingPermission: "marketplace:install" },
    });
  });
});

describe("requireTenant", () => {
  it("lets a caller act in its own tenants only", () => {
    expect(() => requireTenant(caller([], ["tenant-a", "tenant-b"]), "tenant-b")).not.toThrow();
    expect(refusal(() => requireTenant(caller([], ["tenant-a"]), "tenant-b"))).toEqual({
      code: "Forbidden",
      message: "Not allowed to act in tenant 'tenant-b'",
      details: { tenantId: "tenant-b" },
    });
  });
});

describe("latestVersion", () => {
  it("is the highest semver that is neither yanked nor a prerelease, not the last listed", () => {
    const versions = [
      version("2.10.0"),
      version("3.0.0"),
      version("2.9.0"),
      version("4.0.0", { yanked: true }),
      version("3.1.0-beta.1"),
    ];
    expect(latestVersion(versions)?.version).toBe("3.0.0");
  });

  it("ignores versions that are not semver, and is undefined when nothing qualifies", () => {
    expect(latestVersion([version("latest"), version("1.0.0")])?.version).toBe("1.0.0");
    expect(latestVersion([version("2.0.0", { yanked: true }), version("2.1.0-rc.1")])).toBeUndefined();
    expect(latestVersion([])).toBeUndefined();
  });
});

describe("resolveVersion", () => {
  const acme = pkg([version("2.0.0"), version("3.0.0"), version("3.1.0", { yanked: true })]);

  it("gives the version asked for, or the latest when none is asked for", () => {
    expect(resolveVersion(acme, "2.0.0").version).toBe("2.0.0");
    expect(resolveVersion(acme, undefined).version).toBe("3.0.0");
  });

  it("refuses a yanked or unknown version, and a package with nothing installable, with 404", () => {
    expect(refusal(() => resolveVersion(acme, "3.1.0"))).toMatchObject({
      code: "VersionNotFound",
      message: "Package 'acme-invoice-workflows' has no version '3.1.0'",
    });
    expect(refusal(() => resolveVersion(acme, "9.9.9"))).toMatchObject({ code: "VersionNotFound" });
    expect(refusal(() => resolveVersion(pkg([version("1.0.0", { yanked: true })]), undefined))).toMatchObject(
      {
        code: "VersionNotFound",
        message: "Package 'acme-invoice-workflows' has no installable version",
      },
    );
  });
});

describe("requireTrustAcknowledgement", () => {
  const community = pkg([version("1.0.0")], { trustLevel: "Community" });

  it("asks nothing more for Official and Verified packages", () => {
    for (const trustLevel of ["Official", "Verified"] as const) {
      expect(() => requireTrustAcknowledgement(caller([]), pkg([], { trustLevel }), body)).not.toThrow();
    }
  });

  it("needs the community permission first, then the explicit acknowledgement", () => {
    // given a caller without the community permission, even one who acknowledged
    expect(
      refusal(() =>
        requireTrustAcknowledgement(caller([]), community, { ...body, acknowledgeCommunityPackage: true }),
      ),
    ).toMatchObject({ code: "Forbidden", details: { missingPermission: communityPermission } });
    // given the permission but no (or a false) acknowledgement
    for (const acknowledgeCommunityPackage of [undefined, false]) {
      expect(
        refusal(() =>
          requireTrustAcknowledgement(caller([communityPermission]), community, {
            ...body,
            acknowledgeCommunityPackage,
          }),
        ),
      ).toEqual({
        code: "AcknowledgmentRequired",
        message: "This is a Community package. Set 'acknowledgeCommunityPackage': true to confirm.",
        details: undefined,
      });
    }
    // given both
    expect(() =>
      requireTrustAcknowledgement(caller([communityPermission]), community, {
        ...body,
        acknowledgeCommunityPackage: true,
      }),
    ).not.toThrow();
  });
});

describe("installRequested", () => {
  const now = new Date("2026-05-25T10:30:00.000Z");
  const input = {
    installId: "mkt-install-1",
    importId: "imp-1",
    caller: caller([...installPermissions]),
    body: { ...body, conflictStrategies: { "invoice-approval": "Overwrite" as const }, dryRun: true },
    pkg: pkg([version("3.0.0")]),
    version: version("3.0.0"),
    publisher: { _id: "acme", name: "ACME Corp", publicKey: "PEM" },
    now,
  };

  it("carries the request, the version's archive, the publisher and the caller (docs/design.md §3)", () => {
    expect(installRequested(input)).toEqual({
      type: "InstallRequested",
      installId: "mkt-install-1",
      tenantId: "tenant-abc123",
      packageId: "acme-invoice-workflows",
      version: "3.0.0",
      occurredAt: "2026-05-25T10:30:00.000Z",
      importId: "imp-1",
      packageName: "ACME Invoice Workflows",
      trustLevel: "Verified",
      archive: {
        path: "packages/acme/3.0.0.tgz",
        sha256: "a".repeat(64),
        sizeBytes: 2048,
        signature: "c2ln",
      },
      publisher: { id: "acme", name: "ACME Corp", publicKey: "PEM" },
      conflict: { defaultStrategy: "Skip", overrides: { "invoice-approval": "Overwrite" } },
      dryRun: true,
      artifactCount: 5,
      requestedBy: { userId: "admin-1", email: "admin@tenant-abc123.example" },
    });
  });

  it("names an unknown publisher by its id, without a key, and has no overrides when none were given", () => {
    const event = installRequested({
      ...input,
      publisher: null,
      body: { ...body, conflictStrategies: undefined },
    });
    expect(event.publisher).toEqual({ id: "acme", name: "acme", publicKey: null });
    expect(event.conflict).toEqual({ defaultStrategy: "Skip", overrides: {} });
  });
});
