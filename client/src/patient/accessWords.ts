/** Audit actions and roles in the words a patient reading "Who viewed my record" uses. */

const ACTIONS: Readonly<Record<string, string>> = {
  'appointment.notice_sent': 'Sent you an appointment email',
  'appointment.book': 'Booked a visit',
  'appointment.read': 'Looked at a visit',
  'appointment.list': 'Looked at the visit schedule',
  'appointment.reschedule': 'Changed a visit time',
  'appointment.cancel': 'Cancelled a visit',
  'appointment.check_in': 'Checked in for a visit',
  'appointment.complete': 'Marked a visit completed',
  'appointment.no_show': 'Marked a visit missed',
  'user.create': 'Created your account',
  'user.read': 'Looked at your profile',
  'user.update': 'Changed your account',
  'user.list': 'Looked at the list of people',
  'patient.read': 'Looked at your record',
  'auth.email_verified': 'Confirmed your email address',
  'consent.sign': 'Signed a consent',
  'consent.read': 'Looked at your consents',
  'note.read': 'Read a visit note',
  'note.list': 'Looked at your visit notes',
  'note.write': 'Wrote a visit note',
  'note.sign': 'Signed a visit note',
  'note.addendum': 'Added to a visit note',
  'gfe.read': 'Looked at your exam results',
  'photo.read': 'Looked at a photo',
  'photo.list': 'Looked at your photos',
  'photo.write': 'Added a photo',
  'questionnaire.submit': 'Submitted a questionnaire',
  'questionnaire.read': 'Read a questionnaire',
  'visit_summary.read': 'Read your visit summaries',
  'referral.request': 'Started a referral',
  'referral.consent': 'Recorded your referral consent',
  'referral.read': 'Looked at a referral',
  'room.join': 'Joined a video visit',
  'room.leave': 'Left a video visit',
  'room.admit': 'Let you into a video visit',
};

/** What happened, in plain words (unknown actions still read as words, not codes). */
export function accessActionWords(action: string): string {
  const known = ACTIONS[action];
  if (known !== undefined) return known;
  const words = action.replace(/[._]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const ROLES: Readonly<Record<string, string>> = {
  patient: 'patient',
  injector: 'provider',
  medical_director: 'medical director',
  front_desk: 'front desk',
  admin: 'practice administrator',
  compliance_officer: 'compliance officer',
  system: 'automatic',
};

/** "Dana Reyes (provider)", "You", or "Automatic" for the system's own acts. */
export function accessActorWords(actor: { role: string | null; displayName: string | null }): string {
  if (actor.role === null || actor.role === 'system') return 'Automatic (our system)';
  const role = ROLES[actor.role] ?? actor.role.replace(/_/g, ' ');
  return actor.displayName === null ? role.charAt(0).toUpperCase() + role.slice(1) : `${actor.displayName} (${role})`;
}
