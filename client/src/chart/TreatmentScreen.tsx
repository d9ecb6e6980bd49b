/**
 * `/treatments/visit/:appointmentId`: the injector records an in-person treatment (product,
 * lot and expiry, sites on the face map) and then books its virtual follow-up from it:
 * Good Faith Exam (virtual) -> treatment (this screen) -> follow-up.
 */
import { useState } from 'react';
import { api } from '../api/http.js';
import type { Appointment, AppointmentType, Slot } from '../api/types.js';
import { Field, Section, Select, TextArea, useAction, useAsync } from '../ui/components.js';
import { ChartError } from './ChartError.js';
import type { InjectionSite, PatientTimeline, TreatmentView } from './chartTypes.js';
import { FaceMapEditor, FaceMapView } from './FaceMap.js';
import { formatDay, formatWhen, serviceName, statusName, visitName } from './labels.js';
import { AppLink } from './Link.js';

const DAY_MS = 86_400_000;

function dayInZone(date: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD, the API's calendar-date form.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** Whether the patient may be treated for this service today, under the practice's exam rules. */
function ClearanceBanner({ visit }: { visit: Appointment }) {
  const chart = useAsync(() => api<PatientTimeline>('GET', `/v1/patients/${visit.patientId}/timeline`), `clearance-${visit.id}`);
  if (chart.data === null || visit.serviceCode === null) return null;
  const exam = chart.data.exams.find((entry) => entry.serviceCode === visit.serviceCode);
  if (exam?.current === true) {
    return (
      <p className="ok" role="status" data-testid="clearance">
        Good Faith Exam clearance for {serviceName(visit.serviceCode)}:{' '}
        {exam.everyTreatment ? 'valid for this treatment' : `valid until ${formatDay(exam.expiresAt ?? exam.decidedAt)}`}.
      </p>
    );
  }
  return (
    <p className="error" role="alert" data-testid="clearance">
      No current Good Faith Exam clearance for {serviceName(visit.serviceCode)}: the treatment cannot be recorded until the patient has a Good
      Faith Exam that clears it.
    </p>
  );
}

function TreatmentForm({ visit, onSaved }: { visit: Appointment; onSaved: (view: TreatmentView) => void }) {
  const [product, setProduct] = useState('');
  const [lotNumber, setLotNumber] = useState('');
  const [lotExpiry, setLotExpiry] = useState('');
  const [unit, setUnit] = useState<'units' | 'ml'>(visit.serviceCode === 'neuromodulator' ? 'units' : 'ml');
  const [sites, setSites] = useState<InjectionSite[]>([]);
  const [notes, setNotes] = useState('');
  const total = Math.round(sites.reduce((sum, site) => sum + site.amount, 0) * 100) / 100;
  const save = useAction(async () => {
    const view = await api<TreatmentView>('POST', `/v1/appointments/${visit.id}/treatment`, {
      product,
      lotNumber,
      lotExpiry,
      unit,
      totalAmount: total,
      sites,
      notes,
    });
    onSaved(view);
  });
  const missing = product.trim() === '' || lotNumber.trim() === '' || lotExpiry === '' || sites.length === 0 || total <= 0;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        save.run();
      }}
    >
      <ClearanceBanner visit={visit} />
      <Section title="Product">
        <div className="grid-2">
          <Field label="Product name" value={product} onChange={setProduct} required hint="As on the vial, e.g. Botox Cosmetic" />
          <Field label="Lot number" value={lotNumber} onChange={setLotNumber} required />
          <Field label="Lot expiry date" type="date" value={lotExpiry} onChange={setLotExpiry} required />
          <Select
            label="Measured in"
            value={unit}
            onChange={(value) => {
              setUnit(value === 'ml' ? 'ml' : 'units');
            }}
            options={[
              { value: 'units', label: 'Units' },
              { value: 'ml', label: 'Millilitres (ml)' },
            ]}
          />
        </div>
      </Section>
      <Section title="Injection sites">
        <FaceMapEditor sites={sites} onChange={setSites} unit={unit} />
        <p>
          <strong>Total:</strong> <span data-testid="total-amount">{total}</span> {unit}
        </p>
      </Section>
      <Section title="Notes">
        <TextArea label="Treatment notes (optional)" value={notes} onChange={setNotes} rows={3} />
      </Section>
      <ChartError error={save.error} />
      {missing && <p className="hint">Enter the product, lot number, lot expiry and at least one site to save.</p>}
      <button type="submit" disabled={save.busy || missing}>
        {save.busy ? 'Saving…' : 'Save treatment record'}
      </button>
    </form>
  );
}

