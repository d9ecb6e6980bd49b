/**
 * Plain words for visit kinds, services and chart states. "Good Faith Exam" is always
 * spelled out: patients confuse the bare "GFE" with the No Surprises Act Good Faith Estimate.
 */
import type { AppointmentKind } from '../api/types.js';

const KIND_NAMES: Record<AppointmentKind, string> = {
  virtual_consult: 'Virtual consult',
  gfe: 'Good Faith Exam',
  follow_up: 'Follow-up visit',
  treatment: 'In-person treatment',
};

const SERVICE_NAMES: Record<string, string> = {
  neuromodulator: 'Neuromodulator (e.g. Botox)',
  dermal_filler: 'Dermal filler',
  filler: 'Dermal filler',
  chemical_peel: 'Chemical peel',
  microneedling: 'Microneedling',
  laser: 'Laser treatment',
};

/** Services a practice offers, for pickers (the `filler` alias is left out). */
export const SERVICE_CHOICES: readonly { code: string; name: string }[] = Object.entries(SERVICE_NAMES)
  .filter(([code]) => code !== 'filler')
  .map(([code, name]) => ({ code, name }));

/** "Neuromodulator (e.g. Botox)" for `neuromodulator`; unknown codes become words. */
export function serviceName(code: string): string {
  const known = SERVICE_NAMES[code];
  if (known !== undefined) return known;
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "Good Faith Exam", "In-person treatment · Dermal filler"... */
export function visitName(kind: string, serviceCode: string | null = null): string {
  const name = (KIND_NAMES as Record<string, string | undefined>)[kind] ?? serviceName(kind);
  return serviceCode === null ? name : `${name} · ${serviceName(serviceCode)}`;
}

const STATUS_NAMES: Record<string, string> = {
  booked: 'Booked',
  checked_in: 'Checked in',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
  no_show: 'Did not attend',
};

/** A visit status in words. */
export function statusName(status: string): string {
  return STATUS_NAMES[status] ?? serviceName(status);
}

/** Dates and times read the same everywhere: one formatter (patient/localDay.ts). */
export { formatWhen } from '../patient/localDay.js';

/** A calendar date in the viewer's locale ("Dec 2, 2026"). */
export function formatDay(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date(iso));
}
