import { connect, type Socket } from "node:net";
import { readTopicToEnd } from "@installhub/shared";
import { startTcpProxy, type TcpProxy, uniqueId, waitFor } from "@installhub/shared/testing";
import type { ISocketFactory } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPath, startTestGateway, type TestGateway } from "./harness.ts";

/**
 * The POST answer is the truth, fast (docs/design.md §8): whatever Kafka or the database do, the caller
 * hears within ACCEPT_TIMEOUT_MS, a 202 means the install happens (exactly once), and any other
 * answer means it does not.
 */

/**
 * A kafkajs socket factory that can cut the client off from the (still running, shared) broker:
 * `down()` destroys every open connection and refuses new ones until `up()`.
 */
function switchableSockets() {
  const open = new Set<Socket>();
  let reachable = true;
  const factory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    if (!reachable) {
      socket.destroy(
        Object.assign(new Error("connect ECONNREFUSED (test outage)"), { code: "ECONNREFUSED" }),
      );
      return socket;
    }
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    return socket;
  };
  return {
    factory,
    down() {
      reachable = false;
      for (const socket of open) socket.destroy(new Error("broker gone (test outage)"));
    },
    up() {
      reachable = true;
    },
  };
}

/** Every InstallRequested of `tenant` on the topic, read to the end of every partition. */
async function requestsOnTopic(t: TestGateway, tenant: string): Promise<string[]> {
  const installIds: string[] = [];
  await readTopicToEnd(t.bus.kafka, t.config.INSTALL_EVENTS_TOPIC, async ({ message }) => {
    if (message.key?.toString() !== tenant || !message.value) return;
    const event = await t.bus.codec.decode(message.value);
    if (event.type === "InstallRequested") installIds.push(event.installId);
  });
  return installIds;
}

const acceptTimeoutMs = 1_500;
const timing = {
  ACCEPT_TIMEOUT_MS: String(acceptTimeoutMs),
  OUTBOX_RELAY_GRACE_MS: "2000",
  OUTBOX_SWEEP_INTERVAL_MS: "200",
};

describe("Kafka is away", () => {
  const sockets = switchableSockets();
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway("gateway-kafka-away", {
      socketFactory: sockets.factory,
      silent: true,
      env: timing,
    });
  });
  afterAll(async () => {
    sockets.up();
    await t?.close();
  });

  it("answers 202 at once, shows the install, and publishes it exactly once when Kafka is back", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    const body = { targetTenantId: tenant, version: "3.0.0" };
    const headers = { "idempotency-key": uniqueId("key") };

    sockets.down();
    const began = Date.now();
    const accepted = await t.call("POST", installPath("acme-invoice-workflows"), { token, body, headers });
    expect(accepted.status).toBe(202);
    expect(Date.now() - began).toBeLessThan(5_000); // the documented bound of an answer, not a speed
    const { installId } = accepted.body;
    expect((await t.call("GET", accepted.body.statusUrl, { token })).body).toEqual({
      status: "InProgress",
      stage: "Queued",
    });
    const listed = await t.call("GET", `/api/marketplace/installs?tenantId=${tenant}`, { token });
    expect(listed.body.items.map((item: { installId: string }) => item.installId)).toEqual([installId]);
    // A retry with the same key while Kafka is still away: the same install, nothing new.
    const retried = await t.call("POST", installPath("acme-invoice-workflows"), { token, body, headers });
    expect(retried).toMatchObject({ status: 202, body: { installId } });

    sockets.up();
    await t.bus.waitForEvents(installId, (events) => events.length > 0, 60_000);
    expect(await requestsOnTopic(t, tenant)).toEqual([installId]);
    const outbox = t.gateway.platform.mongo.db.collection("install_outbox");
    await waitFor(async () => (await outbox.findOne({ _id: installId as never }))?.published === true, {
      what: "the outbox entry marked published",
    });
  });
});

describe("the database hangs", () => {
  let proxy: TcpProxy;
  let t: TestGateway;
  beforeAll(async () => {
    const mongo = new URL(process.env.MONGO_URL ?? "mongodb://127.0.0.1:27017/");
    proxy = await startTcpProxy(Number(mongo.port || 27017), mongo.hostname);
    t = await startTestGateway("gateway-db-hangs", {
      silent: true,
      env: { ...timing, MONGO_URL: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true` },
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.close();
    await proxy?.close();
  });

  it("answers 503 within the timeout, and the install never happens, not even once the database is back", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });

    proxy.freeze();
    const began = Date.now();
    const refused = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: { targetTenantId: tenant, version: "3.0.0" },
    });
    const answeredInMs = Date.now() - began;
    proxy.restore();
    expect(refused).toMatchObject({ status: 503, body: { error: "ServiceUnavailable" } });
    expect(answeredInMs).toBeLessThan(5_000);
    expect(answeredInMs).toBeGreaterThanOrEqual(acceptTimeoutMs - 50);

    // The database is back: a new install of the same tenant goes through, and after the relay's
    // grace period (and a sweep) nothing of the refused one exists or was published.
    const marker = await waitFor(
      async () => {
        const response = await t.call("POST", installPath("acme-invoice-workflows"), {
          token,
          body: { targetTenantId: tenant, version: "3.0.0" },
        });
        return response.status === 202 && response.body.installId;
      },
      { what: "an install accepted again" },
    );
    await t.bus.waitForEvents(marker, (events) => events.length > 0);
    const outbox = t.gateway.platform.mongo.db.collection("install_outbox");
    await waitFor(
      async () => {
        const markerEntry = await outbox.findOne({ _id: marker as never });
        // The marker is older than the grace period: every sweep since would have published the refused one.
        return markerEntry && Date.now() - Date.parse(markerEntry.requestedAt) > 2_500;
      },
      { what: "the relay's grace period to pass" },
    );
    await t.gateway.relay.sweep();
    expect(await outbox.countDocuments({ tenantId: tenant })).toBe(1);
    expect(await requestsOnTopic(t, tenant)).toEqual([marker]);
  });
});
