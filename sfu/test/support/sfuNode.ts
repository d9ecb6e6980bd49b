import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A TCP port free right now on loopback (the SFU binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

/**
 * The sfu package directory, from sfu/test/support (ts-jest) or sfu/dist/test/support
 * (compiled, used by bench/cluster-rooms.mjs): the nearest parent holding package.json.
 */
function sfuPackageDir(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('sfu package.json not found');
    dir = parent;
  }
  return dir;
}

/** One SFU node process of a cluster (sfu/dist/src/index.js). */
export interface SfuNode {
  id: string;
  url: string;
  child: ChildProcess;
}

export interface SfuNodeOptions {
  /** SFU_NODE_ID. */
  id: string;
  apiUrl: string;
  /** Private ES256 JWK (with kid) the node signs its calls to the API with. */
  serviceJwk: string;
  redisUrl: string;
  /** Extra environment (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
}

/**
 * Starts a built SFU node (run `tsc -b` first) on a free port, registered in Redis under
 * its id, and resolves once it listens. Its stdout and stderr are read until then only.
 */
export async function startSfuNode({ id, apiUrl, serviceJwk, redisUrl, env = {} }: SfuNodeOptions): Promise<SfuNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(sfuPackageDir(), 'dist/src/index.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SFU_HOST: '127.0.0.1',
      SFU_PORT: String(port),
      SFU_WORKERS: '1',
      SFU_LISTEN_IP: '127.0.0.1',
      SFU_API_URL: apiUrl,
      SFU_SERVICE_JWK: serviceJwk,
      REDIS_URL: redisUrl,
      SFU_NODE_ID: id,
      SFU_PUBLIC_URL: url,
      SFU_AUDIT_JOURNAL: path.join(mkdtempSync(path.join(tmpdir(), `sfu-${id}-`)), 'audit.jsonl'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      // Never leave a half-started node behind: the caller has no handle on it yet.
      child.kill('SIGKILL');
      reject(new Error(`sfu ${id} did not start: ${output}`));
    }, 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes('sfu listening')) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        // Keep draining the pipes so a chatty node never blocks on a full pipe.
        child.stdout.resume();
        child.stderr.resume();
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { reject(new Error(`sfu ${id} exited ${String(code)}: ${output}`)); });
  });
  return { id, url, child };
}

/** Stops a node (SIGTERM: graceful deregistration; SIGKILL: a crash) and waits for it. */
export async function stopNode(node: SfuNode, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => node.child.once('exit', () => { resolve(); }));
  node.child.kill(signal);
  await exited;
}
