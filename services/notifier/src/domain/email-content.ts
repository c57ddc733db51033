import type { InstallOutcome, OutcomeMessage } from "./outcome-message.ts";

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char,
  );

/**
 * The e-mail for an outcome message: a text and an HTML part with the same facts and an absolute link.
 *
 * @example
 * renderEmail(message, "https://installhub.example.com").text; // "... View the import: https://installhub.example.com/api/..."
 */
export function renderEmail(message: OutcomeMessage, publicBaseUrl: string): EmailContent {
  const url = `${publicBaseUrl}${message.link.path}`;
  const labelWidth = Math.max(...message.facts.map(([label]) => label.length)) + 2;
  const text = [
    message.title,
    "",
    message.summary,
    "",
    ...message.facts.map(([label, value]) => `${`${label}:`.padEnd(labelWidth)}${value}`),
    ...(message.planLines.length > 0 ? ["", "Plan:", ...message.planLines.map((line) => `  - ${line}`)] : []),
    "",
    `${message.link.label}: ${url}`,
    "",
  ].join("\n");
  const rows = message.facts
    .map(
      ([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
    )
    .join("");
  const plan =
    message.planLines.length > 0
      ? `<h3>Plan</h3><ul>${message.planLines.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`
      : "";
  const html =
    `<!doctype html><html><body><h2>${escapeHtml(message.title)}</h2><p>${escapeHtml(message.summary)}</p>` +
    `<table>${rows}</table>${plan}` +
    `<p><a href="${escapeHtml(url)}">${escapeHtml(message.link.label)}</a>: ${escapeHtml(url)}</p></body></html>`;
  return { subject: `[InstallHub] ${message.title}`, text, html };
}

/** A Message-ID fixed by the outcome, so a resent copy is recognisably the same message. */
export function outcomeMessageId(
  outcome: Pick<InstallOutcome, "installId" | "type">,
  mailFrom: string,
): string {
  const domain = /@([^>\s]+)/.exec(mailFrom)?.[1] ?? "installhub.local";
  return `<${outcome.installId}.${outcome.type}@${domain}>`;
}
