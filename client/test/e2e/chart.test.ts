/**
 * The chart end to end in real Chromium through the real API and built client (issue 9,
 * "Done means", chart part): the patient answers the intake before a Good Faith Exam, the
 * injector records an in-person treatment with lot and face-map sites and books the
 * follow-up from it; the patient joins that follow-up in the browser (consent, location,
 * device check, admitted by the injector), answers the symptom questions and takes the
 * progress photo in the room, and both appear on the injector's patient chart; the injector files an adverse event; the
 * medical director co-signs a sampled chart, closes the adverse event and sets exam
 * validity; a referral the injector proposes is shared once the patient agrees. Screenshots of each screen, desktop 1280x800 and phone 390x844, land in
 * client/test-artifacts/chart-*.png.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { clearForService } from '../../../api/test/chart/chartFixtures.js';
import { ensureProviderProfile, insertAppointment } from '../../../api/test/clinical/clinicalFixtures.js';
import { bearer, createUser, loginAs, loginUser, seedPractice } from '../../../api/test/fixtures/identity.js';
import type { LoggedIn, TestUser } from '../../../api/test/fixtures/identity.js';
import { asOwner } from '../../../api/test/testDatabase.js';
import { launchBrowser } from '../browser.js';
import { MEDIA_TIMEOUT_MS, signIn, waitForDecodedRemoteVideo } from './pageSteps.js';
import { ARTIFACTS, DESKTOP, PHONE, photograph } from './screens.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(300_000);

/** A small well-formed PNG (16x16 grey, 8-bit greyscale), CRCs included (RFC 2083 section 3.4). */
function png(shade: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.from([0, 0, 0, 16, 0, 0, 0, 16, 8, 0, 0, 0, 0]);
  // Each row: filter byte 0, then 16 grey pixels.
  const rows = Buffer.concat(Array.from({ length: 16 }, () => Buffer.from([0, ...Array<number>(16).fill(shade)])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A calendar date (YYYY-MM-DD) as a clock in `timeZone` shows it. */
function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The patient's zone on the fixture appointments (clinicalFixtures.insertAppointment). */
const PATIENT_ZONE = 'America/New_York';

describe('the chart end to end in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let injectorContext: BrowserContext;
  let patientContext: BrowserContext;
  let directorContext: BrowserContext;
  let practiceSlug: string;
  let injector: TestUser;
  let director: TestUser;
  let patient: TestUser;
  let patientSession: LoggedIn;
  let injectorSession: LoggedIn;
  let gfeVisit: string;
  let treatmentVisit: string;
  const lines: string[] = [];
  const pages: Record<string, Page> = {};

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startStack();
    const { test } = stack;
    const app = test.api.app;
    const practice = await seedPractice(test);
    practiceSlug = practice.slug;
    const seeder = await loginAs(test, practice.slug, 'admin');
    injector = await createUser(test, practice.id, 'injector', { givenName: 'Ivy', familyName: 'Injector' });
    director = await createUser(test, practice.id, 'medical_director', { givenName: 'Mara', familyName: 'Director' });
    patient = await createUser(test, practice.id, 'patient', { givenName: 'Pat', familyName: 'Patient' });
    await ensureProviderProfile(test, practice.id, injector.id);
    await ensureProviderProfile(test, practice.id, director.id);
    await request(app)
      .post(`/v1/providers/${injector.id}/licenses`)
      .set('authorization', bearer(seeder))
      .send({ state: 'CT', licenseNumber: 'APRN.0001', validFrom: '2020-01-01', expiresOn: '2099-12-31' })
      .expect(201);
    await request(app)
      .put(`/v1/providers/${injector.id}/availability`)
      .set('authorization', bearer(seeder))
      // All day, every day: the follow-up is booked into the next free time so the patient can
      // join its room now, whatever hour the test runs.
      .send({ rules: [1, 2, 3, 4, 5, 6, 7].map((isoWeekday) => ({ isoWeekday, startTime: '00:00', endTime: '23:59' })) })
      .expect(200);
    const consent = await request(app)
      .post('/v1/consent-documents')
      .set('authorization', bearer(seeder))
      .send({ kind: 'telehealth', title: 'Telehealth consent', body: 'I agree to receive care by video.' })
      .expect(201);
    await request(app)
      .post(`/v1/consent-documents/${(consent.body as { id: string }).id}/publish`)
      .set('authorization', bearer(seeder))
      .expect(200);
    await request(app)
      .post('/v1/appointment-types')
      .set('authorization', bearer(seeder))
      .send({ name: 'Follow-up check-in', kind: 'follow_up', durationMinutes: 15 })
      .expect(201);
    // The Good Faith Exam that cleared the neuromodulator (signed by the injector).
    injectorSession = await loginUser(test, practice.slug, injector);
    patientSession = await loginUser(test, practice.slug, patient);
    await clearForService(test, practice.id, injectorSession, patientSession, 'neuromodulator', 180);
    // An upcoming Good Faith Exam for dermal filler (the patient answers the intake for it)
    // and today's in-person neuromodulator treatment.
    gfeVisit = await insertAppointment(test, practice.id, {
      providerId: injector.id,
      patientId: patient.id,
      kind: 'gfe',
      startsAt: new Date(Date.now() + 2 * 3_600_000),
      minutes: 30,
      status: 'booked',
    });
    treatmentVisit = await insertAppointment(test, practice.id, {
      providerId: injector.id,
      patientId: patient.id,
      kind: 'treatment',
      serviceCode: 'neuromodulator',
      startsAt: new Date(Date.now() - 20 * 60_000),
      minutes: 30,
      status: 'checked_in',
    });
    browser = await launchBrowser();
    injectorContext = await browser.newContext({ viewport: DESKTOP });
    patientContext = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    directorContext = await browser.newContext({ viewport: DESKTOP });
    for (const context of [injectorContext, patientContext, directorContext]) context.setDefaultTimeout(60_000);
  });

  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  async function openPage(context: BrowserContext, name: string, url: string): Promise<Page> {
    const page = await context.newPage();
    pages[name] = page;
    page.on('console', (message) => {
      if (message.type() === 'error') lines.push(`[${name}] ${message.text()}`);
    });
    page.on('pageerror', (error) => lines.push(`[${name}] pageerror: ${error.message}`));
    await page.goto(url);
    return page;
  }

  async function diagnosed(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      for (const [name, page] of Object.entries(pages)) {
        await page.screenshot({ path: path.join(ARTIFACTS, `chart-failure-${name}.png`), fullPage: true }).catch(() => undefined);
      }
      await writeFile(path.join(ARTIFACTS, 'chart-failure-console.log'), lines.join('\n'));
      throw error;
    }
  }

  it('the patient answers the intake before the Good Faith Exam', async () => {
    await diagnosed(async () => {
      const page = await openPage(patientContext, 'patient', stack.patientClientUrl);
      await signIn(page, practiceSlug, patient);
      await page.goto(`${stack.patientClientUrl}/visit/${gfeVisit}`);
      await page.getByRole('heading', { name: 'Health questions for your Good Faith Exam' }).waitFor();
      await page.getByLabel('Medical conditions and past surgeries').fill('Migraines');
      await page.getByLabel('Medicines and supplements you take').fill('Sumatriptan as needed');
      await page.getByLabel('Allergies (medicines, latex, foods)').fill('Penicillin');
      await page.getByLabel('Are you pregnant or breastfeeding?').selectOption('no');
      await page.getByLabel('Injectables you had before (what and when)').fill('Botox, March 2026');
      await page.getByLabel('Any problems after earlier treatments').fill('None');
      await photograph(page, 'chart-01-patient-intake');
      await page.getByRole('button', { name: 'Save my answers' }).click();
      await page.getByText('Thank you: your answers were saved').waitFor();
      // A change is a new version; the first stays readable.
      await page.getByRole('button', { name: 'Review or update my answers' }).click();
      await page.getByLabel('Medicines and supplements you take').fill('Sumatriptan as needed, vitamin E');
      await page.getByRole('button', { name: 'Save my answers' }).click();
      await page.getByText('Thank you: your answers were saved').waitFor();
      await photograph(page, 'chart-02-patient-intake-saved');
    });
  });

  it('the injector sees names on the schedule, records the treatment with lot and face-map sites, and books the follow-up from it', async () => {
    await diagnosed(async () => {
      const page = await openPage(injectorContext, 'injector', stack.clientUrl);
      await signIn(page, practiceSlug, injector);
      const rows = page.getByTestId('schedule-row');
      await rows.first().waitFor();
      const scheduleText = await page.locator('table.schedule').innerText();
      expect(scheduleText).toContain('Pat Patient');
      expect(scheduleText).toContain('Good Faith Exam');
      expect(scheduleText).toContain('In-person treatment');
      expect(scheduleText).not.toMatch(/\bGFE\b|\bgfe\b/);
      await photograph(page, 'chart-03-injector-schedule');

      await page.getByRole('link', { name: 'Record treatment' }).click();
      await page.getByRole('heading', { name: /In-person treatment · Neuromodulator/ }).waitFor();
      expect(await page.getByTestId('clearance').innerText()).toContain('Good Faith Exam clearance for Neuromodulator (e.g. Botox): valid until');
      await page.getByLabel('Product name').fill('Botox Cosmetic');
      await page.getByLabel('Lot number').fill('C3709C3');
      await page.getByLabel('Lot expiry date').fill('2027-06-30');
      // Two sites by pointing at the face, one from the keyboard list.
      const face = page.getByTestId('face-map');
      const box = await face.boundingBox();
      if (box === null) throw new Error('face map not laid out');
      await page.mouse.click(box.x + box.width * 0.42, box.y + box.height * 0.3);
      await page.mouse.click(box.x + box.width * 0.58, box.y + box.height * 0.3);
      await page.getByLabel('Area').selectOption({ label: 'Forehead, centre' });
      await page.getByRole('button', { name: 'Add site' }).press('Enter');
      await page.getByLabel('Site 1 amount (units)').fill('5');
      await page.getByLabel('Site 2 amount (units)').fill('5');
      await page.getByLabel('Site 3 amount (units)').fill('10');
      await page.getByLabel('Site 3 name').fill('Frontalis, centre');
      expect(await page.getByTestId('total-amount').innerText()).toBe('20');
      await photograph(page, 'chart-04-injector-treatment-form');
      await page.getByRole('button', { name: 'Save treatment record' }).click();
      const summary = page.getByTestId('treatment-summary');
      await summary.waitFor();
      expect(await summary.innerText()).toContain('C3709C3');
      expect(await page.locator('.face-svg circle.site').count()).toBe(3);

      // Book the follow-up from the record: the first free time of the day starting in half an
      // hour (the room opens 30 minutes before the start, so the patient can join it in this test).
      await page.getByRole('heading', { name: 'Book the follow-up visit' }).waitFor();
      await page.getByLabel('Day').fill(dayIn(new Date(Date.now() + 30 * 60_000), PATIENT_ZONE));
      const slot = page.getByRole('list', { name: 'Free times' }).getByRole('button').first();
      await slot.waitFor();
      await photograph(page, 'chart-05-injector-treatment-recorded');
      await slot.click();
      await page.getByTestId('booked-follow-ups').waitFor();
      expect(await page.getByTestId('booked-follow-ups').innerText()).toContain('Follow-up visit');
      await photograph(page, 'chart-06-injector-follow-up-booked');
    });
  });

  it('the patient joins the follow-up, answers and takes the photo in the room; both appear on the injector’s patient chart, where the injector files an adverse event', async () => {
    await diagnosed(async () => {
      const app = request(stack.test.api.app);
      const treatment = await app.get(`/v1/appointments/${treatmentVisit}/treatment`).set('authorization', bearer(injectorSession));
      const followUpId = (treatment.body as { treatment: { followUps: { appointmentId: string }[] } }).treatment.followUps[0]?.appointmentId ?? '';
      expect(followUpId).not.toBe('');
      const followUp = await app.get(`/v1/appointments/${followUpId}`).set('authorization', bearer(injectorSession)).expect(200);
      // Inside the room window: the room opens 30 minutes before the start.
      expect(Date.parse((followUp.body as { startsAt: string }).startsAt) - Date.now()).toBeLessThan(30 * 60_000);
      // The treatment's before photo (taken at the clinic): the follow-up room lays it over the camera as a pose guide.
      await app
        .post(`/v1/appointments/${treatmentVisit}/photos?phase=before`)
        .set('authorization', bearer(patientSession))
        .set('content-type', 'image/png')
        .send(png(90))
        .expect(201);

      const page = pages.injector;
      const patientPage = pages.patient;
      if (page === undefined || patientPage === undefined) throw new Error('injector or patient page missing');
      const treatmentUrl = page.url();

      // The patient joins the follow-up from their visits, signs consent if asked, confirms
      // where they are and checks their camera, then waits to be admitted.
      await patientPage.goto(`${stack.patientClientUrl}/`);
      const joinLink = patientPage.locator(`a[href="/visit/${followUpId}"]`);
      await joinLink.waitFor();
      await joinLink.click();
      const signName = patientPage.getByLabel('Type your full name to sign');
      const alreadySigned = patientPage.getByText('You have signed the current telehealth consent.');
      await signName.or(alreadySigned).first().waitFor();
      if (await signName.isVisible()) {
        await signName.fill('Pat Patient');
        await patientPage.getByRole('button', { name: 'Sign and continue' }).click();
      } else {
        await patientPage.getByRole('button', { name: 'Continue' }).click();
      }
      await patientPage.getByLabel('Your current state').selectOption('CT');
      await patientPage.getByRole('button', { name: 'Confirm location' }).click();
      await patientPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await patientPage.getByRole('button', { name: 'Continue' }).click();
      await patientPage.getByTestId('waiting-room').waitFor({ timeout: MEDIA_TIMEOUT_MS });

      await page.goto(`${stack.clientUrl}/visit/${followUpId}`);
      await page.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Admit' }).click({ timeout: MEDIA_TIMEOUT_MS });
      await waitForDecodedRemoteVideo(patientPage);

      // In the room: the symptom questions, then the progress photo from the live camera.
      await patientPage.getByLabel('Pain (0 none – 10 worst)').selectOption('2');
      await patientPage.getByLabel('Swelling').selectOption('mild');
      await patientPage.getByLabel('Bruising').selectOption('none');
      await patientPage.getByLabel('Uneven result (asymmetry)').check();
      await patientPage.getByLabel('Anything else your provider should know (optional)').fill('Left brow a bit higher');
      await photograph(patientPage, 'chart-07a-patient-follow-up-questions');
      await patientPage.getByRole('button', { name: 'Send answers' }).click();
      await patientPage.getByText('Thank you, your answers were sent.').waitFor();
      await patientPage.waitForFunction(() => {
        const camera = document.querySelector<HTMLVideoElement>('[data-testid=ghost-frame] video');
        const ghost = document.querySelector<HTMLImageElement>('[data-testid=ghost]');
        return camera !== null && camera.videoWidth > 0 && ghost !== null && ghost.complete && ghost.naturalWidth > 0;
      }, undefined, { timeout: MEDIA_TIMEOUT_MS });
      await patientPage.getByRole('button', { name: 'Take and upload photo' }).click();
      await patientPage.getByText('Uploaded 1 photo.', { exact: false }).waitFor();
      await photograph(patientPage, 'chart-07b-patient-follow-up-photo');
      await patientPage.getByRole('button', { name: 'Leave visit' }).click();
      await page.getByRole('button', { name: 'End visit' }).click();

      await page.goto(treatmentUrl);
      await page.getByRole('link', { name: 'Open patient chart' }).click();
      await page.getByRole('heading', { name: 'Pat Patient' }).waitFor();
      const answers = page.getByTestId('questionnaire-answers');
      await answers.waitFor();
      expect(await answers.innerText()).toContain('Left brow a bit higher');
      // Before and follow-up photos, decrypted by the API and loaded as blobs.
      await page.getByTestId('chart-photos').locator('img').nth(1).waitFor();
      expect(await page.getByTestId('chart-photos').locator('img').count()).toBe(2);
      expect(await page.getByTestId('exam-status').innerText()).toContain('Valid until');
      expect(await page.getByTestId('intake-answers').innerText()).toContain('vitamin E');
      await page.getByLabel('Show version').selectOption('1');
      await page.getByText('Version 1, saved').waitFor();
      expect(await page.getByTestId('intake-answers').innerText()).not.toContain('vitamin E');
      await page.getByLabel('Show version').selectOption('2');
      await page.getByText('Version 2 (latest), saved').waitFor();
      expect(await page.getByTestId('chart-treatment').innerText()).toContain('C3709C3');
      await photograph(page, 'chart-07-injector-patient-chart');

      await page.getByLabel('What happened').fill('Mild left eyelid ptosis two weeks after treatment');
      const now = new Date(Date.now() - 3_600_000);
      const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      await page.getByLabel('When it happened').fill(local);
      await page.getByLabel('Severity').selectOption('moderate');
      await page.getByLabel('Follow-up planned or done').fill('Apraclonidine drops, review in one week');
      await page.getByRole('button', { name: 'File report' }).click();
      await page.getByText('Report filed').waitFor();
      await photograph(page, 'chart-08-injector-adverse-event-filed');

      // Referral to a partner practice: proposed here, shared only once the patient agrees.
      await page.getByLabel('Partner practice', { exact: true }).fill('Lakeside Oculoplastics');
      await page.getByLabel('Partner address').fill('12 Lake Rd, Hartford CT');
      await page.getByLabel('Reason for referral').fill('Eyelid ptosis assessment');
      await page.getByRole('button', { name: 'Ask the patient to consent' }).click();
      await page.getByText('Referral sent to the patient for their consent.').waitFor();
      await photograph(page, 'chart-09-injector-referral-sent');
    });
  });

  it('the patient agrees to the referral, which is recorded as a disclosure', async () => {
    await diagnosed(async () => {
      const page = pages.patient;
      if (page === undefined) throw new Error('patient page missing');
      await page.goto(`${stack.patientClientUrl}/`);
      await page.getByRole('link', { name: 'My visits' }).click();
      const referral = page.getByTestId('referral');
      await referral.waitFor();
      expect(await referral.innerText()).toContain('Lakeside Oculoplastics');
      await photograph(page, 'chart-10-patient-referral-consent');
      await referral.getByRole('button', { name: 'I agree to share this' }).click();
      await page.getByText('You agreed: shared').waitFor();
      const disclosures = await request(stack.test.api.app).get(`/v1/patients/${patient.id}/disclosures`).set('authorization', bearer(patientSession));
      expect((disclosures.body as { disclosures: { recipientName: string }[] }).disclosures.map((d) => d.recipientName)).toEqual(['Lakeside Oculoplastics']);
    });
  });

  it('the medical director co-signs a sampled chart, closes the adverse event and sets exam validity', async () => {
    await diagnosed(async () => {
      const page = await openPage(directorContext, 'director', stack.clientUrl);
      await signIn(page, practiceSlug, director);
      await page.getByRole('link', { name: 'Chart review' }).click();
      await page.getByRole('heading', { name: 'Chart review' }).waitFor();
      await page.getByLabel('Share of signed charts to review (%)').fill('100');
      await page.getByRole('button', { name: 'Save share' }).click();
      await page.getByText('Saved.').waitFor();
      await page.getByRole('button', { name: 'Refresh' }).click();
      const item = page.getByTestId('review-item').first();
      await item.waitFor();
      expect(await item.innerText()).toContain('Pat Patient');
      await item.getByRole('button', { name: 'Read note' }).click();
      await page.getByTestId('review-note').waitFor();
      await photograph(page, 'chart-11-director-review-queue');
      await item.getByRole('button', { name: 'Co-sign' }).click();
      await page.getByText('Co-signed').waitFor();
      await photograph(page, 'chart-12-director-review-cosigned');
      const cosigned = await asOwner(stack.test.database.url, (client) =>
        client.query<{ n: string }>(`SELECT count(*) AS n FROM chart_reviews WHERE status = 'cosigned' AND reviewer_id = $1`, [director.id]),
      );
      expect(cosigned.rows[0]?.n).toBe('1');

      await page.getByRole('link', { name: 'Adverse events' }).click();
      const event = page.getByTestId('adverse-event').first();
      await event.waitFor();
      expect(await event.innerText()).toContain('ptosis');
      await photograph(page, 'chart-13-director-adverse-event-open');
      await event.getByLabel('Resolution').fill('Resolved after three weeks; no further treatment of this area for 6 months');
      await event.getByRole('button', { name: 'Close report' }).click();
      await page.getByRole('heading', { name: 'Open (0)' }).waitFor();
      await photograph(page, 'chart-14-director-adverse-event-closed');

      await page.getByRole('link', { name: 'Good Faith Exam rules' }).click();
      await page.getByLabel('Where').selectOption('CT');
      await page.getByLabel('How long a clearance holds').selectOption('every_treatment');
      await page.getByRole('button', { name: 'Save rule' }).click();
      await page.getByText('Required before every treatment', { exact: false }).first().waitFor();
      expect(await page.getByTestId('validity-rules').innerText()).toContain('CT');
      await photograph(page, 'chart-15-director-exam-rules');

      const audit = await asOwner(stack.test.database.url, (client) =>
        client.query<{ action: string }>(
          `SELECT DISTINCT action FROM audit_events WHERE practice_id = (SELECT practice_id FROM users WHERE id = $1)
             AND action IN ('intake.write', 'treatment.write', 'followup.schedule', 'timeline.read', 'adverse_event.file',
                            'chart_review.decide', 'adverse_event.close', 'gfe_validity.write') ORDER BY action`,
          [director.id],
        ),
      );
      expect(audit.rows.map((row) => row.action)).toEqual([
        'adverse_event.close',
        'adverse_event.file',
        'chart_review.decide',
        'followup.schedule',
        'gfe_validity.write',
        'intake.write',
        'timeline.read',
        'treatment.write',
      ]);
    });
  });
});
