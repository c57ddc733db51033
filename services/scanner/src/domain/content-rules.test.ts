import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { examplesRoot } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import {
  applyContentRules,
  defaultContentRules,
  isHostAllowed,
  pattern,
  type ScannedFile,
} from "./content-rules.ts";

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

/** The rule ids that fire on `text` in a script file (every rule reads scripts). */
const firing = (text: string) =>
  applyContentRules([file("artifacts/s.js", text, "script")], defaultContentRules, context).map(
    (f) => f.ruleId,
  );

describe("default content rules: the edges of each pattern", () => {
  const upper = "ABCDEFGHIJKLMNOP"; // 16 of [0-9A-Z]
  const word = (length: number) => "aB3".repeat(40).slice(0, length);

  it.each([
    ["secret.private-key", `-----BEGIN ${""}PRIVATE KEY-----`],
    ["secret.private-key", `-----BEGIN ${"EC "}PRIVATE KEY-----`],
    ["secret.private-key", `-----BEGIN ${"OPENSSH "}PRIVATE KEY-----`],
    ["secret.private-key", `-----BEGIN ${"ENCRYPTED "}PRIVATE KEY-----`],
    ["secret.private-key", `-----BEGIN ${"PGP "}PRIVATE KEY BLOCK-----`],
    ["secret.aws-access-key", `id=${"AKIA"}${upper}`],
    ["secret.aws-access-key", `${"ASIA"}${upper.replace("A", "0")}`],
    ["secret.github-token", `${"gho_"}${word(36)}`],
    ["secret.github-token", `${"ghs_"}${word(40)}`],
    ["secret.github-token", `${"github_pat_"}${word(40)}_${word(10)}`],
    ["secret.slack-token", `${"xoxp"}-${"1234567890"}`],
    ["secret.stripe-key", `${"rk_live_"}${word(20)}`],
    ["secret.google-api-key", `${"AIza"}${word(33)}-_`],
    ["secret.jwt", `${"eyJ"}${word(10)}.${"eyJ"}${word(10)}.${word(10)}`],
  ])("%s fires on %s", (ruleId, text) => {
    expect(firing(text)).toEqual([ruleId]);
  });

  it.each([
    ["a key header without the dashes", `BEGIN ${"RSA "}PRIVATE KEY`],
    ["a public key", `-----BEGIN ${"PUBLIC"} KEY-----`],
    ["an AWS id one character short", `${"AKIA"}${upper.slice(1)}`],
    ["an AWS id one character long", `${"AKIA"}${upper}Q`],
    ["an AWS id inside a word", `X${"AKIA"}${upper}`],
    ["an AWS id in lowercase", `${"akia"}${upper.toLowerCase()}`],
    ["a GitHub token one character short", `${"ghp_"}${word(35)}`],
    ["a GitHub token of another letter", `${"ghx_"}${word(36)}`],
    ["a GitHub token inside a word", `x${"ghp_"}${word(36)}`],
    ["a fine-grained GitHub token one character short", `${"github_pat_"}${word(39)}`],
    ["a Slack token too short", `${"xoxb"}-${"123456789"}`],
    ["a Slack token of another letter", `${"xoxz"}-${"1234567890"}`],
    ["a Stripe test key", `${"sk_test_"}${word(24)}`],
    ["a Stripe live key too short", `${"sk_live_"}${word(19)}`],
    ["a Google key one character short", `${"AIza"}${word(34)}`],
    ["a Google key one character long", `${"AIza"}${word(36)}`],
    ["a JWT with a short part", `${"eyJ"}${word(9)}.${"eyJ"}${word(10)}.${word(10)}`],
    ["a JWT without its payload marker", `${"eyJ"}${word(10)}.${word(13)}.${word(10)}`],
  ])("no rule fires on %s", (_, text) => {
    expect(firing(text)).toEqual([]);
  });

  it("finds process execution through each of its patterns, and not in methods of other objects", () => {
    for (const code of [
      "execFile('ls')",
      "execFileSync('ls')",
      "spawnSync('ls')",
      "fork('./worker')",
      "exec\t('ls')",
      "Deno.run({ cmd: ['ls'] })",
      "new Deno.Command('ls')",
      "os.popen('ls')",
      "os.execvpe('ls', [], {})",
      "os.execl('/bin/ls')",
      "subprocess.Popen(['ls'])",
      "Runtime.getRuntime().exec(cmd)",
      "process.binding ('spawn_sync')",
    ]) {
      expect(firing(code), code).toEqual(["script.process-execution"]);
    }
    for (const code of [
      "re.exec(s)",
      "$exec(s)",
      "_spawn(s)",
      "myfork(x)",
      "prefork (x)",
      "os.systemd(x)",
      "child_processes",
    ]) {
      expect(firing(code), code).toEqual([]);
    }
  });

  it("finds code evaluation through each of its patterns, and not in lookalikes", () => {
    for (const code of [
      "eval (x)",
      "new  Function(x)",
      "setInterval('x()', 5)",
      "setTimeout(`x`, 5)",
      "vm.runInThisContext(s)",
      "vm.compileFunction(s)",
      "new vm.Script(s)",
    ]) {
      expect(firing(code), code).toEqual(["script.eval"]);
    }
    for (const code of [
      "x.eval(s)",
      "$eval(s)",
      "medieval(s)",
      "Function(x)",
      "setTimeout(fn, 'x')",
      "vm.runner(s)",
    ]) {
      expect(firing(code), code).toEqual([]);
    }
  });

  it("reads script rules only in scripts: by artifact type or by extension, in any letter case", () => {
    for (const path of [
      "a.js",
      "a.mjs",
      "a.cjs",
      "a.jsx",
      "a.ts",
      "a.tsx",
      "a.sh",
      "a.bash",
      "a.ps1",
      "a.py",
      "a.rb",
      "a.pl",
      "a.php",
      "A.JS",
    ]) {
      expect(hits([file(path, "eval(x)")]), path).toEqual([["script.eval", "critical", path]]);
    }
    for (const path of ["a.json", "a.js.txt", "a.jsonl", "js"]) {
      expect(hits([file(path, "eval(x)")]), path).toEqual([]);
    }
    expect(hits([file("a.json", "eval(x)", "script")])).toEqual([["script.eval", "critical", "a.json"]]);
    expect(hits([file("a.json", "eval(x)", "widget")])).toEqual([]);
  });

  it("reads URLs of every scheme in any case, and their hosts without user, port or path", () => {
    const urls = (text: string) =>
      applyContentRules([file("a.json", text)], defaultContentRules, { allowedHosts: [] }).map(
        (f) => f.message,
      );
    expect(urls("HTTPS://Evil.Example:443/x")).toEqual([
      "URL to a host outside SCAN_ALLOWED_HOSTS (line 1): evil.example",
    ]);
    expect(urls("wss://a@b@c.example/socket")).toEqual([
      "URL to a host outside SCAN_ALLOWED_HOSTS (line 1): c.example",
    ]);
    expect(urls('"https://[::1]:8443/x"')).toEqual([
      "URL to a host outside SCAN_ALLOWED_HOSTS (line 1): [::1]",
    ]);
    expect(urls("x\n\nhttps://h.example?q#f")).toEqual([
      "URL to a host outside SCAN_ALLOWED_HOSTS (line 3): h.example",
    ]);
    expect(urls("FTP://files.example")).toEqual([
      "URL without TLS (line 1): ftp://files.example",
      "URL to a host outside SCAN_ALLOWED_HOSTS (line 1): files.example",
    ]);
    expect(urls("mailto:a@b.example, file:///etc/passwd, https:/one-slash.example")).toEqual([]);
  });

  it("names the first line of the first match, counting lines from 1, and every match", () => {
    const [finding] = applyContentRules(
      [file("a.js", "ok\nok\neval(a)\n\neval(b)", "script")],
      defaultContentRules,
      context,
    );
    expect(finding?.message).toBe("script evaluates code built at run time (line 3, 2 matches)");
    const [single] = applyContentRules([file("a.js", "eval(a)", "script")], defaultContentRules, context);
    expect(single?.message).toBe("script evaluates code built at run time (line 1)");
  });

  it("sorts matches of several patterns by line", () => {
    const [finding] = applyContentRules(
      [file("a.js", "x\nvm.Script\neval(a)", "script")],
      defaultContentRules,
      context,
    );
    // eval is the first pattern, vm the last: the finding still names line 2
    expect(finding?.message).toBe("script evaluates code built at run time (line 2, 2 matches)");
  });

  it("gives each finding its rule's id, severity and description, and the file's path", () => {
    expect(
      applyContentRules(
        [file("p/a.js", `eval(x)\n${"AKIA"}${upper}`, "script")],
        defaultContentRules,
        context,
      ),
    ).toEqual([
      {
        ruleId: "secret.aws-access-key",
        severity: "critical",
        file: "p/a.js",
        message: "AWS access key id (line 2)",
      },
      {
        ruleId: "script.eval",
        severity: "critical",
        file: "p/a.js",
        message: "script evaluates code built at run time (line 1)",
      },
    ]);
  });
});

