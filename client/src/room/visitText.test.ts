import { durationText, patientRefusalText, providerRefusalText, roomOpensAt, visitName } from './visitText.js';

const startsAt = new Date('2026-12-02T22:30:00Z');
const appointment = {
  startsAt: startsAt.toISOString(),
  endsAt: new Date(startsAt.getTime() + 20 * 60_000).toISOString(),
  patientState: 'CT',
  confirmedState: null,
} as unknown as Parameters<typeof patientRefusalText>[1];
const minutesBefore = (minutes: number): Date => new Date(startsAt.getTime() - minutes * 60_000);

describe('visit room words', () => {
  it('opens the room 30 minutes before the start and counts down in plain units', () => {
    expect(roomOpensAt(appointment).toISOString()).toBe('2026-12-02T22:00:00.000Z');
    expect(durationText(45_000)).toBe('45 s');
    expect(durationText(12 * 60_000)).toBe('12 min');
    expect(durationText(65 * 60_000)).toBe('1 h 5 min');
  });

  it('tells the provider how early the patient is and when the room opens', () => {
    const text = providerRefusalText('outside_visit_window', appointment, minutesBefore(40));
    expect(text).toMatch(/^This patient is 40 minutes early; the room opens at .+\. Admit them then\.$/);
    expect(providerRefusalText('outside_visit_window', appointment, new Date(startsAt.getTime() + 60 * 60_000))).toContain('has passed');
    expect(providerRefusalText('provider_not_licensed', appointment, startsAt)).toContain('CT');
  });

  it('gives the patient what to do next, with the step that fixes it', () => {
    expect(patientRefusalText('no_telehealth_consent', appointment, startsAt)).toEqual({
      text: expect.stringContaining('Please sign the telehealth consent first') as string,
      fix: { label: 'Sign the telehealth consent', step: 'consent' },
    });
    expect(patientRefusalText('provider_not_licensed', appointment, startsAt).fix?.step).toBe('check_in');
    expect(patientRefusalText('outside_visit_window', appointment, minutesBefore(40)).text).toMatch(/early: your visit room opens at/);
    for (const reason of ['appointment_not_active', 'appointment_not_found', 'not_appointment_participant'] as const) {
      const { text } = patientRefusalText(reason, appointment, startsAt);
      expect(text).not.toMatch(/_/);
    }
  });

  it('never shortens Good Faith Exam', () => {
    expect(visitName('gfe')).toBe('Good Faith Exam');
    expect(visitName('follow_up')).toBe('Follow-up visit');
  });
});
