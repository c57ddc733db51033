// The dev mail sink: a real SMTP server on 127.0.0.1:1025 (DEV_SMTP_PORT) that keeps what it
// receives, and a page at http://127.0.0.1:8025 (DEV_MAIL_WEB_PORT) to read it (JSON at /messages.json).
import { serve } from "@hono/node-server";
import { createLogger, loadConfig, stopOnSignals } from "@installhub/shared";
import { startSmtpSink } from "@installhub/shared/testing";
import { Hono } from "hono";
import { html, raw } from "hono/html";
import { devConfigSchema } from "./lib/dev-config.ts";

const config = loadConfig(devConfigSchema);
const smtpPort = config.DEV_SMTP_PORT;
const webPort = config.DEV_MAIL_WEB_PORT;
const logger = createLogger("mail", config.LOG_LEVEL);
const sink = await startSmtpSink({ port: smtpPort });

const app = new Hono();
app.get("/messages.json", (c) => c.json(sink.messages.map(({ raw: _raw, ...mail }) => mail)));
app.get("/messages/:index", (c) => {
  const mail = sink.messages[Number(c.req.param("index"))];
  if (!mail) return c.text("no such message", 404);
  return c.html(html`<!doctype html><title>${mail.subject}</title>
    <p><a href="/">← all mail</a></p><h1>${mail.subject}</h1><p>To: ${mail.to}<br>Message-ID: ${mail.messageId}</p>
    <h2>HTML part</h2><iframe sandbox style="width:100%;height:24em" srcdoc="${mail.html}"></iframe>
    <h2>Text part</h2><pre>${mail.text}</pre>`);
});
app.get("/", (c) =>
  c.html(html`<!doctype html><title>InstallHub dev mail</title><h1>Mail caught by the dev SMTP sink</h1>
    <p>${sink.messages.length} message(s). SMTP on ${sink.url}. Reload to refresh.</p>
    <ol reversed>${raw(
      sink.messages
        .map((mail, index) => ({ mail, index }))
        .reverse()
        .map(
          ({ mail, index }) =>
            html`<li><a href="/messages/${index}">${mail.subject}</a> — to ${mail.to}</li>`,
        )
        .join(""),
    )}</ol>`),
);
const web = serve({ fetch: app.fetch, port: webPort, hostname: "127.0.0.1" });
sink.intercept = (mail) => logger.info({ to: mail.to, subject: mail.subject }, "mail caught");
logger.info({ smtp: sink.url, web: `http://127.0.0.1:${webPort}/` }, "dev mail sink ready");
stopOnSignals(logger, async () => {
  web.close();
  await sink.close();
});
