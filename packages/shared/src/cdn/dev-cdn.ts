import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize, sep } from "node:path";

/**
 * Lets a test decide how the CDN answers one request: return true after answering it yourself
 * (a 500, a stall, a reset), false to serve the file as usual.
 */
export type CdnFault = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface DevCdn {
  /** Base URL, ending in `/`, under which archive paths resolve. */
  url: string;
  port: number;
  /** Paths requested so far, in order. */
  requests: string[];
  setFault(fault: CdnFault | undefined): void;
  close(): Promise<void>;
}

/**
 * The PublicHub CDN stand-in for local runs and tests: serves files under `root` over HTTP on loopback.
 *
 * @example
 * const cdn = await startDevCdn({ root: ".data/cdn", port: 8090 });
 * await fetch(new URL("packages/acme-invoice-workflows/acme-invoice-workflows-3.0.0.tgz", cdn.url));
 */
export async function startDevCdn(options: { root: string; port?: number; host?: string }): Promise<DevCdn> {
  const requests: string[] = [];
  let fault: CdnFault | undefined;
  const root = normalize(options.root);
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://cdn").pathname).replace(/^\/+/, "");
    requests.push(path);
    if (fault?.(request, response)) return;
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep) || request.method !== "GET") {
      response.writeHead(404).end();
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error("not a file");
      response.writeHead(200, { "content-type": "application/gzip", "content-length": info.size });
      createReadStream(file).pipe(response);
    } catch {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}/`,
    port,
    requests,
    setFault: (next) => {
      fault = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
