/**
 * `npm start` on an empty database prints the one-time setup link (issue 8): the built API
 * (api/dist, from `tsc -b`) is started as a process against a fresh database, and the link
 * on its console is the one that works; a second start replaces it, and once a practice
 * exists no link is printed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { generateDataKeks, generateSigningJwk, startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';

jest.setTimeout(120_000);

const entry = path.resolve(__dirname, '..', '..', 'dist', 'src', 'index.js');

/** Starts the built API, returns its output once it listens, then stops it. */
async function startOnce(database: { url: string; runtimeUrl: string }, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      ...env,
      // As deployed: the API serves as the runtime role; the owner migrates and issues the link.
      DATABASE_URL: database.runtimeUrl,
      MIGRATION_DATABASE_URL: database.url,
      PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'development', PUBLIC_APP_URL: 'https://clinic.example' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`api did not start: ${output.slice(-1000)}`));
    }, 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes('api listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`api exited with ${String(code)}: ${output.slice(-1000)}`));
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return output;
}

const linkIn = (output: string): string | null => /https:\/\/clinic\.example\/setup\?token=[A-Za-z0-9_-]{43}/.exec(output)?.[0] ?? null;

describe('setup link on start', () => {
  let test: TestApi;
  let env: Record<string, string>;
  beforeAll(async () => {
    test = await startTestApi();
    env = { AUTH_SIGNING_JWK: await generateSigningJwk(), ...generateDataKeks() };
  });
  afterAll(async () => {
    await test.close();
  });

  it('prints a working link while no practice exists, and none afterwards', async () => {
    const firstLink = linkIn(await startOnce(test.database, env));
    const secondLink = linkIn(await startOnce(test.database, env));
    if (firstLink === null || secondLink === null) throw new Error('no setup link printed');
    expect(secondLink).not.toBe(firstLink);
    const tokenOf = (link: string): string => new URL(link).searchParams.get('token') ?? '';
    // Each start replaces the link: only the newest works.
    const stale = await request(test.api.app).post('/v1/auth/setup/check').send({ token: tokenOf(firstLink) }).expect(400);
    expect((stale.body as { code: string }).code).toBe('token_invalid');
    await request(test.api.app).post('/v1/auth/setup/check').send({ token: tokenOf(secondLink) }).expect(200);
    await request(test.api.app)
      .post('/v1/auth/setup')
      .send({
        token: tokenOf(secondLink),
        practice: { name: 'Glow Medspa', slug: 'glow', timeZone: 'America/Chicago', brandingName: 'Glow' },
        admin: { givenName: 'Olive', familyName: 'Owner', email: 'olive@glow.example', password: 'olive owner passphrase' },
      })
      .expect(201);
    const afterSetup = await startOnce(test.database, env);
    expect(linkIn(afterSetup)).toBeNull();
    expect(afterSetup).not.toContain('/setup?token=');
  });
});
