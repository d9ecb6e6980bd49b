/**
 * The visit lifecycle end to end in real Chromium (fake camera and microphone): a Good Faith
 * Exam from early join (countdown shown, joining held until the room opens) through a refused
 * admission explained on both sides, admit, end-to-end encrypted chat saved to the chart,
 * mute/unmute, camera off/on, switch camera, a dropped connection shown as "reconnecting", and
 * End visit (patient told, outcome recorded, every MediaStreamTrack ended on both sides).
 * Screenshots of each room state, desktop 1280x800 and phone 390x844, in client/test-artifacts/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, createUser, loginAs, loginUser, seedPractice } from '../../../api/test/fixtures/identity.js';
import type { LoggedIn, TestUser } from '../../../api/test/fixtures/identity.js';
import { auditActionsFor, ensureProviderProfile, insertAppointment } from '../../../api/test/clinical/clinicalFixtures.js';
import { asOwner } from '../../../api/test/testDatabase.js';
import { CHROMIUM_PATH } from '../browser.js';
import { signIn } from './pageSteps.js';
import { ARTIFACTS, DESKTOP, PHONE, photograph } from './screens.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(480_000);

const MEDIA_TIMEOUT_MS = 90_000;
/** The room opens this long after the test books the visit (30 minutes before its start). */
const ROOM_OPENS_IN_MS = 75_000;

function recordConsole(page: Page, name: string, lines: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') lines.push(`[${name}] ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => lines.push(`[${name}] pageerror: ${error.message}`));
}

/**
 * Records every MediaStreamTrack the page gets: local ones from getUserMedia and remote ones
 * from its peer connections, so the test can check they all end when the visit does.
 */
function trackRecorder(): void {
  const tracks: MediaStreamTrack[] = [];
  (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks = tracks;
  const devices = navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    tracks.push(...stream.getTracks());
    return stream;
  };
  const connections: RTCPeerConnection[] = [];
  (window as unknown as { __connections: RTCPeerConnection[] }).__connections = connections;
  const Original = window.RTCPeerConnection;
  class RecordingPeerConnection extends Original {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      connections.push(this);
      this.addEventListener('track', (event) => {
        tracks.push(event.track);
      });
    }
  }
  window.RTCPeerConnection = RecordingPeerConnection;
}

/**
 * What the page's media is doing, for a failure report: each <video>'s track and frame
 * count, and every video RTP stream's counters (whether frames arrive, decode, or are
 * encoded at all, and why an encoder is limited).
 */
async function mediaReport(page: Page): Promise<string> {
  return page
    .evaluate(async () => {
      const report: string[] = [`room phase ${document.querySelector<HTMLElement>('.room')?.dataset.phase ?? 'none'}`];
      for (const status of document.querySelectorAll('[role=status]')) report.push(`status: ${status.textContent}`);
      for (const video of document.querySelectorAll('video')) {
        const track = (video.srcObject as MediaStream | null)?.getVideoTracks()[0];
        report.push(
          `video ${video.dataset.testid ?? video.getAttribute('aria-label') ?? ''}: track ${track?.id ?? 'none'} ${track?.readyState ?? ''} ` +
            `muted=${String(track?.muted)} frames=${video.getVideoPlaybackQuality().totalVideoFrames} size=${video.videoWidth}x${video.videoHeight}`,
        );
      }
      const wanted = ['inbound-rtp', 'outbound-rtp'];
      const fields = ['trackIdentifier', 'bytesReceived', 'framesReceived', 'framesDecoded', 'keyFramesDecoded', 'framesDropped', 'freezeCount', 'pliCount', 'firCount', 'nackCount', 'packetsLost', 'bytesSent', 'framesEncoded', 'framesSent', 'keyFramesEncoded', 'qualityLimitationReason', 'targetBitrate', 'active'];
      const connections = (window as unknown as { __connections: RTCPeerConnection[] }).__connections;
      for (const [index, connection] of connections.entries()) {
        report.push(`connection ${index}: ${connection.connectionState}`);
        (await connection.getStats()).forEach((stat: Record<string, unknown>) => {
          if (!wanted.includes(stat.type as string) || stat.kind !== 'video') return;
          report.push(`  ${stat.type as string} ${fields.filter((field) => field in stat).map((field) => `${field}=${String(stat[field])}`).join(' ')}`);
        });
      }
      return report.join('\n');
    })
    .catch((error: unknown) => `no media report: ${String(error)}`);
}

interface TrackSummary {
  kind: string;
  readyState: string;
  enabled: boolean;
  label: string;
}

