import {
  type BaseConfig,
  EventCodec,
  ensureIndexes,
  type InstallEvent,
  readTopicToEnd,
} from "@installhub/shared";
import type { Kafka } from "kafkajs";
import type { Db } from "mongodb";
import {
  type InstallStatusDocument,
  installStatusCollection,
  installStatusIndexes,
  installStatusStore,
} from "../../services/gateway/src/data-access/install-status-store.ts";
import { type InstallState, reduceInstallStatus } from "../../services/gateway/src/domain/install-status.ts";

export interface ReplayResult {
  events: bigint;
  installs: number;
  /** Events that arrived during the rebuild, applied to the swapped-in collection afterwards. */
  tailEvents: bigint;
  collection: string;
}

/**
 * Rebuilds `install_status` from offset 0: folds every event with the projector's own reducer into a
 * new collection, swaps it in atomically (renameCollection with dropTarget), then applies what arrived
 * while it ran. The reducer is monotonic and idempotent, so the live projector may keep running.
 */
export async function replayStatus(options: {
  kafka: Kafka;
  config: BaseConfig;
  db: Db;
  onProgress?: (done: bigint, total: bigint) => void;
  collection?: string;
}): Promise<ReplayResult> {
  const target = options.collection ?? installStatusCollection;
  const codec = new EventCodec(options.config.SCHEMA_REGISTRY_URL, options.config.INSTALL_EVENTS_TOPIC);
  const decode = async (value: Buffer | null): Promise<InstallEvent | undefined> =>
    value ? codec.decode(value).catch(() => undefined) : undefined;

  const states = new Map<string, InstallState>();
  const { records, ends } = await readTopicToEnd(
    options.kafka,
    options.config.INSTALL_EVENTS_TOPIC,
    async ({ message }) => {
      const event = await decode(message.value);
      if (event) states.set(event.installId, reduceInstallStatus(states.get(event.installId), event));
    },
    { onProgress: options.onProgress },
  );

  const rebuilt = `${target}_rebuild_${Date.now()}`;
  await ensureIndexes(options.db, installStatusIndexes(rebuilt));
  const documents: InstallStatusDocument[] = [...states.entries()].map(([id, state]) => ({
    _id: id,
    revision: 1,
    ...state,
  }));
  for (let i = 0; i < documents.length; i += 1000) {
    await options.db
      .collection<InstallStatusDocument>(rebuilt)
      .insertMany(documents.slice(i, i + 1000), { ordered: false });
  }
  await swapIn(options.db, rebuilt, target);

  const live = installStatusStore(options.db, target);
  const tail = await readTopicToEnd(
    options.kafka,
    options.config.INSTALL_EVENTS_TOPIC,
    async ({ message }) => {
      const event = await decode(message.value);
      if (event) await live.apply(event);
    },
    { startAt: ends },
  );
  return { events: records, installs: documents.length, tailEvents: tail.records, collection: target };
}

/**
 * MongoDB swaps in one atomic `renameCollection … dropTarget`. FerretDB 1.24 does not implement
 * dropTarget, so there the old collection is renamed aside first and dropped after: for the few
 * milliseconds between the two renames a status read finds no document (404), never a wrong one.
 */
async function swapIn(db: Db, rebuilt: string, target: string): Promise<void> {
  try {
    await db.renameCollection(rebuilt, target, { dropTarget: true });
  } catch (error) {
    if ((error as { code?: number }).code !== 238) throw error; // NotImplemented
    const retired = `${target}_retired_${Date.now()}`;
    const exists = (await db.listCollections({ name: target }).toArray()).length > 0;
    if (exists) await db.renameCollection(target, retired);
    await db.renameCollection(rebuilt, target);
    if (exists) await db.dropCollection(retired);
  }
}
