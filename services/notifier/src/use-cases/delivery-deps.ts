import type { EventPublisher, Logger } from "@installhub/shared";
import type { Db } from "mongodb";
import type { NotifierConfig } from "../config.ts";
import type { SmtpSender } from "../smtp/smtp-sender.ts";

/** What the delivery flows work with, wired once by the service. */
export interface DeliveryDeps {
  config: NotifierConfig;
  db: Db;
  publisher: EventPublisher;
  smtp: SmtpSender;
  logger: Logger;
  /** The clock the use cases read (stores stamp their own bookkeeping). */
  now(): Date;
}
