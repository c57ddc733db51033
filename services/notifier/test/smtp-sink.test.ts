import { type SmtpSink, startSmtpSink } from "@installhub/shared/testing";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The notifier's tests read mail through this sink, so its parsing of what nodemailer writes is proven here.
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(() => sink.close());

const send = (to: string) =>
  nodemailer.createTransport({ url: sink.url }).sendMail({
    from: "InstallHub <notify@installhub.test>",
    to,
    messageId: "<fixed.id@installhub.test>",
    subject: "Install of Café Pack failed — rolled back",
    text: `Message: Package scan returned FAIL — installation blocked\n${"long line ".repeat(20)}`,
    html: "<p>Stage: <b>SecurityScan</b> — «blocked»</p>",
  });

describe("SMTP sink", () => {
  it("keeps accepted mail with decoded subject, text and HTML parts", async () => {
    await send("admin@tenant-a.example");
    const [mail] = sink.messages.filter((message) => message.envelope.to.includes("admin@tenant-a.example"));
    expect(mail?.subject).toBe("Install of Café Pack failed — rolled back");
    expect(mail?.messageId).toBe("<fixed.id@installhub.test>");
    expect(mail?.envelope.from).toBe("notify@installhub.test");
    expect(mail?.text).toBe(
      `Message: Package scan returned FAIL — installation blocked\n${"long line ".repeat(20)}`,
    );
    expect(mail?.html).toBe("<p>Stage: <b>SecurityScan</b> — «blocked»</p>");
  });

  it("rejects messages or refuses connections when told to, keeping nothing", async () => {
    const before = sink.messages.length;
    sink.setMode("reject-messages");
    await expect(send("admin@tenant-b.example")).rejects.toThrow(/451/);
    sink.setMode("refuse-connections");
    await expect(send("admin@tenant-b.example")).rejects.toThrow(/421/);
    sink.setMode("accept");
    expect(sink.messages).toHaveLength(before);
  });
});
