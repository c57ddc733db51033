import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError, type PackageDocument, type PublisherDocument, TrustLevel } from "@installhub/shared";
import semver from "semver";
import { decodeCursor, encodeCursor } from "../../domain/cursor.ts";
import { latestVersion } from "../../domain/install-request.ts";
import type { GatewayDeps, GatewayEnv } from "./context.ts";
import { validationHook } from "./errors.ts";
import { errorResponses, PackageDetail, PackageSummary, PageQuery, pageOf } from "./schemas.ts";

const security = [{ bearerAuth: [] }];

/** What callers may see of a package: never archive paths, signatures' keys or anything internal. */
function summaryOf(pkg: PackageDocument, publisher: PublisherDocument | undefined) {
  return {
    packageId: pkg._id,
    name: pkg.name,
    description: pkg.description,
    trustLevel: pkg.trustLevel,
    publisher: { id: pkg.publisherId, name: publisher?.name ?? pkg.publisherId },
    latestVersion: latestVersion(pkg.versions)?.version ?? null,
  };
}

/** The marketplace catalog: packages (paginated, by trust level) and one package with its versions. */
export function catalogRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  const publishersOf = async (packages: PackageDocument[]) => {
    const ids = [...new Set(packages.map((pkg) => pkg.publisherId))];
    const found = await Promise.all(ids.map((id) => deps.catalog.findPublisher(id)));
    return new Map(found.filter((p) => p !== null).map((p) => [p._id, p]));
  };

  const list = createRoute({
    method: "get",
    path: "/api/marketplace/packages",
    tags: ["Catalog"],
    summary: "Marketplace packages, by id",
    security,
    request: { query: z.object({ trustLevel: TrustLevel.optional(), ...PageQuery }) },
    responses: {
      200: {
        description: "One page of packages",
        content: { "application/json": { schema: pageOf(PackageSummary, "PackagePage") } },
      },
      ...errorResponses(400, 401),
    },
  });
  app.openapi(list, async (c) => {
    const query = c.req.valid("query");
    const packages = await deps.catalog.listPackages({
      trustLevel: query.trustLevel,
      afterId: decodeCursor(query.cursor)?.id,
      limit: query.limit + 1,
    });
    const page = packages.slice(0, query.limit);
    const publishers = await publishersOf(page);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map((pkg) => summaryOf(pkg, publishers.get(pkg.publisherId))),
        nextCursor:
          packages.length > query.limit && last ? encodeCursor({ sortValue: "", id: last._id }) : null,
      },
      200,
    );
  });

  const detail = createRoute({
    method: "get",
    path: "/api/marketplace/packages/{packageId}",
    tags: ["Catalog"],
    summary: "One package with its versions, newest first",
    security,
    request: { params: z.object({ packageId: z.string().min(1) }) },
    responses: {
      200: { description: "The package", content: { "application/json": { schema: PackageDetail } } },
      ...errorResponses(401, 404),
    },
  });
  app.openapi(detail, async (c) => {
    const { packageId } = c.req.valid("param");
    const pkg = await deps.catalog.findPackage(packageId);
    if (!pkg) throw new AppError("PackageNotFound", `Package '${packageId}' was not found`);
    const publishers = await publishersOf([pkg]);
    const versions = [...pkg.versions]
      .sort((a, b) => semver.rcompare(a.version, b.version))
      .map((v) => ({
        version: v.version,
        yanked: v.yanked,
        prerelease: semver.prerelease(v.version) !== null,
        sha256: v.sha256,
        sizeBytes: v.sizeBytes,
        signed: v.signature !== null,
        artifactCount: v.artifactCount,
        publishedAt: v.publishedAt,
      }));
    return c.json({ ...summaryOf(pkg, publishers.get(pkg.publisherId)), versions }, 200);
  });
  return app;
}