describe("the rule descriptions and severities", () => {
  it("are the shipped ones", () => {
    expect(defaultContentRules.map((rule) => [rule.id, rule.severity, rule.description])).toEqual([
      ["malware.eicar", "critical", "EICAR antivirus test signature"],
      ["secret.private-key", "critical", "private key material"],
      ["secret.aws-access-key", "critical", "AWS access key id"],
      ["secret.github-token", "critical", "GitHub token"],
      ["secret.slack-token", "critical", "Slack token"],
      ["secret.stripe-key", "critical", "Stripe live secret key"],
      ["secret.google-api-key", "critical", "Google API key"],
      ["secret.jwt", "warning", "embedded JSON Web Token"],
      ["script.process-execution", "critical", "script starts other processes"],
      ["script.eval", "critical", "script evaluates code built at run time"],
      ["url.insecure-scheme", "warning", "URL without TLS"],
      ["url.host-not-allowed", "warning", "URL to a host outside SCAN_ALLOWED_HOSTS"],
    ]);
  });
});

describe("pattern", () => {
  it("reports every match of every regex by line, whatever flags the regex already has", () => {
    expect(pattern(/ab/g, /AB/i)("ab\nx ab\nAb", context)).toEqual([
      { line: 1 },
      { line: 1 },
      { line: 2 },
      { line: 2 },
      { line: 3 },
    ]);
    expect(pattern(/z/)("abc", context)).toEqual([]);
  });
});