async function tracksOf(page: Page): Promise<TrackSummary[]> {
  return page.evaluate(() =>
    (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks.map((track) => ({
      kind: track.kind,
      readyState: track.readyState,
      enabled: track.enabled,
      label: track.label,
    })),
  );
}

async function liveLocal(page: Page, kind: 'audio' | 'video'): Promise<TrackSummary[]> {
  // Local fake-device tracks carry a device label; remote ones from the SFU have none that matches.
  return (await tracksOf(page)).filter((track) => track.kind === kind && track.readyState === 'live' && /fake|Fake|default/i.test(track.label));
}

async function waitForDecodedRemoteVideo(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid=remote-video]');
      return video !== null && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 10;
    },
    undefined,
    { timeout: MEDIA_TIMEOUT_MS },
  );
}

/** The id of the video track the remote tile plays now (null without one). */
async function remoteVideoTrackId(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid=remote-video]');
    return (video?.srcObject as MediaStream | null | undefined)?.getVideoTracks()[0]?.id ?? null;
  });
}

/** Waits until the remote video presents new frames now (requestVideoFrameCallback fires), not only frames from before. */
async function framesAdvance(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      new Promise<boolean>((resolve) => {
        const video = document.querySelector<HTMLVideoElement>('[data-testid=remote-video]');
        if (video === null) {
          resolve(false);
          return;
        }
        let frames = 0;
        const timer = setTimeout(() => {
          resolve(false);
        }, 3000);
        const onFrame = (): void => {
          frames += 1;
          if (frames >= 5) {
            clearTimeout(timer);
            resolve(true);
          } else video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      }),
    undefined,
    { timeout: MEDIA_TIMEOUT_MS, polling: 500 },
  );
}

