import { z } from "zod";

/** Artifact keys are what conflicts are detected on inside a tenant. */
export const artifactKeyPattern = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export const ManifestArtifact = z.strictObject({
  key: z.string().regex(artifactKeyPattern, "lowercase letters, digits, '.', '_' or '-', at most 128"),
  type: z.enum(["workflow", "dashboard", "report", "widget", "script", "template"]),
  name: z.string().min(1).max(200),
  /** Path of the artifact's file inside the archive, relative to its root. */
  file: z.string().min(1),
});
export type ManifestArtifact = z.infer<typeof ManifestArtifact>;

/** `manifest.json` at the root of every package archive (DESIGN.md §6). */
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
