import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { ApiApp } from '../../src/app.js';
import { initApp, shutdownApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { bearer } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { generateServiceKey, setUpVisit, signTelehealthConsent } from '../rooms/roomsFixtures.js';
import type { ServiceKey, VisitFixture } from '../rooms/roomsFixtures.js';
import { connectLive, listenWithLive, refusalCode } from './liveClient.js';
import type { LiveConnection } from './liveClient.js';

/**
 * A Redis logical database of its own (sfuCluster uses 7, waitingRoomCluster 8, the browser
 * cluster test 9), flushed before the run.
 */
const REDIS_URL = process.env.TEST_LIVE_REDIS_URL ?? 'redis://127.0.0.1:6379/10';
const repoRoot = path.resolve(__dirname, '../../..');
/** Through Redis pub/sub on loopback this takes milliseconds; "within a few seconds" is the promise. */
const NUDGE_WITHIN_MS = 5000;

/** Jest decides what to skip while loading the file, so the probe is synchronous (a child process). */
function redisAnswers(): boolean {
  const probe = `const { Redis } = require('ioredis');
    const redis = new Redis(process.argv[1], { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.connect().then(() => redis.ping()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe, REDIS_URL], { cwd: repoRoot, timeout: 10_000 }).status === 0;
}

const describeWithRedis = redisAnswers() ? describe : describe.skip;
if (describeWithRedis === describe.skip) {
  process.stdout.write(`SKIPPED liveWaitingCluster: no Redis answers at ${REDIS_URL}\n`);
}

/**
 * Two API instances on one database and one Redis, each listening on its own port (issue
 * 12): the SFU reports the patient's join to instance A, the front desk's live connection is
 * on instance B, and the nudge crosses over through the Redis adapter.
 */
describeWithRedis('live "patient waiting" nudges across two API instances through Redis', () => {
  let test: TestApi;
  let second: ApiApp;
  let visit: VisitFixture;
  let service: ServiceKey;
  let onA: Awaited<ReturnType<typeof listenWithLive>>;
  let onB: Awaited<ReturnType<typeof listenWithLive>>;
  const open: LiveConnection[] = [];

  beforeAll(async () => {
    const redis = new Redis(REDIS_URL);
    await redis.flushdb();
    redis.disconnect();
    service = await generateServiceKey();
    test = await startTestApi({ REDIS_URL, SFU_SERVICE_PUBLIC_JWK: service.publicJwk });
    second = await initApp(test.config, { databaseUrl: test.database.runtimeUrl, logger: createLogger({ level: 'silent' }) });
    onA = await listenWithLive(test.api);
    onB = await listenWithLive(second);
    visit = await setUpVisit(test);
    await signTelehealthConsent(test, visit.setup, visit.patient);
  }, 120_000);

  afterAll(async () => {
    for (const connection of open) connection.close();
    await onB.close();
    await onA.close();
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

  it('delivers the nudge for a join posted to instance A to staff connected to instance B, whose GET then lists the patient', async () => {
    const deskOnB = await connectLive(onB.url, visit.setup.frontDesk.accessToken);
    open.push(deskOnB);
    const injectorOnA = await connectLive(onA.url, visit.setup.injector.accessToken);
    open.push(injectorOnA);
    expect(second.live.localConnections).toBe(1);
    expect(test.api.live.localConnections).toBe(1);

    const crossed = deskOnB.nextNudge(NUDGE_WITHIN_MS);
    const local = injectorOnA.nextNudge(NUDGE_WITHIN_MS);
    const sentAt = Date.now();
    await request(test.api.app)
      .post('/internal/sfu/room-events')
      .set('authorization', `Bearer ${await service.sign()}`)
      .send(roomEvent('room.join'))
      .expect(204);
    expect(await crossed).toEqual({ kind: 'waiting_changed' });
    expect(await local).toEqual({ kind: 'waiting_changed' });
    process.stdout.write(`nudge crossed instances ${String(Date.now() - sentAt)} ms after the room event was posted\n`);

    const listed = await request(onB.url).get('/v1/waiting-room').set('authorization', bearer(visit.setup.frontDesk)).expect(200);
    expect((listed.body as { waiting: { appointmentId: string }[] }).waiting).toEqual([expect.objectContaining({ appointmentId: visit.appointmentId })]);

    // The admission is decided on A too: B's screen hears that the patient stopped waiting.
    const admitted = deskOnB.nextNudge(NUDGE_WITHIN_MS);
    await request(test.api.app)
      .post('/internal/sfu/admission-checks')
      .set('authorization', `Bearer ${await service.sign()}`)
      .send({
        practiceId: visit.setup.practice.id,
        appointmentId: visit.appointmentId,
        patientUserId: visit.patient.userId,
        providerUserId: visit.setup.injector.userId,
      })
      .expect(200, { allowed: true });
    await admitted;
    const after = await request(onB.url).get('/v1/waiting-room').set('authorization', bearer(visit.setup.frontDesk)).expect(200);
    expect((after.body as { waiting: unknown[] }).waiting).toEqual([]);
  });

  it('refuses a patient\'s token and a bad token at the handshake, on either instance', async () => {
    for (const listening of [onA, onB]) {
      expect(await refusalCode(listening.url, { token: visit.patient.accessToken })).toBe('forbidden');
      expect(await refusalCode(listening.url, { token: 'eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl' })).toBe('token_invalid');
    }
  });
});