/** Books the virtual follow-up of a recorded treatment in the patient's zone. */
function FollowUpBooking({ visit, treatment, onBooked }: { visit: Appointment; treatment: TreatmentView; onBooked: () => void }) {
  const types = useAsync(() => api<AppointmentType[]>('GET', '/v1/appointment-types'), 'types');
  const followUpTypes = types.data?.filter((type) => type.kind === 'follow_up') ?? [];
  const [typeId, setTypeId] = useState('');
  const chosenType = typeId !== '' ? typeId : (followUpTypes[0]?.id ?? '');
  const zone = visit.patientTimeZone;
  const state = visit.confirmedState ?? visit.patientState;
  const [day, setDay] = useState(() => dayInZone(new Date(Date.parse(treatment.treatedAt) + 14 * DAY_MS), zone));
  const slots = useAsync(
    () =>
      chosenType === ''
        ? Promise.resolve({ slots: [] as Slot[] })
        : api<{ slots: Slot[] }>(
            'GET',
            `/v1/providers/${treatment.providerId}/slots?${new URLSearchParams({ appointmentTypeId: chosenType, from: day, to: day, timeZone: zone, patientState: state }).toString()}`,
          ),
    `slots-${chosenType}-${day}`,
  );
  const book = useAction(async (slot: Slot) => {
    await api('POST', `/v1/treatments/${treatment.id}/follow-ups`, {
      appointmentTypeId: chosenType,
      startsAt: slot.startsAt,
      patientState: state,
      patientTimeZone: zone,
    });
    onBooked();
  });
  return (
    <Section title="Book the follow-up visit">
      <p className="hint">A virtual check-in after the treatment: the patient uploads photos and answers a few questions before it.</p>
      <ChartError error={types.error} />
      {types.data !== null && followUpTypes.length === 0 && <p>No follow-up visit type is set up yet: ask the practice admin to add one.</p>}
      {followUpTypes.length > 1 && (
        <Select label="Visit type" value={chosenType} onChange={setTypeId} options={followUpTypes.map((type) => ({ value: type.id, label: `${type.name} (${String(type.durationMinutes)} min)` }))} />
      )}
      <Field label="Day" type="date" value={day} onChange={setDay} hint="Times are in the patient’s time zone. Choosing a time books it." />
      <ChartError error={slots.error} />
      {slots.data !== null && slots.data.slots.length === 0 && !slots.loading && <p>No free times that day: try another day.</p>}
      <ul className="slots" aria-label="Free times">
        {slots.data?.slots.slice(0, 16).map((slot) => (
          <li key={slot.startsAt}>
            <button
              type="button"
              disabled={book.busy}
              onClick={() => {
                book.run(slot);
              }}
            >
              {slot.local.time}
            </button>
          </li>
        ))}
      </ul>
      <ChartError error={book.error} />
    </Section>
  );
}

function TreatmentSummary({ visit, treatment, onChanged }: { visit: Appointment; treatment: TreatmentView; onChanged: () => void }) {
  return (
    <>
      <Section title="Treatment recorded">
        <dl className="answers" data-testid="treatment-summary">
          <div>
            <dt>Product</dt>
            <dd>{treatment.content.product}</dd>
          </div>
          <div>
            <dt>Lot</dt>
            <dd>
              {treatment.content.lotNumber}, expires {formatDay(`${treatment.content.lotExpiry}T12:00:00Z`)}
            </dd>
          </div>
          <div>
            <dt>Total</dt>
            <dd>
              {treatment.content.totalAmount} {treatment.content.unit}
            </dd>
          </div>
          <div>
            <dt>By</dt>
            <dd>
              {treatment.providerName}, {formatWhen(treatment.treatedAt)}
            </dd>
          </div>
        </dl>
        <FaceMapView sites={treatment.content.sites} unit={treatment.content.unit} />
      </Section>
      {treatment.followUps.length > 0 ? (
        <Section title="Follow-up">
          <ul className="list" data-testid="booked-follow-ups">
            {treatment.followUps.map((followUp) => (
              <li key={followUp.appointmentId}>
                Follow-up visit {formatWhen(followUp.startsAt)} · {statusName(followUp.status)}
              </li>
            ))}
          </ul>
        </Section>
      ) : (
        <FollowUpBooking visit={visit} treatment={treatment} onBooked={onChanged} />
      )}
    </>
  );
}

/** The treatment screen of one in-person visit. */
export default function TreatmentScreen({ appointmentId }: { appointmentId: string }) {
  const visit = useAsync(() => api<Appointment>('GET', `/v1/appointments/${appointmentId}`), `visit-${appointmentId}`);
  const recorded = useAsync(
    () => api<{ treatment: TreatmentView | null }>('GET', `/v1/appointments/${appointmentId}/treatment`),
    `treatment-${appointmentId}`,
  );
  const [saved, setSaved] = useState<TreatmentView | null>(null);
  if (visit.data === null || recorded.data === null) {
    const error = visit.error ?? recorded.error;
    return error === null ? <p role="status">Loading the visit…</p> : <ChartError error={error} />;
  }
  const appointment = visit.data;
  const treatment = recorded.data.treatment ?? saved;
  return (
    <div className="stack">
      <h1>
        {visitName(appointment.kind)}
        {appointment.serviceCode === null ? '' : ` · ${serviceName(appointment.serviceCode)}`} · {appointment.patientName ?? 'Patient'}
      </h1>
      <p>
        {formatWhen(appointment.startsAt)} · <AppLink to={`/patients/${appointment.patientId}`}>Open patient chart</AppLink>
      </p>
      {appointment.kind !== 'treatment' ? (
        <p>This visit is not an in-person treatment. Treatments are recorded on their own in-person visit.</p>
      ) : treatment === null ? (
        <TreatmentForm
          visit={appointment}
          onSaved={(view) => {
            setSaved(view);
            recorded.reload();
          }}
        />
      ) : (
        <TreatmentSummary visit={appointment} treatment={treatment} onChanged={recorded.reload} />
      )}
    </div>
  );
}
