/**
 * Booking and rescheduling as a patient does it: choose the kind of visit, a provider (or
 * "Any available") and the state you will be in; pick a day on the date picker and a time
 * on that day's list, all in your own time zone; confirm. The day is the patient's local
 * calendar day [local midnight, next local midnight), never the UTC date.
 */
import { useState } from 'react';
import { api } from '../api/http.js';
import type { Appointment, AppointmentType, ProviderProfile, Slot } from '../api/types.js';
import { navigate } from '../app/router.js';
import { Select, useAction, useAsync } from '../ui/components.js';
import {
  addCalendarDays,
  browserTimeZone,
  calendarDateOf,
  formatDayHeading,
  formatTime,
  formatWhen,
  localDayBounds,
  zoneLongName,
} from './localDay.js';
import { PlainError } from './PlainError.js';
import { visitName } from '../chart/labels.js';
import { STATE_OPTIONS, stateName } from './usStateNames.js';

/**
 * Kinds a patient books for themselves. Treatments are booked by the practice after a Good
 * Faith Exam, and a follow-up is booked from its treatment record (the API refuses others).
 */
const PATIENT_BOOKABLE = new Set(['virtual_consult', 'gfe']);
/** How far "Find the next open day" looks ahead. */
const LOOKAHEAD_DAYS = 30;
const ANY = 'any';

/** A visit type in plain words: the practice's name for it, with acronyms spelled out. */
export function visitTypeName(type: Pick<AppointmentType, 'name' | 'kind'> | undefined): string {
  if (type === undefined) return 'Visit';
  const name = type.name.trim();
  if (name === '' || /^gfe$/i.test(name)) return visitName(type.kind);
  return name.replace(/\bGFE\b/g, 'Good Faith Exam');
}

/** "Dana Reyes, NP". */
export function providerName(provider: ProviderProfile | undefined): string {
  return provider === undefined ? 'your provider' : `${provider.givenName} ${provider.familyName}, ${provider.credential}`;
}

interface OfferedSlot extends Slot {
  providerId: string;
}

async function slotsFor(providerIds: string[], typeId: string, from: string, to: string, zone: string, state: string): Promise<OfferedSlot[]> {
  const lists = await Promise.all(
    providerIds.map(async (providerId) => {
      const query = new URLSearchParams({ appointmentTypeId: typeId, from, to, timeZone: zone, patientState: state });
      const result = await api<{ slots: Slot[] }>('GET', `/v1/providers/${providerId}/slots?${query.toString()}`);
      return result.slots.map((slot) => ({ ...slot, providerId }));
    }),
  );
  // "Any available": one button per time, the first listed provider free then takes it.
  const byStart = new Map<string, OfferedSlot>();
  for (const slot of lists.flat()) if (!byStart.has(slot.startsAt)) byStart.set(slot.startsAt, slot);
  return [...byStart.values()].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
}

export interface BookingFlowProps {
  /** Set when moving an existing visit: type and provider stay, only the time changes. */
  reschedule?: Appointment;
}

type Step = { kind: 'pick' } | { kind: 'confirm'; slot: OfferedSlot } | { kind: 'done'; appointment: Appointment };

