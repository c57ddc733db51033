import type { FindingSeverity } from "@installhub/shared";
import { type Finding, finding } from "./findings.ts";

/** One file as the content rules see it. */
export interface ScannedFile {
  path: string;
  /** The manifest's artifact type for this file, when it is a listed artifact. */
  artifactType?: string | undefined;
  /** The bytes as latin1, one character per byte, so binary content is matched as it is. */
  text: string;
}

export interface RuleContext {
  /** Lowercase host names; `*.example.com` allows every subdomain of example.com. */
  allowedHosts: readonly string[];
}

export interface RuleMatch {
  /** 1-based line of the match. */
  line: number;
  /** Shown in the finding; never the matched secret itself. */
  detail?: string;
}

export interface ContentRule {
  id: string;
  severity: FindingSeverity;
  description: string;
  /** Which files the rule reads; every file when absent. */
  appliesTo?: (file: ScannedFile) => boolean;
  match: (text: string, context: RuleContext) => RuleMatch[];
}

/** A matcher reporting every place `regex` matches, without echoing what it matched. */
export function pattern(...regexes: RegExp[]): ContentRule["match"] {
  return (text) =>
    regexes
      .flatMap((regex) => [...text.matchAll(new RegExp(regex.source, `${regex.flags.replace("g", "")}g`))])
      .map((match) => ({ line: lineOf(text, match.index) }))
      .sort((a, b) => a.line - b.line);
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

const urlPattern = /\b(https?|wss?|ftp):\/\/([^\s/?#"'`<>\\)]+)/gi;
const insecureSchemes = new Set(["http", "ws", "ftp"]);

interface UrlHit {
  line: number;
  scheme: string;
  host: string;
}

function urlsIn(text: string): UrlHit[] {
  return [...text.matchAll(urlPattern)].map((match) => ({
    line: lineOf(text, match.index),
    scheme: match[1]!.toLowerCase(),
    host: hostOf(match[2]!),
  }));
}

/** `user:pw@Host.example:8080` → `host.example`. */
function hostOf(authority: string): string {
  const withoutUser = authority.slice(authority.lastIndexOf("@") + 1);
  const bracketed = /^\[[^\]]*\]/.exec(withoutUser);
  return (bracketed ? bracketed[0] : withoutUser.replace(/:\d*$/, "")).toLowerCase();
}

export function isHostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((allowed) =>
    allowed.startsWith("*.") ? host.endsWith(allowed.slice(1)) : host === allowed,
  );
}

const scriptExtensions = /\.(m?js|cjs|jsx|ts|tsx|sh|bash|ps1|py|rb|pl|php)$/i;

export function isScript(file: ScannedFile): boolean {
  return file.artifactType === "script" || scriptExtensions.test(file.path);
}

const eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The shipped content rules. Critical findings block the install; warnings let it proceed with the
 * finding on record for the tenant administrator.
 */
export const defaultContentRules: readonly ContentRule[] = [
  {
    id: "malware.eicar",
    severity: "critical",
    description: "EICAR antivirus test signature",
    match: pattern(new RegExp(escapeRegex(eicar))),
  },
  {
    id: "secret.private-key",
    severity: "critical",
    description: "private key material",
    match: pattern(/-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/),
  },
  {
    id: "secret.aws-access-key",
    severity: "critical",
    description: "AWS access key id",
    match: pattern(/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/),
  },
  {
    id: "secret.github-token",
    severity: "critical",
    description: "GitHub token",
    match: pattern(/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, /\bgithub_pat_[A-Za-z0-9_]{40,}\b/),
  },
  {
    id: "secret.slack-token",
    severity: "critical",
    description: "Slack token",
    match: pattern(/\bxox[abposr]-[A-Za-z0-9-]{10,}/),
  },
  {
    id: "secret.stripe-key",
    severity: "critical",
    description: "Stripe live secret key",
    match: pattern(/\b(?:sk|rk)_live_[0-9A-Za-z]{20,}\b/),
  },
  {
    id: "secret.google-api-key",
    severity: "critical",
    description: "Google API key",
    match: pattern(/\bAIza[0-9A-Za-z_-]{35}\b/),
  },
  {
    id: "secret.jwt",
    severity: "warning",
    description: "embedded JSON Web Token",
    match: pattern(/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/),
  },
  {
    id: "script.process-execution",
    severity: "critical",
    description: "script starts other processes",
    appliesTo: isScript,
    match: pattern(
      /\bchild_process\b/,
      // `regex.exec(` is a method call, not process execution: a preceding `.` is excluded.
      /(?<![.\w$])(?:exec|execSync|execFile|execFileSync|spawn|spawnSync|fork)\s*\(/,
      /\bprocess\.binding\s*\(/,
      /\b(?:Bun\.spawn|Deno\.run|Deno\.Command)\b/,
      /\bos\.(?:system|popen|exec[lv]p?e?)\s*\(/,
      /\bsubprocess\.\w+\s*\(/,
      /\bRuntime\.getRuntime\(\)\.exec\b/,
    ),
  },
  {
    id: "script.eval",
    severity: "critical",
    description: "script evaluates code built at run time",
    appliesTo: isScript,
    match: pattern(
      /(?<![.\w$])eval\s*\(/,
      /\bnew\s+Function\s*\(/,
      /\b(?:setTimeout|setInterval)\s*\(\s*["'`]/,
      /\bvm\.(?:runIn\w*Context|compileFunction|Script)\b/,
    ),
  },
  {
    id: "url.insecure-scheme",
    severity: "warning",
    description: "URL without TLS",
    match: (text) =>
      urlsIn(text)
        .filter((url) => insecureSchemes.has(url.scheme))
        .map((url) => ({ line: url.line, detail: `${url.scheme}://${url.host}` })),
  },
  {
    id: "url.host-not-allowed",
    severity: "warning",
    description: "URL to a host outside SCAN_ALLOWED_HOSTS",
    match: (text, context) =>
      urlsIn(text)
        .filter((url) => !isHostAllowed(url.host, context.allowedHosts))
        .map((url) => ({ line: url.line, detail: url.host })),
  },
];

/** Runs every rule over every file it applies to: at most one finding per rule and file. */
export function applyContentRules(
  files: readonly ScannedFile[],
  rules: readonly ContentRule[],
  context: RuleContext,
): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    for (const rule of rules) {
      if (rule.appliesTo && !rule.appliesTo(file)) continue;
      const matches = rule.match(file.text, context);
      const first = matches[0];
      if (!first) continue;
      const more = matches.length > 1 ? `, ${matches.length} matches` : "";
      const detail = first.detail ? `: ${first.detail}` : "";
      findings.push(
        finding(
          rule.id,
          rule.severity,
          file.path,
          `${rule.description} (line ${first.line}${more})${detail}`,
        ),
      );
    }
  }
  return findings;
}
