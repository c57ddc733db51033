import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateDevKey } from "./dev-key.ts";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("loadOrCreateDevKey", () => {
  it("creates one Ed25519 key on first use, even when several first uses race, and reuses it", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "installhub-devkey-")), "keys");
    dirs.push(dir);
    const racing = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDevKey(dir)));
    const pems = racing.map((key) => key.publicKey.export({ type: "spki", format: "pem" }).toString());
    expect(new Set(pems).size).toBe(1);
    expect(racing[0]?.privateKey.asymmetricKeyType).toBe("ed25519");
    expect(await readdir(dir)).toEqual(["dev-jwt.pem"]);

    const later = await loadOrCreateDevKey(dir);
    expect(later.publicKey.export({ type: "spki", format: "pem" }).toString()).toBe(pems[0]);
  });
});
