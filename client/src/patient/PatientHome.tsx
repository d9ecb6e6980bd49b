/** Patient home: upcoming visits with join links, booking, visit summaries, who viewed my record. */
import { useState } from 'react';
import { formatWhen, visitName } from '../chart/labels.js';
import { api } from '../api/http.js';
import type { Appointment, AppointmentType, ProviderProfile, Slot } from '../api/types.js';
import { US_STATES } from '../api/types.js';
import { navigate } from '../app/router.js';
import { ErrorMessage, Section, Select, formatInstant, useAction, useAsync } from '../ui/components.js';
import { AccessHistory, VisitSummaries } from './PatientRecords.js';
import { ReferralConsent } from './ReferralConsent.js';

const DAY_MS = 86_400_000;
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function Upcoming({ generation }: { generation: number }) {
  const now = Date.now();
  const list = useAsync(
    () =>
      api<{ appointments: Appointment[] }>(
        'GET',
        `/v1/appointments?from=${encodeURIComponent(new Date(now - DAY_MS).toISOString())}&to=${encodeURIComponent(new Date(now + 60 * DAY_MS).toISOString())}`,
      ),
    `upcoming-${generation}`,
  );
  const appointments = list.data?.appointments.filter((appointment) => appointment.status !== 'cancelled') ?? [];
  return (
    <Section title="Your visits">
      <ErrorMessage error={list.error} />
      {appointments.length === 0 && !list.loading && <p>No upcoming visits.</p>}
      <ul className="list">
        {appointments.map((appointment) => (
          <li key={appointment.id}>
            <span>
              {visitName(appointment.kind)} · {formatWhen(appointment.startsAt)}
            </span>
            <a
              href={appointment.joinPath}
              onClick={(event) => {
                event.preventDefault();
                navigate(appointment.joinPath);
              }}
            >
              Join visit
            </a>
          </li>
        ))}
      </ul>
    </Section>
  );
}

function Booking({ onBooked }: { onBooked: () => void }) {
  const types = useAsync(() => api<AppointmentType[]>('GET', '/v1/appointment-types'), 'types');
  const providers = useAsync(() => api<ProviderProfile[]>('GET', '/v1/providers'), 'providers');
  const [typeId, setTypeId] = useState('');
  const [providerId, setProviderId] = useState('');
  const [state, setState] = useState('CT');
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [booked, setBooked] = useState<Appointment | null>(null);
  const bookable = types.data?.filter((type) => type.kind !== 'treatment') ?? [];
  const chosenType = typeId === '' ? bookable[0]?.id ?? '' : typeId;
  const chosenProvider = providerId === '' ? providers.data?.[0]?.providerId ?? '' : providerId;
  const search = useAction(async () => {
    const from = new Date();
    const query = new URLSearchParams({
      appointmentTypeId: chosenType,
      from: isoDate(from),
      to: isoDate(new Date(from.getTime() + 14 * DAY_MS)),
      timeZone: browserZone,
      patientState: state,
    });
    const result = await api<{ slots: Slot[] }>('GET', `/v1/providers/${chosenProvider}/slots?${query.toString()}`);
    setSlots(result.slots);
  });
  const book = useAction(async (slot: Slot) => {
    const appointment = await api<Appointment>('POST', '/v1/appointments', {
      appointmentTypeId: chosenType,
      providerId: chosenProvider,
      startsAt: slot.startsAt,
      patientState: state,
      patientTimeZone: browserZone,
    });
    setBooked(appointment);
    setSlots(null);
    onBooked();
  });
  return (
    <Section title="Book a visit">
      <ErrorMessage error={types.error ?? providers.error} />
      <form
        onSubmit={(event) => {
          event.preventDefault();
          search.run();
        }}
      >
        <Select label="Visit type" value={chosenType} onChange={setTypeId} options={bookable.map((type) => ({ value: type.id, label: `${type.name} (${type.durationMinutes} min)` }))} />
        <Select
          label="Provider"
          value={chosenProvider}
          onChange={setProviderId}
          options={(providers.data ?? []).map((provider) => ({
            value: provider.providerId,
            label: `${provider.givenName} ${provider.familyName}, ${provider.credential}`,
          }))}
        />
        <Select label="State you will be in" value={state} onChange={setState} options={US_STATES.map((code) => ({ value: code, label: code }))} />
        <p className="hint">Times are shown in your time zone ({browserZone}).</p>
        <ErrorMessage error={search.error} />
        <button type="submit" disabled={search.busy || chosenType === '' || chosenProvider === ''}>
          Find times
        </button>
      </form>
      {slots !== null && (
        <div>
          <h3>Available times</h3>
          {slots.length === 0 && <p>No free times in the next two weeks.</p>}
          <ul className="slots">
            {slots.slice(0, 24).map((slot) => (
              <li key={slot.startsAt}>
                <button
                  type="button"
                  disabled={book.busy}
                  onClick={() => {
                    book.run(slot);
                  }}
                >
                  {slot.local.date} {slot.local.time}
                </button>
              </li>
            ))}
          </ul>
          <ErrorMessage error={book.error} />
        </div>
      )}
      {booked !== null && (
        <p role="status" data-testid="booking-confirmation">
          Booked for {formatInstant(booked.startsAt)}. Your join link: <a href={booked.joinPath}>{window.location.origin + booked.joinPath}</a>
        </p>
      )}
    </Section>
  );
}

/** The patient's home screen. */
export default function PatientHome() {
  const [generation, setGeneration] = useState(0);
  return (
    <div className="stack">
      <h1>My visits</h1>
      <Upcoming generation={generation} />
      <Booking
        onBooked={() => {
          setGeneration((value) => value + 1);
        }}
      />
      <ReferralConsent />
      <VisitSummaries />
      <AccessHistory />
    </div>
  );
}
