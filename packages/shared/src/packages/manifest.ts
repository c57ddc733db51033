import { z } from "zod";

/**
 * The artifact-key grammar: what conflicts are detected on inside a tenant, and what a request's
 * `conflictStrategies` may name. 1–128 characters: lowercase ASCII letters, digits, '.', '_' and '-',
 * starting with a letter or digit. (So never '$', never empty, never `__proto__`.)
 */
export const artifactKeyPattern = /^[a-z0-9][a-z0-9._-]{0,127}$/;
export const artifactKeyRule =
  "1–128 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit";

export const ManifestArtifact = z.strictObject({
  key: z.string().regex(artifactKeyPattern, artifactKeyRule),
  type: z.enum(["workflow", "dashboard", "report", "widget", "script", "template"]),
  name: z.string().min(1).max(200),
  /** Path of the artifact's file inside the archive, relative to its root. */
  file: z.string().min(1),
});
export type ManifestArtifact = z.infer<typeof ManifestArtifact>;

/** `manifest.json` at the root of every package archive (docs/design.md §6). */
export const PackageManifest = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  version: z.string().min(1),
  publisher: z.string().min(1),
  description: z.string().optional(),
  artifacts: z.array(ManifestArtifact).min(1),
});
export type PackageManifest = z.infer<typeof PackageManifest>;

export const manifestFileName = "manifest.json";
