/**
 * The whole platform for browser end-to-end tests: the API in-process on its own fresh
 * database (api/test/testApi.ts), the SFU and the client server as child processes of the
 * built code (`npm test` runs `tsc -b` and the client build first).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { startTestApi } from '../../../api/test/testApi.js';
import type { TestApi } from '../../../api/test/testApi.js';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface Stack {
  test: TestApi;
  apiUrl: string;
  sfuUrl: string;
  /** The injector's (and admin's) client server. */
  clientUrl: string;
  /** A second client server for the patient, so the patient's connection can drop alone. */
  patientClientUrl: string;
  /** Kills and restarts the patient's client server on the same port: their sockets drop. */
  restartPatientClientServer: () => Promise<void>;
  /**
   * Freezes the patient's client server (SIGSTOP) so their signaling and API calls stall as
   * on a dead network without closing any connection; the returned function resumes it.
   */
  freezePatientClientServer: () => () => void;
  close: () => Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

/** Spawns a Node program and resolves once a line of its output matches `ready`. */
function startProcess(name: string, entry: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start: ${output.slice(-2000)}`));
    }, 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${String(code)}: ${output.slice(-2000)}`));
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface StackOptions {
  /** Extra SFU environment (e.g. SFU_ANNOUNCED_ADDRESS and a port range for a drop proxy). */
  sfuEnv?: NodeJS.ProcessEnv;
  /** Extra API environment, e.g. `{ SMTP_URL: smtp.url }` from startSmtpCapture(). */
  apiEnv?: Record<string, string>;
}

/** Starts API, SFU and client server wired to each other. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // The SFU signs its calls to the API with its own key; the API trusts only its public half.
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `e2e-sfu-${Date.now().toString(36)}`;
  const sfuPrivateJwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'ES256' });
  const sfuPublicJwk = JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'ES256' });

  const test = await startTestApi({ SFU_SERVICE_PUBLIC_JWK: sfuPublicJwk, LOG_LEVEL: 'warn', ...options.apiEnv });
  const apiServer: Server = createServer(test.api.app);
  // The live channel ("patient waiting" nudges), as index.ts attaches it.
  test.api.live.attach(apiServer);
  await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;

  const sfuPort = await freePort();
  const sfuUrl = `http://127.0.0.1:${sfuPort}`;
  const sfu = await startProcess(
    'sfu',
    path.join(repoRoot, 'sfu/dist/src/index.js'),
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SFU_HOST: '127.0.0.1',
      SFU_PORT: String(sfuPort),
      SFU_WORKERS: '1',
      SFU_LISTEN_IP: '127.0.0.1',
      SFU_API_URL: apiUrl,
      SFU_SERVICE_JWK: sfuPrivateJwk,
      ...options.sfuEnv,
    },
    /listening|started/i,
  );

  const clientEntry = path.join(repoRoot, 'client/server/clientServer.mjs');
  const clientPort = await freePort();
  const client = await startProcess('client', clientEntry, { CLIENT_PORT: String(clientPort), API_URL: apiUrl, SFU_URL: sfuUrl }, /client listening/);
  const patientPort = await freePort();
  const patientEnv = { CLIENT_PORT: String(patientPort), API_URL: apiUrl, SFU_URL: sfuUrl };
  let patientClient = await startProcess('patient client', clientEntry, patientEnv, /client listening/);

  return {
    test,
    apiUrl,
    sfuUrl,
    clientUrl: `http://127.0.0.1:${clientPort}`,
    patientClientUrl: `http://127.0.0.1:${patientPort}`,
    restartPatientClientServer: async () => {
      await stopProcess(patientClient);
      patientClient = await startProcess('patient client', clientEntry, patientEnv, /client listening/);
    },
    freezePatientClientServer: () => {
      const frozen = patientClient;
      frozen.kill('SIGSTOP');
      return () => {
        frozen.kill('SIGCONT');
      };
    },
    close: async () => {
      await stopProcess(patientClient);
      await stopProcess(client);
      await stopProcess(sfu);
      await test.api.live.close();
      apiServer.closeAllConnections();
      await new Promise<void>((resolve) => apiServer.close(() => { resolve(); }));
      await test.close();
    },
  };
}