describe("default content rules: more edges", () => {
  const first = (text: string) =>
    applyContentRules([file("a.js", text, "script")], defaultContentRules, { allowedHosts: [] }).map(
      (f) => f.message,
    );

  it("calls ws:// insecure on its own", () => {
    expect(first("ws://socket.example")).toEqual([
      "URL without TLS (line 1): ws://socket.example",
      "URL to a host outside SCAN_ALLOWED_HOSTS (line 1): socket.example",
    ]);
  });

  it("reads an authority's host: an IPv6 literal only at its start, a port only at its end", () => {
    expect(first("https://[::1]junk")).toEqual(["URL to a host outside SCAN_ALLOWED_HOSTS (line 1): [::1]"]);
    expect(first("https://evil[1].example")).toEqual([
      "URL to a host outside SCAN_ALLOWED_HOSTS (line 1): evil[1].example",
    ]);
    expect(first("https://a.example:99:88")).toEqual([
      "URL to a host outside SCAN_ALLOWED_HOSTS (line 1): a.example:99",
    ]);
  });

  it("allows an exact host only as itself", () => {
    expect(isHostAllowed("xapi.acme.example", ["api.acme.example"])).toBe(false);
  });

  it("needs ten characters in each part of a JWT, the signature included", () => {
    expect(firing(`${"eyJ"}${"a".repeat(10)}.${"eyJ"}${"b".repeat(10)}.${"c".repeat(9)}`)).toEqual([]);
  });

  it("allows spaces before the parenthesis of a call, and before a string passed to a timer", () => {
    for (const [code, ruleId] of [
      ["subprocess.run (cmd)", "script.process-execution"],
      ["new Function ('a', body)", "script.eval"],
      ["setTimeout ('x()', 1)", "script.eval"],
      ["setInterval( 'x()', 1)", "script.eval"],
    ]) {
      expect(firing(code!), code).toEqual([ruleId]);
    }
  });
});