/** The booking (or rescheduling) screen. */
export function BookingFlow({ reschedule }: BookingFlowProps) {
  const zone = browserTimeZone();
  const today = calendarDateOf(new Date(), zone);
  const types = useAsync(() => api<AppointmentType[]>('GET', '/v1/appointment-types'), 'types');
  const providers = useAsync(() => api<ProviderProfile[]>('GET', '/v1/providers'), 'providers');
  const [typeId, setTypeId] = useState(reschedule?.appointmentTypeId ?? '');
  const [providerChoice, setProviderChoice] = useState(reschedule?.providerId ?? ANY);
  const [state, setState] = useState(reschedule?.patientState ?? '');
  const [date, setDate] = useState(today);
  const [step, setStep] = useState<Step>({ kind: 'pick' });

  const bookable = (types.data ?? []).filter((type) => PATIENT_BOOKABLE.has(type.kind) || type.id === reschedule?.appointmentTypeId);
  const chosenType = bookable.find((type) => type.id === typeId) ?? (reschedule === undefined ? bookable[0] : undefined);
  const providerList = providers.data ?? [];
  const providerIds = providerChoice === ANY ? providerList.map((provider) => provider.providerId) : [providerChoice];
  const ready = chosenType !== undefined && state !== '' && providerIds.length > 0;
  const dayKey = `${chosenType?.id ?? ''}|${providerIds.join(',')}|${state}|${date}`;
  const day = useAsync(async () => {
    if (!ready) return [];
    const slots = await slotsFor(providerIds, chosenType.id, date, date, zone, state);
    // The API answers for the same local day; this keeps the list honest even so.
    const { start, end } = localDayBounds(date, zone);
    return slots.filter((slot) => Date.parse(slot.startsAt) >= start.getTime() && Date.parse(slot.startsAt) < end.getTime());
  }, dayKey);
  const nextOpen = useAction(async () => {
    if (!ready) return;
    const from = addCalendarDays(date, 1);
    const slots = await slotsFor(providerIds, chosenType.id, from, addCalendarDays(date, LOOKAHEAD_DAYS), zone, state);
    const first = slots[0];
    if (first === undefined) throw new Error('none');
    setDate(calendarDateOf(new Date(first.startsAt), zone));
  });
  const confirm = useAction(async (slot: OfferedSlot) => {
    const appointment =
      reschedule === undefined
        ? await api<Appointment>('POST', '/v1/appointments', {
            appointmentTypeId: chosenType?.id,
            providerId: slot.providerId,
            startsAt: slot.startsAt,
            patientState: state,
            patientTimeZone: zone,
          })
        : await api<Appointment>('POST', `/v1/appointments/${reschedule.id}/reschedule`, {
            startsAt: slot.startsAt,
            patientState: state,
            patientTimeZone: zone,
          });
    setStep({ kind: 'done', appointment });
  });

  const providerOf = (id: string): ProviderProfile | undefined => providerList.find((provider) => provider.providerId === id);
  const title = reschedule === undefined ? 'Book a visit' : 'Change the time of your visit';
  const stepNames = ['Visit and time', 'Confirm', 'Done'];
  const current = step.kind === 'pick' ? 0 : step.kind === 'confirm' ? 1 : 2;

  return (
    <div className="stack booking">
      <h1>{title}</h1>
      <ol className="steps" aria-label="Steps">
        {stepNames.map((name, index) => (
          <li key={name} aria-current={index === current ? 'step' : undefined}>
            {index + 1}. {name}
          </li>
        ))}
      </ol>
      <PlainError error={types.error ?? providers.error} />

      {step.kind === 'pick' && (
        <>
          <section aria-labelledby="visit-title" className="card">
            <h2 id="visit-title">Your visit</h2>
            {reschedule === undefined ? (
              <fieldset className="choices">
                <legend>Kind of visit</legend>
                {bookable.map((type) => (
                  <label key={type.id} className="check">
                    <input
                      type="radio"
                      name="visit-type"
                      value={type.id}
                      checked={chosenType?.id === type.id}
                      onChange={() => {
                        setTypeId(type.id);
                      }}
                    />
                    <span>
                      {visitTypeName(type)} <span className="muted">· {type.durationMinutes} minutes</span>
                    </span>
                  </label>
                ))}
                {bookable.length === 0 && !types.loading && <p>This practice has no visits open for booking yet.</p>}
              </fieldset>
            ) : (
              <p>
                {visitTypeName(chosenType)} with {providerName(providerOf(reschedule.providerId))}, now booked for{' '}
                <strong>{formatWhen(reschedule.startsAt)}</strong>.
              </p>
            )}
            {reschedule === undefined && (
              <Select
                label="Provider"
                value={providerChoice}
                onChange={setProviderChoice}
                options={[
                  { value: ANY, label: 'Any available provider' },
                  ...providerList.map((provider) => ({ value: provider.providerId, label: providerName(provider) })),
                ]}
              />
            )}
            <Select
              label="Where will you be during the visit?"
              value={state}
              onChange={setState}
              options={[{ value: '', label: 'Choose a state' }, ...STATE_OPTIONS]}
            />
            <p className="hint">Providers can only see you in states where they are licensed.</p>
          </section>

          <section aria-labelledby="time-title" className="card">
            <h2 id="time-title">Pick a time</h2>
            <div className="day-nav">
              <div className="field">
                <label htmlFor="visit-day">Day</label>
                <input
                  id="visit-day"
                  type="date"
                  min={today}
                  value={date}
                  onChange={(event) => {
                    if (/^\d{4}-\d{2}-\d{2}$/.test(event.target.value)) setDate(event.target.value < today ? today : event.target.value);
                  }}
                />
              </div>
              <div className="row">
                <button
                  type="button"
                  className="secondary"
                  disabled={date <= today}
                  onClick={() => {
                    setDate(addCalendarDays(date, -1));
                  }}
                >
                  ‹ Previous day
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    setDate(addCalendarDays(date, 1));
                  }}
                >
                  Next day ›
                </button>
              </div>
            </div>
            <h3 data-testid="day-heading">
              {date === today ? 'Today, ' : date === addCalendarDays(today, 1) ? 'Tomorrow, ' : ''}
              {formatDayHeading(date, zone)}
            </h3>
            <p className="hint">Times are in your time zone ({zoneLongName(zone)}).</p>
            {!ready && <p>Choose where you will be to see open times.</p>}
            {ready && day.loading && <p role="status">Looking for open times…</p>}
            <PlainError error={day.error} />
            {ready && !day.loading && day.data !== null && day.data.length === 0 && (
              <div>
                <p>No open times on this day.</p>
                <button type="button" className="secondary" disabled={nextOpen.busy} onClick={nextOpen.run}>
                  Find the next open day
                </button>
                {nextOpen.error !== null && <p role="alert">No open times in the next {LOOKAHEAD_DAYS} days. Try another provider.</p>}
              </div>
            )}
            {ready && !day.loading && (day.data?.length ?? 0) > 0 && (
              <ul className="slots" aria-label="Open times">
                {day.data?.map((slot) => (
                  <li key={slot.startsAt}>
                    <button
                      type="button"
                      className="slot"
                      data-starts-at={slot.startsAt}
                      onClick={() => {
                        setStep({ kind: 'confirm', slot });
                      }}
                    >
                      {formatTime(slot.startsAt)}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}

      {step.kind === 'confirm' && (
        <section aria-labelledby="confirm-title" className="card narrow-left">
          <h2 id="confirm-title">{reschedule === undefined ? 'Confirm your visit' : 'Confirm the new time'}</h2>
          <dl className="summary">
            <div>
              <dt>When</dt>
              <dd data-testid="confirm-when">{formatWhen(step.slot.startsAt)}</dd>
            </div>
            <div>
              <dt>Visit</dt>
              <dd>
                {visitTypeName(chosenType)}
                {chosenType !== undefined && `, ${chosenType.durationMinutes} minutes`}
              </dd>
            </div>
            <div>
              <dt>Provider</dt>
              <dd>{providerName(providerOf(step.slot.providerId))}</dd>
            </div>
            <div>
              <dt>You will be in</dt>
              <dd>{stateName(state)}</dd>
            </div>
            <div>
              <dt>How</dt>
              <dd>Video, in your browser. We will email you the link.</dd>
            </div>
          </dl>
          <PlainError error={confirm.error} />
          <div className="row wrap">
            <button
              type="button"
              disabled={confirm.busy}
              onClick={() => {
                confirm.run(step.slot);
              }}
            >
              {reschedule === undefined ? 'Confirm booking' : 'Confirm new time'}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setStep({ kind: 'pick' });
              }}
            >
              Back
            </button>
          </div>
        </section>
      )}

      {step.kind === 'done' && (
        <section aria-labelledby="done-title" className="card narrow-left" role="status" data-testid="booking-confirmation">
          <h2 id="done-title">{reschedule === undefined ? 'You are booked' : 'Your visit has moved'}</h2>
          <p>
            <strong>{formatWhen(step.appointment.startsAt)}</strong>
          </p>
          <p>We emailed you a confirmation with a calendar invite and your join link.</p>
          <p>
            Join at the time of your visit:{' '}
            <a
              href={step.appointment.joinPath}
              onClick={(event) => {
                event.preventDefault();
                navigate(step.appointment.joinPath);
              }}
            >
              Open my visit
            </a>
          </p>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              navigate('/');
            }}
          >
            Back to my visits
          </button>
        </section>
      )}
    </div>
  );
}
