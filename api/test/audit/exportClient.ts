import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import type { TestApi } from '../testApi.js';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** HTTP trailer fields (lower-cased names), as Node parsed them after the last chunk. */
  trailers: Record<string, string | undefined>;
}

/** Listens on an ephemeral port: trailers need a real HTTP/1.1 connection, not supertest's. */
export async function listen(test: TestApi): Promise<Server> {
  const server = test.api.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => { resolve(); }));
  return server;
}

/** GETs `path` with a bearer token and collects every body byte and the trailers. */
export function rawGet(server: Server, path: string, accessToken: string): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'GET', headers: { authorization: `Bearer ${accessToken}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Starts a GET, reads one chunk of the body, then hangs up; resolves with the X-Export-Id header. */
export function getAndHangUp(server: Server, path: string, accessToken: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'GET', headers: { authorization: `Bearer ${accessToken}` } },
      (res) => {
        res.once('data', () => {
          req.destroy();
          resolve(String(res.headers['x-export-id']));
        });
      },
    );
    req.once('error', reject);
    req.end();
  });
}

