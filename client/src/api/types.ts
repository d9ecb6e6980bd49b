/**
 * Response shapes of the API endpoints the client uses (mirroring the API's service views).
 * Type-only: the client trusts its own API's JSON and keeps zod out of the join bundle.
 */
export type AppointmentKind = 'virtual_consult' | 'gfe' | 'follow_up' | 'treatment';

export interface LocalDisplay {
  timeZone: string;
  date: string;
  time: string;
  offset: string;
}

export interface Appointment {
  id: string;
  appointmentTypeId: string;
  kind: AppointmentKind;
  serviceCode: string | null;
  providerId: string;
  patientId: string;
  startsAt: string;
  endsAt: string;
  status: string;
  patientState: string;
  patientTimeZone: string;
  confirmedState: string | null;
  local: LocalDisplay;
  joinPath: string;
  /** On schedule reads (the API audits the name read). */
  patientName?: string;
  providerName?: string;
}

export interface AppointmentType {
  id: string;
  name: string;
  kind: AppointmentKind;
  durationMinutes: number;
}

export interface ProviderProfile {
  providerId: string;
  givenName: string;
  familyName: string;
  role: string;
  credential: string;
  specialties: string[];
  timeZone: string;
}

export interface Slot {
  startsAt: string;
  endsAt: string;
  local: LocalDisplay;
}

export interface ConsentDocument {
  id: string;
  kind: 'telehealth' | 'treatment';
  version: number;
  title: string;
  body: string;
  bodySha256: string;
}

export interface ConsentStatusEntry {
  kind: 'telehealth' | 'treatment';
  currentVersion: number | null;
  current: boolean;
}

export interface PhotoMeta {
  id: string;
  appointmentId: string;
  phase: 'before' | 'after' | 'follow_up';
  contentType: string;
  createdAt: string;
}

export interface VisitPhotos {
  appointmentId: string;
  kind: string;
  startsAt: string;
  photos: PhotoMeta[];
}

export interface UserView {
  id: string;
  role: string;
  email: string;
  givenName: string;
  familyName: string;
  disabled: boolean;
  mfaEnrolled: boolean;
}

/** USPS state codes a patient may be located in. */
export const US_STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME', 'MD',
  'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD',
  'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
] as const;
