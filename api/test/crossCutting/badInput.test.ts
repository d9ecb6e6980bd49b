import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { mapPgError } from '../../src/http/errorHandler.js';
import { findInvalidText } from '../../src/http/inputText.js';
import { availabilityRuleSchema } from '../../src/modules/scheduling/availability.js';
import { asOwner } from '../testDatabase.js';
import { loginAs, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn, SeededPractice } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';

// Each case starts its own API on a fresh database; on a busy machine that takes seconds.
jest.setTimeout(120_000);

/** [code, the field the message names] of an error body. */
function errorOf(body: unknown): [string, string] {
  const { code, message } = body as { code: string; message: string };
  return [code, message.split(':')[0] ?? ''];
}

describe('one rule per kind of bad input', () => {
  let test: TestApi;
  let practice: SeededPractice;
  let admin: LoggedIn;

  beforeAll(async () => {
    test = await startTestApi();
    practice = await seedPractice(test);
    admin = await loginAs(test, practice.slug, 'admin');
  });

  afterAll(async () => {
    await test.close();
  });

  /** Raw bytes on the wire (supertest would JSON-encode a Buffer given a JSON content type). */
  const post = async (path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: unknown }> => {
    const server = test.api.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
      });
      return { status: response.status, body: await response.json() };
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  };
  const login = (body: Buffer, encoding: string) => post('/v1/auth/login', body, { 'Content-Encoding': encoding });

  describe('Content-Encoding', () => {
    const credentials = () => Buffer.from(JSON.stringify({ practice: practice.slug, email: 'nobody@example.test', password: 'not the password 1' }));

    it.each([
      ['gzip', Buffer.from('not gzip')],
      ['br', Buffer.from('not brotli either')],
      ['deflate', Buffer.from('nor deflate')],
      ['gzip', gzipSync(Buffer.from('{"practice":"x"}')).subarray(0, 12)],
    ])('a body that is not valid %s is a 400 invalid_content_encoding (login included)', async (encoding, body) => {
      const response = await login(body, encoding);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ code: 'invalid_content_encoding', message: 'Request body does not match its Content-Encoding' });
    });

    it('an unknown coding is a 415 unsupported_content_encoding (RFC 9110 §15.5.16)', async () => {
      const response = await login(credentials(), 'compress');
      expect(response.status).toBe(415);
      expect(response.body).toMatchObject({ code: 'unsupported_content_encoding' });
    });

    it('valid gzip and br bodies are read as usual', async () => {
      const plain = await post('/v1/auth/login', credentials(), {});
      const gzipped = await login(gzipSync(credentials()), 'gzip');
      expect(gzipped.body).toEqual(plain.body);
      expect(gzipped.status).toBe(401);
      expect((await login(brotliCompressSync(credentials()), 'br')).status).toBe(401);
    });

    it('applies on authenticated routes too', async () => {
      const response = await post('/v1/users', Buffer.from('garbage'), {
        Authorization: `Bearer ${admin.accessToken}`,
        'Content-Encoding': 'gzip',
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'invalid_content_encoding' });
    });
  });

  describe('invalid characters', () => {
    const newUser = (givenName: string) => ({
      role: 'front_desk',
      email: `u${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.test`,
      password: 'a long enough password 42',
      givenName,
      familyName: 'Smith',
    });

    it.each([
      ['a NUL', 'Ann\u0000e'],
      ['a lone high surrogate', 'Ann\uD800e'],
      ['a lone low surrogate', 'Ann\uDC00e'],
      ['a bell', 'Ann\u0007e'],
      ['an escape', 'Ann\u001be'],
    ])('%s in a JSON text field is a 400 invalid_characters, before validation', async (_what, givenName) => {
      const response = await request(test.api.app).post('/v1/users').set('Authorization', `Bearer ${admin.accessToken}`).send(newUser(givenName));
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ code: 'invalid_characters', message: 'body.givenName: contains a NUL, another control character or an unpaired surrogate' });
      // The message names the field, never the text.
      expect(JSON.stringify(response.body)).not.toContain('Ann');
    });

    it('in patient self-registration and in login too', async () => {
      const registration = await request(test.api.app)
        .post(`/v1/practices/${practice.slug}/patients`)
        .send({ email: 'p@example.test', password: 'a long enough password 42', givenName: 'Pat\u0000', familyName: 'Doe' });
      expect(registration.status).toBe(400);
      expect(registration.body).toMatchObject({ code: 'invalid_characters' });
      const signIn = await request(test.api.app).post('/v1/auth/login').send({ practice: practice.slug, email: 'a@b.test', password: 'x\u0000y' });
      expect(signIn.body).toMatchObject({ code: 'invalid_characters' });
    });

    it('in a query string, a path parameter and an object key', async () => {
      const query = await request(test.api.app).get('/v1/users?role=admin%00').set('Authorization', `Bearer ${admin.accessToken}`);
      expect(query.status).toBe(400);
      expect(errorOf(query.body)).toEqual(['invalid_characters', 'query.role']);
      const path = await request(test.api.app).post(`/v1/practices/${practice.slug}%00/patients`).send({});
      expect(errorOf(path.body)).toEqual(['invalid_characters', 'params.slug']);
      const key = await request(test.api.app)
        .post('/v1/users')
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ ...newUser('Anne'), 'x\u0000': 1 });
      expect(errorOf(key.body)).toEqual(['invalid_characters', 'body.(a key)']);
    });

    it('allows tabs, line breaks and every well-formed character', async () => {
      expect(findInvalidText({ note: 'line one\nline two\r\n\tindented', name: 'Zoë 😀 ﷽', nested: [{ deep: 'ok' }] })).toBeNull();
      const response = await request(test.api.app).post('/v1/users').set('Authorization', `Bearer ${admin.accessToken}`).send(newUser('Zoë 😀'));
      expect(response.status).toBe(201);
    });

    it('walks deeply nested bodies without recursion', () => {
      let value: unknown = 'bad\u0000';
      for (let depth = 0; depth < 100_000; depth += 1) value = [value];
      expect(findInvalidText(value)).toMatch(/^0(\.0)+$/);
    });
  });

  describe('malformed times', () => {
    it.each(['noon', '', '\u0000', '9:00', '24:01', 'x'.repeat(5000)])('availability startTime #%# is a validation issue, not a throw', (startTime) => {
      const result = availabilityRuleSchema.safeParse({ isoWeekday: 1, startTime, endTime: '17:00' });
      expect(result.success).toBe(false);
    });
  });

  describe('stray PostgreSQL errors', () => {
    it.each([
      ['22021', 400, 'invalid_characters'],
      ['22P02', 400, 'invalid_input'],
      ['22007', 400, 'invalid_datetime'],
      ['22008', 400, 'invalid_datetime'],
      ['22001', 400, 'value_too_long'],
      ['22003', 400, 'value_out_of_range'],
      ['23505', 409, 'conflict'],
      ['23P01', 409, 'conflict'],
      ['23503', 409, 'reference_conflict'],
      ['23514', 400, 'constraint_violation'],
      ['23502', 400, 'constraint_violation'],
    ])('SQLSTATE %s becomes %i %s', (code, status, apiCode) => {
      expect(mapPgError({ code, severity: 'ERROR' })).toMatchObject({ status, code: apiCode });
    });

    it('leaves outages and our own bugs as 500s', () => {
      expect(mapPgError({ code: '42703', severity: 'ERROR' })).toBeNull(); // undefined column
      expect(mapPgError({ code: '08006', severity: 'FATAL' })).toBeNull(); // connection failure
      expect(mapPgError({ code: '22021' })).toBeNull(); // not from the database driver
    });

    it('maps what the real driver raises', async () => {
      const error = await asOwner(test.database.url, (client) => client.query(`SELECT 'a\\x00'::bytea::text::date`)).catch((e: unknown) => e);
      expect(mapPgError(error)).toMatchObject({ status: 400 });
    });
  });
});
