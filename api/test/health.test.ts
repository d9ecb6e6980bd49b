import request from 'supertest';
import { startTestApi } from './testApi.js';
import type { TestApi } from './testApi.js';

describe('health and readiness', () => {
  let test: TestApi;

  beforeAll(async () => {
    test = await startTestApi();
  });

  afterAll(async () => {
    await test.close();
  });

  it('reports liveness', async () => {
    const response = await request(test.api.app).get('/health').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('is ready once migrations are applied', async () => {
    const response = await request(test.api.app).get('/ready').expect(200);
    expect(response.body).toEqual({ status: 'ready' });
  });

  it('sends a strict CSP and forbids caching', async () => {
    const response = await request(test.api.app).get('/health');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers unknown routes with the error shape', async () => {
    const response = await request(test.api.app).get('/nope').expect(404);
    expect(response.body).toEqual({ code: 'route_not_found', message: 'No such endpoint' });
  });

  it('answers malformed JSON with a 400 code', async () => {
    const response = await request(test.api.app)
      .post('/health')
      .set('content-type', 'application/json')
      .send('{"broken":');
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 'malformed_json', message: 'Request body is not valid JSON' });
  });

  it('fails readiness while shutting down', async () => {
    test.api.services.lifecycle.shuttingDown = true;
    const response = await request(test.api.app).get('/ready').expect(503);
    expect(response.body).toMatchObject({ code: 'shutting_down' });
    test.api.services.lifecycle.shuttingDown = false;
  });
});
