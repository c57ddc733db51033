import { describe, expect, it } from "vitest";
import { outcomeMessageId, renderEmail } from "./email-content.ts";
import type { OutcomeMessage } from "./outcome-message.ts";

const baseUrl = "https://installhub.example.com";
const message: OutcomeMessage = {
  kind: "InstallSucceeded",
  title: "ACME 3.0.0 installed in tenant-abc123",
  summary: "5 artifacts installed, 1 conflict resolved.",
  facts: [
    ["Package", "ACME"],
    ["Conflicts resolved", "1"],
  ],
  planLines: [],
  link: { label: "View the import", path: "/api/installhub/imports/imp-1" },
};

describe("renderEmail", () => {
  it("writes the text part: title, summary, aligned facts and the absolute link", () => {
    const email = renderEmail(message, baseUrl);
    expect(email.subject).toBe("[InstallHub] ACME 3.0.0 installed in tenant-abc123");
    expect(email.text).toBe(
      [
        "ACME 3.0.0 installed in tenant-abc123",
        "",
        "5 artifacts installed, 1 conflict resolved.",
        "",
        "Package:            ACME",
        "Conflicts resolved: 1",
        "",
        "View the import: https://installhub.example.com/api/installhub/imports/imp-1",
        "",
      ].join("\n"),
    );
  });

  it("writes the HTML part with the same facts and link", () => {
    expect(renderEmail(message, baseUrl).html).toBe(
      "<!doctype html><html><body><h2>ACME 3.0.0 installed in tenant-abc123</h2>" +
        "<p>5 artifacts installed, 1 conflict resolved.</p>" +
        '<table><tr><th align="left">Package</th><td>ACME</td></tr>' +
        '<tr><th align="left">Conflicts resolved</th><td>1</td></tr></table>' +
        '<p><a href="https://installhub.example.com/api/installhub/imports/imp-1">View the import</a>: ' +
        "https://installhub.example.com/api/installhub/imports/imp-1</p></body></html>",
    );
  });

  it("adds a plan section to both parts when there is a plan", () => {
    const email = renderEmail({ ...message, planLines: ["a: Created", "b: Renamed as b-2"] }, baseUrl);
    expect(email.text).toContain("\n\nPlan:\n  - a: Created\n  - b: Renamed as b-2\n\nView the import: ");
    expect(email.html).toContain(
      "</table><h3>Plan</h3><ul><li>a: Created</li><li>b: Renamed as b-2</li></ul><p>",
    );
  });

  it("escapes every HTML-special character it puts into the HTML part, and only there", () => {
    const hostile = `<b>&"'`;
    const email = renderEmail(
      {
        ...message,
        title: hostile,
        summary: hostile,
        facts: [[hostile, hostile]],
        planLines: [hostile],
        link: { label: hostile, path: `/x?a=1&b="2"` },
      },
      baseUrl,
    );
    const escaped = "&lt;b&gt;&amp;&quot;&#39;";
    expect(email.html).toBe(
      `<!doctype html><html><body><h2>${escaped}</h2><p>${escaped}</p>` +
        `<table><tr><th align="left">${escaped}</th><td>${escaped}</td></tr></table>` +
        `<h3>Plan</h3><ul><li>${escaped}</li></ul>` +
        `<p><a href="${baseUrl}/x?a=1&amp;b=&quot;2&quot;">${escaped}</a>: ${baseUrl}/x?a=1&amp;b=&quot;2&quot;</p></body></html>`,
    );
    expect(email.text).toContain(`${hostile}: ${hostile}`);
  });
});

describe("outcomeMessageId", () => {
  it("is fixed by install and outcome, on the sender's domain", () => {
    const succeeded = { installId: "mkt-install-b7c8d9", type: "InstallSucceeded" as const };
    expect(outcomeMessageId(succeeded, "InstallHub <notify@mail.example>")).toBe(
      "<mkt-install-b7c8d9.InstallSucceeded@mail.example>",
    );
    expect(outcomeMessageId({ ...succeeded, type: "InstallFailed" }, "notify@mail.example")).toBe(
      "<mkt-install-b7c8d9.InstallFailed@mail.example>",
    );
  });

  it("falls back to installhub.local when the sender has no domain", () => {
    expect(outcomeMessageId({ installId: "i", type: "InstallFailed" }, "InstallHub")).toBe(
      "<i.InstallFailed@installhub.local>",
    );
  });
});
