import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';
import { bearer } from '../api/test/fixtures/identity.js';
import { setUpVisit, signTelehealthConsent } from '../api/test/rooms/roomsFixtures.js';
import type { VisitFixture } from '../api/test/rooms/roomsFixtures.js';
import { countRows } from '../api/test/scheduling/schedulingFixtures.js';
import { startTestApi } from '../api/test/testApi.js';
import type { TestApi } from '../api/test/testApi.js';
import { createHttpApiGateway } from '../sfu/src/api/apiGateway.js';
import { createServiceTokenSigner } from '../sfu/src/api/serviceToken.js';
import { createRoomTokenVerifier } from '../sfu/src/auth/roomTokens.js';
import { createSfuLogger } from '../sfu/src/logger.js';
import { SfuServer } from '../sfu/src/SfuServer.js';
import { PeerProcess } from '../sfu/test/support/peerProcess.js';
import type { PeerMessage } from '../sfu/test/support/peerProcess.js';

jest.setTimeout(240_000);

/**
 * API and SFU together, as deployed: room tokens from the API verified by the SFU against the
 * API's JWKS endpoint, admission decided by the API (consent + licensure) over the internal
 * endpoint with the SFU's service token, and room events landing in the audit trail.
 */
describe('consult room across API and SFU', () => {
  let test: TestApi;
  let apiServer: Server;
  let sfu: SfuServer;
  let visit: VisitFixture;
  const peers: PeerProcess[] = [];

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = 'sfu-e2e';
    test = await startTestApi({ SFU_SERVICE_PUBLIC_JWK: JSON.stringify({ ...(await exportJWK(publicKey)), kid }) });
    apiServer = test.api.app.listen(0, '127.0.0.1');
    await once(apiServer, 'listening');
    const apiUrl = new URL(`http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`);
    const servicePrivateJwk = { ...(await exportJWK(privateKey)), kid };
    sfu = await SfuServer.start({
      host: '127.0.0.1',
      port: 0,
      workers: 1,
      rtcMinPort: 40000,
      rtcMaxPort: 49999,
      listenIp: '127.0.0.1',
      verifyRoomToken: createRoomTokenVerifier({ jwksUrl: new URL('/.well-known/jwks.json', apiUrl) }),
      api: createHttpApiGateway({ baseUrl: apiUrl, serviceToken: await createServiceTokenSigner(servicePrivateJwk) }),
      logger: createSfuLogger('warn'),
      // Peers here end by exiting: count their leaves at once instead of holding their seats.
      reconnectGraceMs: 0,
    });
    visit = await setUpVisit(test);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.stop()));
    await sfu.close();
    await new Promise((resolve) => apiServer.close(resolve));
    await test.close();
  });

  const roomToken = async (session: { accessToken: string }): Promise<string> => {
    const response = await request(test.api.app).post(`/v1/appointments/${visit.appointmentId}/room-token`).set('authorization', bearer(session)).expect(201);
    return (response.body as { token: string }).token;
  };
  const audited = (action: string, outcome = 'success'): Promise<number> =>
    countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = $1 AND outcome = $2 AND entity_id = $3`, [action, outcome, visit.appointmentId]);
  const receiving = (message: PeerMessage): boolean => message.type === 'receiving';

  it('refuses admission until telehealth consent is signed, then the two peers exchange video; all of it audited', async () => {
    const patient = new PeerProcess([sfu.url, visit.appointmentId, await roomToken(visit.patient), 'patient']);
    peers.push(patient);
    await patient.waitFor((message) => message.type === 'joined');

    // The provider's peer tries to admit at once: the API refuses (no telehealth consent yet).
    const provider = new PeerProcess([sfu.url, visit.appointmentId, await roomToken(visit.setup.injector), 'provider']);
    peers.push(provider);
    const refusal = await provider.waitFor((message) => message.type === 'error');
    expect(refusal).toMatchObject({ code: 'admission_refused' });
    expect(patient.messages.some((message) => message.type === 'admitted')).toBe(false);
    expect(await audited('room.admit_refused', 'denied')).toBe(1);
    // Let its own media start before it goes, so what it produced is accounted for below.
    await provider.waitFor((message) => message.type === 'media');
    await provider.stop();

    // Patient signs; a fresh provider connection admits and media flows both ways.
    await signTelehealthConsent(test, visit.setup, visit.patient);
    const admittingProvider = new PeerProcess([sfu.url, visit.appointmentId, await roomToken(visit.setup.injector), 'provider']);
    peers.push(admittingProvider);
    await patient.waitFor((message) => message.type === 'admitted');
    await Promise.all([patient.waitFor(receiving), admittingProvider.waitFor(receiving)]);

    expect(await audited('room.token_issued')).toBe(3);
    expect(await audited('room.admit')).toBe(1);
    // Every producer declared E2EE: both provider connections (each produced on entering) and the patient.
    await waitFor(async () => (await audited('room.e2ee_state')) === 3);
    await patient.stop();
    await admittingProvider.stop();
    // Joins of all three connections and their leaves (the SFU reports them asynchronously).
    await waitFor(async () => (await audited('room.leave')) === 3);
    expect(await audited('room.join')).toBe(3);
  });

  it('refuses a room token from the API for another appointment room', async () => {
    const token = await roomToken(visit.patient);
    const other = new PeerProcess([sfu.url, '00000000-0000-4000-8000-000000000000', token, 'patient']);
    peers.push(other);
    expect(await other.waitFor((message) => message.type === 'error')).toMatchObject({ code: 'wrong_room' });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
