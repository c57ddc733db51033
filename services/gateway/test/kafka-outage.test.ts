import { connect, type Socket } from "node:net";
import { uniqueId, waitFor } from "@installhub/shared/testing";
import type { ISocketFactory } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPath, startTestGateway, type TestGateway } from "./harness.ts";

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

const sockets = switchableSockets();
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway("gateway-outage", { socketFactory: sockets.factory, silent: true });
});
afterAll(async () => {
  sockets.up();
  await t?.close();
});

describe("Kafka cannot take the install", () => {
  it("answers 503 with nothing visible, and accepts again once Kafka is back", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    const body = { targetTenantId: tenant, version: "3.0.0" };
    const headers = { "idempotency-key": uniqueId("key") };

    sockets.down();
    const refused = await t.call("POST", installPath("acme-invoice-workflows"), { token, body, headers });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe("ServiceUnavailable");
    const statuses = t.gateway.platform.mongo.db.collection("install_status");
    expect(await statuses.countDocuments({ tenantId: tenant })).toBe(0);
    const listed = await t.call("GET", `/api/marketplace/installs?tenantId=${tenant}`, { token });
    expect(listed.body.items).toEqual([]);

    sockets.up();
    // the same Idempotency-Key works again: a refused request leaves no trace of itself
    const accepted = await waitFor(
      async () => {
        const response = await t.call("POST", installPath("acme-invoice-workflows"), {
          token,
          body,
          headers,
        });
        return response.status === 202 && response;
      },
      { timeoutMs: 60_000, what: "the gateway to accept again" },
    );
    await t.bus.waitForEvents(accepted.body.installId, (events) => events.length > 0);
    const requested = t.bus.events.filter((event) => event?.tenantId === tenant);
    expect(requested.map((event) => event.installId)).toEqual([accepted.body.installId]);
    expect(await statuses.countDocuments({ tenantId: tenant })).toBe(1);
  });
});
