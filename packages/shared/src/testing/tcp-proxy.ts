import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real server (FerretDB, Kafka, SMTP…) that a test can break on purpose,
 * without touching the server other tests share:
 * - `freeze()`: connections stay open but nothing moves — a server that hangs (SIGSTOP, a stuck disk);
 * - `holdReplies()`: requests still reach the server, its replies are held — a server that did the
 *   work while its answer never arrives (a client that dies now has changed the server's state);
 * - `cut()`: every connection is reset and new ones are refused — a server that is down;
 * - `stopReading()`: the proxy stops reading what clients send, so their writes back up into their
 *   own buffers — a server that stopped taking data (a client's large write waits for 'drain');
 * - `restore()`: back to normal; frozen bytes flow on.
 *
 * @example
 * const proxy = await startTcpProxy(27017);
 * const url = `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`;
 * proxy.freeze(); … proxy.restore();
 */
export interface TcpProxy {
  port: number;
  freeze(): void;
  holdReplies(): void;
  cut(): void;
  stopReading(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  let state: "open" | "frozen" | "replies-held" | "cut" = "open";
  let reading = true;
  const pairs = new Set<[Socket, Socket]>();
  const flushers = new Set<() => void>();
  const server: Server = createServer((client) => {
    if (state === "cut") {
      client.destroy();
      return;
    }
    const upstream = connect({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    // Forwarded by hand (not pipe): a piped stream resumes itself when its destination drains.
    const held = new Map<Socket, Buffer[]>([
      [client, []],
      [upstream, []],
    ]);
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (state === "frozen" || (state === "replies-held" && to === client)) held.get(to)!.push(chunk);
      else to.write(chunk);
    };
    client.on("data", forward(upstream));
    if (!reading) client.pause();
    upstream.on("data", forward(client));
    const flush = () => {
      for (const [to, chunks] of held) for (const chunk of chunks.splice(0)) to.write(chunk);
    };
    flushers.add(flush);
    const end = () => {
      pairs.delete(pair);
      flushers.delete(flush);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    freeze() {
      state = "frozen";
    },
    holdReplies() {
      state = "replies-held";
    },
    cut() {
      state = "cut";
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    stopReading() {
      reading = false;
      for (const [client] of pairs) client.pause();
    },
    restore() {
      state = "open";
      reading = true;
      for (const [client] of pairs) client.resume();
      for (const flush of flushers) flush();
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