describe('visit lifecycle in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let patientContext: BrowserContext;
  let injectorContext: BrowserContext;
  let practice: { id: string; slug: string };
  let seeder: LoggedIn;
  let patient: TestUser;
  let injector: TestUser;
  let appointmentId: string;
  const lines: string[] = [];
  const pages: Record<string, Page | undefined> = {};

  const publishConsent = async (body: string): Promise<void> => {
    const app = stack.test.api.app;
    const draft = await request(app)
      .post('/v1/consent-documents')
      .set('authorization', bearer(seeder))
      .send({ kind: 'telehealth', title: 'Telehealth consent', body })
      .expect(201);
    await request(app)
      .post(`/v1/consent-documents/${(draft.body as { id: string }).id}/publish`)
      .set('authorization', bearer(seeder))
      .expect(200);
  };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startStack();
    const { test } = stack;
    practice = await seedPractice(test);
    seeder = await loginAs(test, practice.slug, 'admin');
    injector = await createUser(test, practice.id, 'injector', { givenName: 'Ivy', familyName: 'Injector' });
    patient = await createUser(test, practice.id, 'patient', { givenName: 'Pat', familyName: 'Patient' });
    await ensureProviderProfile(test, practice.id, injector.id);
    await request(test.api.app)
      .post(`/v1/providers/${injector.id}/licenses`)
      .set('authorization', bearer(seeder))
      .send({ state: 'CT', licenseNumber: 'APRN.0002', validFrom: '2020-01-01', expiresOn: '2099-12-31' })
      .expect(201);
    await publishConsent('I agree to receive care by video. Video is end-to-end encrypted.');
    // The room opens 30 minutes before the start: book so that happens shortly into the test.
    appointmentId = await insertAppointment(test, practice.id, {
      providerId: injector.id,
      patientId: patient.id,
      kind: 'gfe',
      startsAt: new Date(Date.now() + 30 * 60_000 + ROOM_OPENS_IN_MS),
      minutes: 20,
      status: 'booked',
    });
    // Two fake cameras, so "Switch camera" appears as on a phone.
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--use-fake-device-for-media-stream=device-count=2',
        '--use-fake-ui-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    patientContext = await browser.newContext({ viewport: PHONE, hasTouch: true });
    injectorContext = await browser.newContext({ viewport: DESKTOP });
    for (const context of [patientContext, injectorContext]) {
      context.setDefaultTimeout(60_000);
      await context.addInitScript(trackRecorder);
    }
  });

  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  it('GFE from early join through refusal, admit, chat, mute, reconnect and end visit', async () => {
    try {
      const injectorPage = await injectorContext.newPage();
      pages.injector = injectorPage;
      recordConsole(injectorPage, 'injector', lines);
      await injectorPage.goto(stack.clientUrl);
      await signIn(injectorPage, practice.slug, injector);
      await injectorPage.locator(`a[href="/visit/${appointmentId}"]`).click();
      await injectorPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.getByRole('button', { name: 'Continue' }).click();
      await injectorPage.getByText('Nobody is waiting.').waitFor({ timeout: MEDIA_TIMEOUT_MS });

      // Early: the join page counts down to the room opening and holds the join button.
      const patientPage = await patientContext.newPage();
      pages.patient = patientPage;
      recordConsole(patientPage, 'patient', lines);
      await patientPage.goto(stack.patientClientUrl);
      await signIn(patientPage, practice.slug, patient);
      await patientPage.locator(`a[href="/visit/${appointmentId}"]`).click();
      const countdown = patientPage.getByTestId('room-countdown');
      await countdown.filter({ hasText: /opens 30 minutes before your visit, at .* — in \d+ (s|min)/ }).waitFor();
      await photograph(patientPage, 'visit-01-countdown');
      await patientPage.getByLabel('Type your full name to sign').fill('Pat Patient');
      await patientPage.getByRole('button', { name: 'Sign and continue' }).click();
      await patientPage.getByLabel('Your current state').selectOption('CT');
      await patientPage.getByRole('button', { name: 'Confirm location' }).click();
      await patientPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      // Device check: microphone level meter and a speaker test tone.
      await patientPage.getByLabel('Microphone level').waitFor();
      await patientPage.getByRole('button', { name: 'Play test sound' }).click();
      await patientPage.getByText('Did you hear a short tone?').waitFor();
      const join = patientPage.getByRole('button', { name: 'Continue' });
      if ((await countdown.getAttribute('data-open')) === 'false') {
        expect(await join.isDisabled()).toBe(true);
        await photograph(patientPage, 'visit-02-precheck-before-opening');
      }
      await patientPage.locator('[data-testid=room-countdown][data-open=true]').waitFor({ timeout: ROOM_OPENS_IN_MS + 60_000 });
      await join.click();
      await patientPage.getByTestId('waiting-room').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await photograph(patientPage, 'visit-03-waiting-room');

      // The schedule screen (another tab) shows the live "patient waiting" alert with name and visit.
      const schedulePage = await injectorContext.newPage();
      await schedulePage.goto(stack.clientUrl);
      await signIn(schedulePage, practice.slug, injector);
      await schedulePage.getByTestId('waiting-alert').filter({ hasText: 'Pat Patient' }).filter({ hasText: 'Good Faith Exam' }).waitFor({ timeout: 60_000 });
      await photograph(schedulePage, 'visit-03-schedule-patient-waiting-alert');
      await schedulePage.close();

      // The practice publishes a new consent version meanwhile: the admission is refused, and both sides learn why.
      await publishConsent('I agree to receive care by video (version 2). Video is end-to-end encrypted.');
      await injectorPage.getByRole('button', { name: 'Admit' }).click({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.getByTestId('admit-error').filter({ hasText: 'has not signed the current telehealth consent' }).waitFor();
      await patientPage.getByTestId('admission-refused').filter({ hasText: 'Please sign the telehealth consent first' }).waitFor();
      await photograph(injectorPage, 'visit-04-injector-admission-refused');
      await photograph(patientPage, 'visit-04-patient-admission-refused');
      await patientPage.getByRole('button', { name: 'Sign the telehealth consent' }).click();
      await patientPage.getByText('version 2', { exact: false }).first().waitFor();
      await patientPage.getByLabel('Type your full name to sign').fill('Pat Patient');
      await patientPage.getByRole('button', { name: 'Sign and continue' }).click();
      await patientPage.getByRole('button', { name: 'Confirm location' }).click();
      await patientPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await patientPage.getByRole('button', { name: 'Continue' }).click();
      await patientPage.getByTestId('waiting-room').waitFor({ timeout: MEDIA_TIMEOUT_MS });

      await injectorPage.getByRole('button', { name: 'Admit' }).click({ timeout: MEDIA_TIMEOUT_MS });
      await Promise.all([waitForDecodedRemoteVideo(patientPage), waitForDecodedRemoteVideo(injectorPage)]);
      await patientPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });

      // End-to-end encrypted chat both ways.
      await patientPage.getByLabel('Message').fill('Is some tingling after the exam normal?');
      await patientPage.getByRole('button', { name: 'Send' }).click();
      await injectorPage.getByTestId('chat-message').filter({ hasText: 'Is some tingling after the exam normal?' }).waitFor();
      await injectorPage.getByLabel('Message').fill('Yes, mild tingling is common and fades within a day.');
      await injectorPage.getByRole('button', { name: 'Send' }).click();
      await patientPage.getByTestId('chat-message').filter({ hasText: 'mild tingling is common' }).waitFor();
      await photograph(patientPage, 'visit-05-patient-in-room-chat');
      await photograph(injectorPage, 'visit-05-injector-in-room-chat');

      // Mute / unmute and camera off / on act on the live local tracks.
      await patientPage.getByRole('button', { name: 'Mute microphone' }).click();
      await patientPage.getByText('Your microphone is off.').waitFor();
      expect((await liveLocal(patientPage, 'audio')).every((track) => !track.enabled)).toBe(true);
      await patientPage.getByRole('button', { name: 'Turn camera off' }).click();
      expect((await liveLocal(patientPage, 'video')).every((track) => !track.enabled)).toBe(true);
      await photograph(patientPage, 'visit-06-patient-muted-camera-off');
      await patientPage.getByRole('button', { name: 'Unmute microphone' }).click();
      await patientPage.getByRole('button', { name: 'Turn camera on' }).click();
      expect((await liveLocal(patientPage, 'audio')).every((track) => track.enabled)).toBe(true);
      expect((await liveLocal(patientPage, 'video')).every((track) => track.enabled)).toBe(true);

      // A dropped connection: the injector sees "Patient reconnecting..." instead of a vanished tile.
      await stack.restartPatientClientServer();
      await injectorPage.getByTestId('remote-reconnecting').filter({ hasText: 'Patient reconnecting…' }).waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await photograph(injectorPage, 'visit-07-injector-patient-reconnecting');
      await patientPage.locator('.room[data-phase=in_room]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await Promise.all([framesAdvance(patientPage), framesAdvance(injectorPage)]);
      await injectorPage.getByTestId('remote-reconnecting').waitFor({ state: 'detached', timeout: MEDIA_TIMEOUT_MS });

      // The Good Faith Exam note, signed; then a chat message goes into the chart as an addendum.
      await injectorPage.getByLabel('History').fill('No prior neuromodulator treatment.');
      await injectorPage.getByLabel('Contraindications').fill('None reported.');
      await injectorPage.getByLabel('Service code').fill('neuromodulator');
      await injectorPage.getByLabel('Outcome').selectOption('cleared');
      await injectorPage.getByLabel('Valid for (days)').fill('180');
      await injectorPage.getByRole('button', { name: 'Add service' }).click();
      await injectorPage.getByRole('button', { name: 'Save draft' }).click();
      await injectorPage.getByText('Saved version 1').waitFor();
      await injectorPage.getByRole('button', { name: 'Sign and lock' }).click();
      await injectorPage.getByText('Signed and locked').first().waitFor();
      const patientMessage = injectorPage.getByTestId('chat-message').filter({ hasText: 'Is some tingling after the exam normal?' });
      await patientMessage.getByRole('button', { name: 'Save to chart' }).click();
      await patientMessage.getByText('Saved to chart').waitFor();

      // Switch camera (two fake cameras): a second camera track is opened and sent instead.
      // Chromium's second fake camera (fake_device_1) is a simulated depth camera with 16-bit
      // grey frames (Y16): a <video> shows them but WebRTC's encoder takes none (measured:
      // outbound-rtp framesEncoded stays 0 while the preview plays), so the injector cannot see
      // it. Only the patient's side is asserted for that camera; switching back to
      // fake_device_0 then runs the same path (close producer, new producer with its own E2EE
      // transform, new consumer, tile rebound) with a camera WebRTC can encode.
      const camerasBefore = (await tracksOf(patientPage)).filter((track) => track.kind === 'video').length;
      await patientPage.getByRole('button', { name: 'Switch camera' }).click();
      await patientPage.waitForFunction(
        (before) => (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks.filter((track) => track.kind === 'video').length > before,
        camerasBefore,
      );
      await patientPage.waitForFunction(() =>
        (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks.some((track) => track.kind === 'video' && track.readyState === 'live' && track.label.endsWith('1')),
      );
      await photograph(patientPage, 'visit-08-patient-after-switch-camera');
      const remoteVideoBefore = await remoteVideoTrackId(injectorPage);
      await patientPage.getByRole('button', { name: 'Switch camera' }).click();
      await patientPage.waitForFunction(() =>
        (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks.some((track) => track.kind === 'video' && track.readyState === 'live' && track.label.endsWith('0')),
      );
      // The injector's tile now plays the new producer's track, and decodes new frames from it.
      await injectorPage.waitForFunction(
        (before) => {
          const video = document.querySelector<HTMLVideoElement>('[data-testid=remote-video]');
          const track = (video?.srcObject as MediaStream | null | undefined)?.getVideoTracks()[0];
          return track !== undefined && track.id !== before;
        },
        remoteVideoBefore,
        { timeout: MEDIA_TIMEOUT_MS },
      );
      await framesAdvance(injectorPage);
      const framesAfterSwitch = await injectorPage.evaluate(
        () => document.querySelector<HTMLVideoElement>('[data-testid=remote-video]')?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
      );
      await injectorPage.waitForFunction(
        (before) => (document.querySelector<HTMLVideoElement>('[data-testid=remote-video]')?.getVideoPlaybackQuality().totalVideoFrames ?? 0) > before + 10,
        framesAfterSwitch,
        { timeout: MEDIA_TIMEOUT_MS },
      );
      await photograph(injectorPage, 'visit-08-injector-after-switch-camera');

      // End visit with an outcome: the patient is told, both leave, every track stops.
      await injectorPage.getByRole('button', { name: 'End visit' }).click();
      await injectorPage.getByLabel('Completed').check();
      await photograph(injectorPage, 'visit-09-injector-end-visit-outcome');
      await injectorPage.getByRole('button', { name: 'Confirm and end visit' }).click();
      await patientPage.getByRole('heading', { name: 'Your visit has ended' }).waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await patientPage.getByRole('link', { name: 'See your visit summary' }).waitFor();
      await injectorPage.getByTestId('provider-visit-ended').filter({ hasText: 'Outcome recorded: Completed' }).waitFor();
      await photograph(patientPage, 'visit-10-patient-visit-ended');
      await photograph(injectorPage, 'visit-10-injector-visit-ended');

      for (const page of [patientPage, injectorPage]) {
        await page.waitForFunction(() => {
          const tracks = (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks;
          return tracks.length > 0 && tracks.every((track) => track.readyState === 'ended');
        });
        const tracks = await tracksOf(page);
        expect(tracks.some((track) => track.kind === 'video')).toBe(true);
        expect(tracks.some((track) => track.kind === 'audio')).toBe(true);
        expect(tracks.filter((track) => track.readyState !== 'ended')).toEqual([]);
      }

      const stored = await asOwner(stack.test.database.url, (client) =>
        client.query<{ status: string; visit_outcome: string }>('SELECT status, visit_outcome FROM appointments WHERE id = $1', [appointmentId]),
      );
      expect(stored.rows[0]).toEqual({ status: 'completed', visit_outcome: 'completed' });
      expect(await auditActionsFor(stack.test, practice.id, appointmentId)).toEqual(
        expect.arrayContaining(['room.admit_refused', 'room.admit', 'appointment.end']),
      );
      // The chat line is in the chart as an addendum (decrypted by the notes API for the provider).
      const session = await loginUser(stack.test, practice.slug, injector);
      const notes = await request(stack.test.api.app).get(`/v1/patients/${patient.id}/notes`).set('authorization', bearer(session)).expect(200);
      const noteId = (notes.body as { notes: { id: string; appointmentId: string }[] }).notes.find((note) => note.appointmentId === appointmentId)?.id;
      const note = await request(stack.test.api.app).get(`/v1/notes/${noteId ?? ''}`).set('authorization', bearer(session)).expect(200);
      expect(JSON.stringify((note.body as { addenda: unknown[] }).addenda)).toContain('Is some tingling after the exam normal?');
    } catch (error) {
      for (const [name, page] of Object.entries(pages)) {
        if (page !== undefined) await page.screenshot({ path: path.join(ARTIFACTS, `visit-failure-${name}.png`), fullPage: true }).catch(() => undefined);
      }
      // The media state goes into the error too: CI keeps only the test output.
      const reports: string[] = [];
      for (const [name, page] of Object.entries(pages)) {
        if (page !== undefined) reports.push(`[${name}]\n${await mediaReport(page)}`);
      }
      await writeFile(path.join(ARTIFACTS, 'visit-failure-console.log'), [...lines, ...reports].join('\n'));
      if (error instanceof Error) {
        // jest prints the stack, which V8 wrote with the message when the error was made.
        const media = `\n\nMedia at failure:\n${reports.join('\n')}`;
        error.message += media;
        error.stack = `${error.stack ?? ''}${media}`;
      }
      throw error;
    }
  });
});
