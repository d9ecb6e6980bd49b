import request from 'supertest';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';

describe('platform endpoints', () => {
  let test: TestApi;

  beforeAll(async () => {
    test = await startTestApi({ RATE_LIMIT_PER_MINUTE: '5', METRICS_TOKEN: 'm'.repeat(40) });
  });

  afterAll(async () => {
    await test.close();
  });

  it('publishes an OpenAPI document covering every mounted route', async () => {
    const response = await request(test.api.app).get('/openapi.json').expect(200);
    const document = response.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe('3.1.0');
    for (const route of test.api.routes) {
      const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      expect(document.paths[path]?.[route.method]).toBeDefined();
    }
  });

  it('serves metrics only to a holder of the metrics token', async () => {
    await request(test.api.app).get('/metrics').expect(403);
    const response = await request(test.api.app)
      .get('/metrics')
      .set('authorization', `Bearer ${'m'.repeat(40)}`)
      .expect(200);
    expect(response.text).toContain('http_request_duration_seconds');
    expect(response.text).not.toMatch(/route="\/v1\/[^"]*[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it('answers 429 rate_limited past the per-minute limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      statuses.push((await request(test.api.app).get('/health')).status);
    }
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(5);
    const limited = await request(test.api.app).get('/health').expect(429);
    expect(limited.body).toEqual({ code: 'rate_limited', message: 'Too many requests, slow down' });
  });
});
