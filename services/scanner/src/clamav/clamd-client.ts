import { connect, type Socket } from "node:net";
import { TransientError } from "@installhub/shared";

export type ClamdVerdict = { infected: false } | { infected: true; signature: string };

export interface ClamdClient {
  /**
   * Streams `bytes` to clamd with INSTREAM and reads its answer.
   * @throws ClamdError — clamd answered that it could not scan them
   * @throws ClamdUnreachable — clamd did not answer (transient)
   */
  scan(bytes: Uint8Array): Promise<ClamdVerdict>;
  ping(): Promise<void>;
}

/** clamd answered, and could not scan the bytes (e.g. `INSTREAM size limit exceeded. ERROR`). */
export class ClamdError extends Error {
  override readonly name = "ClamdError";
}

/**
 * clamd did not answer: refused, reset or silent past the timeout. A transient failure (docs/design.md §8):
 * the scan waits for clamd like it waits for the database, rather than failing installs while clamd
 * restarts or reloads its signatures.
 */
export class ClamdUnreachable extends TransientError {
  override readonly name = "ClamdUnreachable";
}

// clamd refuses chunks above its StreamMaxLength in one go; small chunks keep every setting happy.
const chunkSize = 64 * 1024;

/**
 * A clamd client over TCP speaking the null-terminated (`z`) commands.
 *
 * @example
 * const clamd = clamdClient({ url: "tcp://127.0.0.1:3310", timeoutMs: 30_000 });
 * const verdict = await clamd.scan(bytes); // { infected: true, signature: "Eicar-Signature" }
 */
export function clamdClient(options: { url: string; timeoutMs: number }): ClamdClient {
  const { hostname, port } = new URL(options.url);
  const exchange = (write: (socket: Socket) => void) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      const chunks: Buffer[] = [];
      socket.setTimeout(options.timeoutMs, () =>
        socket.destroy(
          new ClamdUnreachable(`clamd at ${options.url} did not answer within ${options.timeoutMs} ms`),
        ),
      );
      socket.on("connect", () => write(socket));
      socket.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        if (chunk.includes(0)) socket.end();
      });
      socket.on("error", (error) =>
        reject(
          error instanceof ClamdUnreachable
            ? error
            : new ClamdUnreachable(`clamd at ${options.url}: ${error.message}`, { cause: error }),
        ),
      );
      socket.on("close", () =>
        resolve(
          Buffer.concat(chunks)
            .toString("utf8")
            .replace(/\0[\s\S]*$/, ""),
        ),
      );
    });

  return {
    async scan(bytes) {
      const reply = await exchange((socket) => {
        socket.write("zINSTREAM\0");
        for (let offset = 0; offset < bytes.length; offset += chunkSize) {
          const chunk = bytes.subarray(offset, offset + chunkSize);
          const length = Buffer.alloc(4);
          length.writeUInt32BE(chunk.length);
          socket.write(length);
          socket.write(chunk);
        }
        socket.write(Buffer.alloc(4));
      });
      return parseScanReply(reply);
    },
    async ping() {
      const reply = await exchange((socket) => socket.write("zPING\0"));
      if (reply !== "PONG") throw new ClamdError(`clamd answered PING with ${JSON.stringify(reply)}`);
    },
  };
}

/** `stream: OK`, `stream: Eicar-Signature FOUND`, or `… ERROR`. */
export function parseScanReply(reply: string): ClamdVerdict {
  const answer = reply.replace(/^stream:\s*/, "");
  if (answer === "OK") return { infected: false };
  const found = /^(.+) FOUND$/.exec(answer);
  if (found) return { infected: true, signature: found[1]! };
  throw new ClamdError(`clamd could not scan: ${reply || "(no answer)"}`);
}
