/**
 * The built API (api/dist, from `tsc -b`) as a process: index.ts attaches the live channel to
 * the server it listens on, and on SIGTERM drops open live connections before waiting for
 * HTTP requests, so a schedule left open does not hold the shutdown to its 10 s grace.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { generateDataKeks, startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { setUpBookablePractice } from '../scheduling/schedulingFixtures.js';
import { connectLive } from './liveClient.js';

jest.setTimeout(120_000);

const entry = path.resolve(__dirname, '..', '..', 'dist', 'src', 'index.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

describe('the API process and its live channel', () => {
  let test: TestApi;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    test = await startTestApi();
  }, 120_000);

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await test.close();
  });

  it('serves the live channel on its port and drops it at SIGTERM, exiting cleanly well inside the grace period', async () => {
    const setup = await setUpBookablePractice(test);
    const port = await freePort();
    // Same signing key and database as the in-process API that signed the fixture's token.
    const started = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        ...generateDataKeks(),
        AUTH_SIGNING_JWK: test.config.AUTH_SIGNING_JWK,
        DATABASE_URL: test.database.runtimeUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        NODE_ENV: 'development',
        MAIL_OUTBOX_DIR: test.config.MAIL_OUTBOX_DIR,
        AUDIT_WITNESS_DIR: test.config.AUDIT_WITNESS_DIR,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`api did not start: ${output.slice(-1000)}`)); }, 60_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        if (output.includes('api listening')) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout.on('data', onData);
      started.stderr.on('data', onData);
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`api exited with ${String(code)}: ${output.slice(-1000)}`));
      });
    });

    const connection = await connectLive(`http://127.0.0.1:${String(port)}`, setup.frontDesk.accessToken);
    const dropped = connection.disconnected(10_000);
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => { resolve(code); }));
    const stopAt = Date.now();
    started.kill('SIGTERM');
    // The client sees the transport close (it would reconnect, behind a proxy to another instance).
    expect(await dropped).toBe('transport close');
    expect(await exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(8000);
    connection.close();
  });
});
