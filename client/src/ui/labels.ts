/**
 * Plain words for the values the API speaks in codes (issue 8: no codes, ids or zone ids
 * on screen). One place, so every screen says "Good Faith Exam", never "gfe".
 */
// The file alone, not the package index: that would pull zod into the browser bundle.
import { TIME_ZONE_CHOICES, timeZoneLabel } from '@medspa/shared-types/dist/timeZones.js';
import { visitName } from '../chart/labels.js';

export { TIME_ZONE_CHOICES, timeZoneLabel };

export const ROLE_LABELS: Record<string, string> = {
  patient: 'Patient',
  injector: 'Injector',
  medical_director: 'Medical director',
  front_desk: 'Front desk',
  compliance_officer: 'Compliance officer',
  admin: 'Practice admin',
};

/** A role in words. */
export const roleLabel = (role: string): string => ROLE_LABELS[role] ?? 'Staff member';

/** An appointment kind in words: visits are named in one place (chart/labels.ts). */
export const kindLabel = (kind: string): string => visitName(kind);

export const CREDENTIAL_LABELS: Record<string, string> = {
  RN: 'Registered nurse (RN)',
  NP: 'Nurse practitioner (NP)',
  PA: 'Physician assistant (PA)',
  MD: 'Physician (MD)',
  DO: 'Physician (DO)',
};

export const CONSENT_KIND_LABELS: Record<string, string> = {
  telehealth: 'Telehealth consent',
  treatment: 'Treatment consent',
};

/** USPS codes with state names, for license pickers. */
export const STATE_NAMES: Record<string, string> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado', CT: 'Connecticut',
  DE: 'Delaware', DC: 'District of Columbia', FL: 'Florida', GA: 'Georgia', HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois',
  IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky', LA: 'Louisiana', ME: 'Maine', MD: 'Maryland',
  MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota', MS: 'Mississippi', MO: 'Missouri', MT: 'Montana',
  NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire', NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York',
  NC: 'North Carolina', ND: 'North Dakota', OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania',
  RI: 'Rhode Island', SC: 'South Carolina', SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah',
  VT: 'Vermont', VA: 'Virginia', WA: 'Washington', WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming',
};

export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** A calendar date (YYYY-MM-DD) in the viewer's locale, e.g. "Dec 2, 2027". */
export function formatCalendarDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  // Noon UTC, shown in UTC: the date cannot shift a day in any viewer zone.
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1, 12)),
  );
}

/** "09:00" as the viewer reads a time of day, e.g. "9:00 AM". */
export function formatTimeOfDay(time: string): string {
  if (time === '24:00') return 'midnight';
  const [hours, minutes] = time.split(':').map(Number);
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2000, 0, 1, hours ?? 0, minutes ?? 0)),
  );
}
