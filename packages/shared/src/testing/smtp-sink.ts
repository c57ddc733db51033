import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

/** One message the sink accepted, raw and parsed. */
export interface CapturedMail {
  raw: string;
  /** Envelope sender and recipients (MAIL FROM / RCPT TO). */
  envelope: { from: string; to: string[] };
  /** Header names in lower case; folded lines unfolded, encoded words decoded. */
  headers: Record<string, string>;
  messageId: string;
  subject: string;
  to: string;
  text: string;
  html: string;
}

/**
 * `accept`: every message is accepted. `refuse-connections`: every connection is greeted with 421
 * (service not available). `reject-messages`: connections are fine, every message gets 451.
 */
export type SmtpSinkMode = "accept" | "refuse-connections" | "reject-messages";

export interface SmtpSink {
  port: number;
  /** `smtp://127.0.0.1:<port>`: what SMTP_URL should be. */
  url: string;
  /** Accepted messages, in arrival order. */
  messages: CapturedMail[];
  setMode(mode: SmtpSinkMode): void;
  /**
   * Runs once a message has arrived, before it is accepted; if it throws, the message is answered
   * 451 and not recorded (tests use it to crash a sender at the worst moment).
   */
  intercept: ((mail: CapturedMail) => void | Promise<void>) | undefined;
  close(): Promise<void>;
}

function temporaryFailure(message: string): Error {
  return Object.assign(new Error(message), { responseCode: 421 });
}

/**
 * A real SMTP server on loopback that keeps every message it accepts: the mail sink of tests and of
 * the local dev stack. No TLS, no authentication.
 *
 * @example
 * const sink = await startSmtpSink();            // a free port; or startSmtpSink({ port: 1025 })
 * const config = { ...notifierConfig, SMTP_URL: sink.url };
 * await waitFor(() => sink.messages.find((mail) => mail.to.includes("admin@tenant.example")));
 */
export async function startSmtpSink(options: { port?: number; host?: string } = {}): Promise<SmtpSink> {
  const host = options.host ?? "127.0.0.1";
  let mode: SmtpSinkMode = "accept";
  const sink: SmtpSink = {
    port: 0,
    url: "",
    messages: [],
    setMode: (next) => {
      mode = next;
    },
    intercept: undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const receive = async (raw: string, session: SMTPServerSession) => {
    const mail = parseMail(raw, session);
    if (mode === "reject-messages") throw Object.assign(new Error("mailbox busy"), { responseCode: 451 });
    await sink.intercept?.(mail);
    sink.messages.push(mail);
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onConnect(_session, callback) {
      callback(mode === "refuse-connections" ? temporaryFailure("service not available") : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        receive(Buffer.concat(chunks).toString("utf8"), session).then(
          () => callback(null),
          (error: Error) =>
            callback(
              Object.assign(error, {
                responseCode: (error as { responseCode?: number }).responseCode ?? 451,
              }),
            ),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  sink.port = (server.server.address() as AddressInfo).port;
  sink.url = `smtp://${host}:${sink.port}`;
  return sink;
}

/** Parses what a mail client like nodemailer sends: headers, and a single part or multipart/alternative. */
function parseMail(raw: string, session: SMTPServerSession): CapturedMail {
  const { headers, body } = splitEntity(raw);
  const parts = { text: "", html: "" };
  collectParts(headers, body, parts);
  const envelope = session.envelope;
  return {
    raw,
    envelope: {
      from: envelope.mailFrom ? envelope.mailFrom.address : "",
      to: envelope.rcptTo.map((recipient) => recipient.address),
    },
    headers,
    messageId: headers["message-id"] ?? "",
    subject: headers.subject ?? "",
    to: headers.to ?? "",
    text: parts.text,
    html: parts.html,
  };
}

function splitEntity(entity: string): { headers: Record<string, string>; body: string } {
  const normalized = entity.replace(/\r\n/g, "\n");
  const end = normalized.indexOf("\n\n");
  const head = end === -1 ? normalized : normalized.slice(0, end);
  const body = end === -1 ? "" : normalized.slice(end + 2);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function collectParts(headers: Record<string, string>, body: string, into: { text: string; html: string }) {
  const contentType = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (contentType.toLowerCase().startsWith("multipart/") && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith("--")) break;
      const part = splitEntity(section.replace(/^\n/, ""));
      collectParts(part.headers, part.body, into);
    }
    return;
  }
  const decoded = decodeBody(body, headers["content-transfer-encoding"] ?? "7bit");
  if (contentType.toLowerCase().startsWith("text/html")) into.html = decoded;
  else if (contentType.toLowerCase().startsWith("text/plain")) into.text = decoded;
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    case "quoted-printable":
      return decodeQuotedPrintable(body.replace(/=\n/g, ""));
    default:
      return body.replace(/\n$/, "");
  }
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const hex = text.slice(index + 1, index + 3);
    if (text[index] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(text[index] ?? "", "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8").replace(/\n$/, "");
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`), as nodemailer writes non-ASCII headers. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_match, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : decodeQuotedPrintable(text.replace(/_/g, " ")),
    );
}
