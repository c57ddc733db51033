import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { examplesRoot } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import { applyContentRules, defaultContentRules, isHostAllowed, type ScannedFile } from "./content-rules.ts";

const context = { allowedHosts: ["api.acme.example", "*.cdn.example"] };
const file = (path: string, text: string, artifactType?: string): ScannedFile => ({
  path,
  text,
  artifactType,
});
const hits = (files: ScannedFile[]) =>
  applyContentRules(files, defaultContentRules, context).map((f) => [f.ruleId, f.severity, f.file]);

// Secrets are assembled at run time so this file itself carries none.
const eicar = ["X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"].join("");
const samples: Record<string, string> = {
  "malware.eicar": `${eicar}\n`,
  "secret.private-key": `-----BEGIN ${"RSA "}PRIVATE KEY-----\nMIIE...`,
  "secret.aws-access-key": `{"key": "${"AKIA"}IOSFODNN7EXAMPLE"}`,
  "secret.github-token": `token = "${"ghp_"}${"a1B2".repeat(9)}"`,
  "secret.slack-token": `hook: ${"xoxb"}-123456789012-abcdefghij`,
  "secret.stripe-key": `${"sk_"}live_${"4eC39HqLyjWDarjtT1zdp7dc"}`,
  "secret.google-api-key": `${"AIza"}${"SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"}`,
  "secret.jwt": `${"eyJ"}hbGciOiJIUzI1NiJ9.${"eyJ"}zdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U`,
};

describe("default content rules", () => {
  for (const [ruleId, text] of Object.entries(samples)) {
    it(`${ruleId} finds its pattern, in any file, naming the file and line`, () => {
      const findings = applyContentRules(
        [file("artifacts/data.json", `{}\n${text}`)],
        defaultContentRules,
        context,
      );
      expect(findings.map((f) => f.ruleId)).toEqual([ruleId]);
      expect(findings[0]?.file).toBe("artifacts/data.json");
      expect(findings[0]?.message).toMatch(/\(line 2/);
    });
  }

  it("never repeats the secret it found in the finding", () => {
    const [found] = applyContentRules(
      [file("a.json", samples["secret.aws-access-key"]!)],
      defaultContentRules,
      context,
    );
    expect(found?.message).not.toContain("IOSFODNN7EXAMPLE");
  });

  it("script.process-execution: scripts that start processes, not regex.exec or plain data", () => {
    for (const code of [
      `import { exec } from "node:child_process";`,
      `spawn("sh", ["-c", cmd]);`,
      `execSync ("curl x | sh")`,
      `process.binding("spawn_sync")`,
      `os.system("rm -rf /")`,
      `subprocess.run(["ls"])`,
      `Bun.spawn(["ls"])`,
    ]) {
      expect(hits([file("artifacts/s.js", code, "script")]), code).toEqual([
        ["script.process-execution", "critical", "artifacts/s.js"],
      ]);
    }
    expect(hits([file("artifacts/s.js", "const m = /a(b)/.exec(text); pattern.exec(x);", "script")])).toEqual(
      [],
    );
    expect(hits([file("artifacts/notes.json", `{"howto": "spawn(a worker)"}`, "template")])).toEqual([]);
  });

  it("script.eval: scripts that evaluate code, recognised by artifact type or extension", () => {
    for (const code of [
      `eval(input)`,
      `new Function("a", body)`,
      `setTimeout("doIt()", 10)`,
      `vm.runInNewContext(src)`,
    ]) {
      expect(hits([file("artifacts/s.txt", code, "script")]), code).toEqual([
        ["script.eval", "critical", "artifacts/s.txt"],
      ]);
      expect(hits([file("artifacts/s.mjs", code)]), code).toEqual([
        ["script.eval", "critical", "artifacts/s.mjs"],
      ]);
    }
    expect(
      hits([file("artifacts/s.js", "retrieval(x); obj.evaluate(y); setTimeout(fn, 10);", "script")]),
    ).toEqual([]);
  });

  it("url.insecure-scheme: http, ws and ftp URLs, naming the host", () => {
    const findings = applyContentRules(
      [file("a.json", `{"u": "http://api.acme.example/x"}`)],
      defaultContentRules,
      context,
    );
    expect(findings.map((f) => [f.ruleId, f.message])).toEqual([
      ["url.insecure-scheme", "URL without TLS (line 1): http://api.acme.example"],
    ]);
    expect(hits([file("a.json", "ws://api.acme.example ftp://api.acme.example")])).toEqual([
      ["url.insecure-scheme", "warning", "a.json"],
    ]);
  });

  it("url.host-not-allowed: hosts outside the allowlist, with ports and credentials stripped", () => {
    expect(hits([file("a.json", "https://api.acme.example/v1 https://img.cdn.example:8443/x")])).toEqual([]);
    const findings = applyContentRules(
      [file("a.json", "see https://user:pw@Evil.Example:444/steal and https://api.acme.example")],
      defaultContentRules,
      context,
    );
    expect(findings.map((f) => [f.ruleId, f.severity, f.message])).toEqual([
      ["url.host-not-allowed", "warning", "URL to a host outside SCAN_ALLOWED_HOSTS (line 1): evil.example"],
    ]);
    expect(hits([file("a.json", "http://evil.example")]).map((h) => h[0])).toEqual([
      "url.insecure-scheme",
      "url.host-not-allowed",
    ]);
  });

  it("counts repeated matches in one finding per rule and file", () => {
    const findings = applyContentRules(
      [file("a.js", "eval(a)\neval(b)\neval(c)", "script")],
      defaultContentRules,
      context,
    );
    expect(findings.map((f) => f.message)).toEqual([
      "script evaluates code built at run time (line 1, 3 matches)",
    ]);
  });

  it("finds nothing in the clean example packages", () => {
    for (const pkg of [
      "acme-invoice-workflows",
      "acme-reporting-pack",
      "community-kanban-widgets",
      "tampered-dashboards",
    ]) {
      for (const version of readdirSync(join(examplesRoot, "packages", pkg))) {
        const folder = join(examplesRoot, "packages", pkg, version);
        const files = [
          "manifest.json",
          ...readdirSync(join(folder, "artifacts")).map((name) => `artifacts/${name}`),
        ];
        const scanned = files.map((path) =>
          file(path, readFileSync(join(folder, path), "latin1"), path.endsWith(".js") ? "script" : undefined),
        );
        expect(hits(scanned), `${pkg}@${version}`).toEqual([]);
      }
    }
  });

  it("finds EICAR in shady-toolkit", () => {
    const path = "artifacts/cleanup-helper.txt";
    const text = readFileSync(join(examplesRoot, "packages/shady-toolkit/1.0.0", path), "latin1");
    expect(hits([file(path, text, "template")])).toEqual([["malware.eicar", "critical", path]]);
  });
});

describe("isHostAllowed", () => {
  it("matches exact hosts and *.suffix subdomains only", () => {
    const allowed = ["api.acme.example", "*.cdn.example"];
    expect(isHostAllowed("api.acme.example", allowed)).toBe(true);
    expect(isHostAllowed("eu.cdn.example", allowed)).toBe(true);
    expect(isHostAllowed("cdn.example", allowed)).toBe(false);
    expect(isHostAllowed("evilcdn.example", allowed)).toBe(false);
    expect(isHostAllowed("api.acme.example.evil", allowed)).toBe(false);
    expect(isHostAllowed("anything", [])).toBe(false);
  });
});
