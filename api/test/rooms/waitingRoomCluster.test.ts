import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { ApiApp } from '../../src/app.js';
import { initApp, shutdownApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { RedisWaitingRoomBoard } from '../../src/modules/rooms/redisWaitingRoomBoard.js';
import { bearer } from '../fixtures/identity.js';
import type { LoggedIn } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { generateServiceKey, setUpVisit, signTelehealthConsent } from './roomsFixtures.js';
import type { ServiceKey, VisitFixture } from './roomsFixtures.js';

/** A Redis logical database of its own, flushed before the run. */
const REDIS_URL = process.env.TEST_WAITING_REDIS_URL ?? 'redis://127.0.0.1:6379/8';
const repoRoot = path.resolve(__dirname, '../../..');

/** Jest decides what to skip while loading the file, so the probe is synchronous (a child process). */
function redisAnswers(): boolean {
  const probe = `const { Redis } = require('ioredis');
    const redis = new Redis(process.argv[1], { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.connect().then(() => redis.ping()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe, REDIS_URL], { cwd: repoRoot, timeout: 10_000 }).status === 0;
}

const describeWithRedis = redisAnswers() ? describe : describe.skip;
if (describeWithRedis === describe.skip) {
  process.stdout.write(`SKIPPED waitingRoomCluster: no Redis answers at ${REDIS_URL}\n`);
}

/**
 * Two API instances on one database and one Redis (issue 12): the SFU reports room events
 * to one instance, staff poll the other, and both see the same waiting room.
 */
describeWithRedis('waiting room board shared by two API instances through Redis', () => {
  let test: TestApi;
  let second: ApiApp;
  let visit: VisitFixture;
  let service: ServiceKey;

  beforeAll(async () => {
    const redis = new Redis(REDIS_URL);
    await redis.flushdb();
    redis.disconnect();
    service = await generateServiceKey();
    test = await startTestApi({ REDIS_URL, SFU_SERVICE_PUBLIC_JWK: service.publicJwk });
    second = await initApp(test.config, { databaseUrl: test.database.runtimeUrl, logger: createLogger({ level: 'silent' }) });
    visit = await setUpVisit(test);
    await signTelehealthConsent(test, visit.setup, visit.patient);
  }, 120_000);

  afterAll(async () => {
    await shutdownApp(second);
    await test.close();
  });

  const roomEvent = (type: 'room.join' | 'room.leave'): Record<string, string> => ({
    eventId: randomUUID(),
    type,
    practiceId: visit.setup.practice.id,
    appointmentId: visit.appointmentId,
    userId: visit.patient.userId,
    role: 'patient',
    peerId: randomUUID(),
    occurredAt: new Date().toISOString(),
  });
  const report = async (app: ApiApp, body: Record<string, string>): Promise<void> => {
    await request(app.app).post('/internal/sfu/room-events').set('authorization', `Bearer ${await service.sign()}`).send(body).expect(204);
  };
  const waitingOn = async (app: ApiApp, session: LoggedIn): Promise<{ appointmentId: string }[]> => {
    const response = await request(app.app).get('/v1/waiting-room').set('authorization', bearer(session)).expect(200);
    return (response.body as { waiting: { appointmentId: string }[] }).waiting;
  };

  it('uses the Redis board when REDIS_URL is set', () => {
    expect(test.api.services.waitingRoom).toBeInstanceOf(RedisWaitingRoomBoard);
    expect(second.services.waitingRoom).toBeInstanceOf(RedisWaitingRoomBoard);
  });

  it('shows a patient reported to one instance on the other, forgets them on leave, and never re-announces an admitted patient', async () => {
    const injector = visit.setup.injector;
    expect(await waitingOn(second, injector)).toEqual([]);

    await report(test.api, roomEvent('room.join'));
    expect(await waitingOn(second, injector)).toEqual([expect.objectContaining({ appointmentId: visit.appointmentId })]);
    expect(await waitingOn(test.api, injector)).toHaveLength(1);

    // The leave reaches the second instance this time: the first stops showing them too.
    await report(second, roomEvent('room.leave'));
    expect(await waitingOn(test.api, injector)).toEqual([]);

    await report(second, roomEvent('room.join'));
    expect(await waitingOn(test.api, injector)).toHaveLength(1);
    // The SFU asks the first instance to admit; the alert goes away everywhere.
    const admission = await request(test.api.app)
      .post('/internal/sfu/admission-checks')
      .set('authorization', `Bearer ${await service.sign()}`)
      .send({
        practiceId: visit.setup.practice.id,
        appointmentId: visit.appointmentId,
        patientUserId: visit.patient.userId,
        providerUserId: injector.userId,
      })
      .expect(200);
    expect(admission.body).toEqual({ allowed: true });
    expect(await waitingOn(second, injector)).toEqual([]);
    // A rejoin after a dropped connection, reported to the other instance, is no new alert.
    await report(second, roomEvent('room.join'));
    expect(await waitingOn(test.api, injector)).toEqual([]);
    expect(await waitingOn(second, injector)).toEqual([]);
  });
});
