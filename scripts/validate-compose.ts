// CI cannot run Docker here, so it checks docker-compose.yml instead: well-formed, every build context
// and Dockerfile exists, ports are valid, references resolve, and every environment variable given to
// one of our services is one that service's config schema knows.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import type { z } from "zod";

const root = resolve(import.meta.dirname, "..");
const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, Record<string, unknown>>;
  volumes?: Record<string, unknown>;
};

const configSchemas: Record<string, z.ZodObject> = {
  gateway: (await import("../services/gateway/src/config.ts")).gatewayConfigSchema,
  scanner: (await import("../services/scanner/src/config.ts")).scannerConfigSchema,
  installer: (await import("../services/installer/src/config.ts")).installerConfigSchema,
  notifier: (await import("../services/notifier/src/config.ts")).notifierConfigSchema,
  cdn: (await import("./lib/dev-config.ts")).devConfigSchema,
};
const problems: string[] = [];

for (const [name, service] of Object.entries(compose.services)) {
  const build = service.build as { context?: string; dockerfile?: string } | undefined;
  if (build) {
    const context = join(root, build.context ?? ".");
    if (!existsSync(context)) problems.push(`${name}: build context ${build.context} does not exist`);
    if (!existsSync(join(context, build.dockerfile ?? "Dockerfile")))
      problems.push(`${name}: Dockerfile missing`);
  } else if (typeof service.image !== "string") {
    problems.push(`${name}: neither image nor build`);
  }
  for (const port of (service.ports as string[] | undefined) ?? []) {
    const match = /^(\d+):(\d+)$/.exec(port);
    if (!match || [match[1], match[2]].some((p) => Number(p) < 1 || Number(p) > 65535))
      problems.push(`${name}: bad port ${port}`);
  }
  for (const dependency of Object.keys((service.depends_on as object | undefined) ?? {})) {
    if (!compose.services[dependency]) problems.push(`${name}: depends on unknown service ${dependency}`);
  }
  for (const volume of (service.volumes as string[] | undefined) ?? []) {
    const source = volume.split(":")[0]!;
    if (!source.startsWith(".") && !source.startsWith("/") && !(source in (compose.volumes ?? {})))
      problems.push(`${name}: undeclared volume ${source}`);
  }
  if (build) {
    const environment = (service.environment as Record<string, string> | undefined) ?? {};
    const which = environment.SERVICE ?? name;
    const schema = configSchemas[which];
    if (!schema) {
      problems.push(`${name}: runs unknown service ${which}`);
      continue;
    }
    const known = new Set([...Object.keys(schema.shape), "SERVICE"]);
    for (const variable of Object.keys(environment)) {
      if (!known.has(variable)) problems.push(`${name}: ${variable} is not a setting of ${which}`);
    }
    const parsed = schema.safeParse(environment);
    if (!parsed.success)
      problems.push(
        `${name}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
  }
}

if (problems.length > 0) {
  console.error(`docker-compose.yml has problems:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`docker-compose.yml: ${Object.keys(compose.services).length} services checked, no problems`);
