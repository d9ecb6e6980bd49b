/**
 * `/patients/:patientId`: the chart a provider works from. Good Faith Exam status per
 * service with expiry, intake, treatments with face maps, visits, notes, photos, follow-up
 * answers, adverse events (file one here) and referrals to partner practices.
 */
import { useState } from 'react';
import { api } from '../api/http.js';
import { usePhotoUrl } from '../patient/FollowUpPanel.js';
import { IntakePanel } from '../provider/IntakePanel.js';
import { Field, Section, Select, TextArea, useAction, useAsync } from '../ui/components.js';
import { ChartError } from './ChartError.js';
import type { PatientTimeline, SymptomAnswers } from './chartTypes.js';
import { FaceMapView } from './FaceMap.js';
import { formatDay, formatWhen, serviceName, statusName, visitName } from './labels.js';
import { AppLink } from './Link.js';

const OUTCOME_NAMES = { cleared: 'Cleared', deferred: 'Deferred', not_cleared: 'Not cleared' } as const;

/** Adverse event severities in words. */
export const SEVERITY_OPTIONS = [
  { value: 'mild', label: 'Mild' },
  { value: 'moderate', label: 'Moderate' },
  { value: 'severe', label: 'Severe' },
  { value: 'life_threatening', label: 'Life-threatening' },
] as const;

/** A severity code in words. */
export function severityName(code: string): string {
  return SEVERITY_OPTIONS.find((option) => option.value === code)?.label ?? code;
}

function Exams({ exams }: { exams: PatientTimeline['exams'] }) {
  return (
    <Section title="Good Faith Exam status">
      {exams.length === 0 ? (
        <p>No Good Faith Exam yet: book one before any treatment.</p>
      ) : (
        <ul className="list" data-testid="exam-status">
          {exams.map((exam) => (
            <li key={exam.serviceCode}>
              <span>
                <strong>{serviceName(exam.serviceCode)}</strong>: {OUTCOME_NAMES[exam.outcome]} {formatDay(exam.decidedAt)}
              </span>
              {exam.outcome !== 'cleared' ? (
                <span className="pill bad">Not cleared for treatment</span>
              ) : exam.current ? (
                <span className="pill good">
                  {exam.everyTreatment ? 'Valid for the next treatment only' : `Valid until ${formatDay(exam.expiresAt ?? exam.decidedAt)}`}
                </span>
              ) : (
                <span className="pill warn">{exam.everyTreatment ? 'Used: a new exam is needed before the next treatment' : 'Expired: a new exam is needed'}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function Photo({ id, caption }: { id: string; caption: string }) {
  const url = usePhotoUrl(id);
  return (
    <figure>
      {url === null ? <p className="placeholder">Loading…</p> : <img src={url} alt={caption} />}
      <figcaption>{caption}</figcaption>
    </figure>
  );
}

const PHASE_NAMES = { before: 'Before', after: 'After', follow_up: 'Follow-up' } as const;
const PHASE_ORDER = { before: 0, after: 1, follow_up: 2 } as const;

/** Before photos first, then after, then follow-up; oldest first within a phase. */
function byPhase(a: PatientTimeline['photos'][number], b: PatientTimeline['photos'][number]): number {
  return PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase] || a.createdAt.localeCompare(b.createdAt);
}

function Answers({ answers }: { answers: SymptomAnswers }) {
  const yesNo = (value: boolean): string => (value ? 'Yes' : 'No');
  return (
    <dl className="answers">
      <div>
        <dt>Pain (0 to 10)</dt>
        <dd>{answers.painScore}</dd>
      </div>
      <div>
        <dt>Swelling / bruising</dt>
        <dd>
          {answers.swelling} / {answers.bruising}
        </dd>
      </div>
      <div>
        <dt>Uneven result</dt>
        <dd>{yesNo(answers.asymmetry)}</dd>
      </div>
      <div>
        <dt>Signs of infection</dt>
        <dd>{yesNo(answers.infectionSigns)}</dd>
      </div>
      <div>
        <dt>Vision or skin colour changes</dt>
        <dd>{yesNo(answers.visionOrSkinColourChanges)}</dd>
      </div>
      {answers.comments !== '' && (
        <div>
          <dt>Comments</dt>
          <dd>{answers.comments}</dd>
        </div>
      )}
    </dl>
  );
}

function AdverseEventForm({ timeline, onFiled }: { timeline: PatientTimeline; onFiled: () => void }) {
  const [what, setWhat] = useState('');
  const [when, setWhen] = useState('');
  const [severity, setSeverity] = useState('mild');
  const [followUp, setFollowUp] = useState('');
  const [treatmentId, setTreatmentId] = useState(timeline.treatments[0]?.id ?? '');
  const [done, setDone] = useState(false);
  const file = useAction(async () => {
    await api('POST', `/v1/patients/${timeline.patient.id}/adverse-events`, {
      what,
      occurredAt: new Date(when).toISOString(),
      severity,
      followUp,
      ...(treatmentId === '' ? {} : { treatmentId }),
    });
    setWhat('');
    setFollowUp('');
    setDone(true);
    onFiled();
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        setDone(false);
        file.run();
      }}
    >
      <h3>Report an adverse event</h3>
      <TextArea label="What happened" value={what} onChange={setWhat} rows={3} />
      <div className="grid-2">
        <Field label="When it happened" type="datetime-local" value={when} onChange={setWhen} required />
        <Select label="Severity" value={severity} onChange={setSeverity} options={SEVERITY_OPTIONS} />
      </div>
      {timeline.treatments.length > 0 && (
        <Select
          label="Related treatment"
          value={treatmentId}
          onChange={setTreatmentId}
          options={[
            { value: '', label: 'Not related to a recorded treatment' },
            ...timeline.treatments.map((t) => ({ value: t.id, label: `${serviceName(t.serviceCode)}, ${formatDay(t.treatedAt)} (${t.content.product})` })),
          ]}
        />
      )}
      <TextArea label="Follow-up planned or done" value={followUp} onChange={setFollowUp} rows={2} />
      <ChartError error={file.error} />
      {done && (
        <p role="status" className="ok">
          Report filed: the medical director has been notified in their adverse events list.
        </p>
      )}
      <button type="submit" disabled={file.busy || what.trim() === '' || when === ''}>
        File report
      </button>
    </form>
  );
}

function ReferralForm({ patientId }: { patientId: string }) {
  const [recipientName, setRecipientName] = useState('');
  const [recipientAddress, setRecipientAddress] = useState('');
  const [purpose, setPurpose] = useState('');
  const [informationDisclosed, setInformation] = useState('Consult notes and treatment records');
  const [sent, setSent] = useState(false);
  const refer = useAction(async () => {
    await api('POST', `/v1/patients/${patientId}/referrals`, { recipientName, recipientAddress, purpose, informationDisclosed });
    setSent(true);
  });
  return (
    <Section title="Refer to a partner practice">
      <p className="hint">
        Nothing is shared until the patient agrees in their portal; their agreement is recorded as a disclosure in their record.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setSent(false);
          refer.run();
        }}
      >
        <div className="grid-2">
          <Field label="Partner practice" value={recipientName} onChange={setRecipientName} required />
          <Field label="Partner address" value={recipientAddress} onChange={setRecipientAddress} required />
          <Field label="Reason for referral" value={purpose} onChange={setPurpose} required />
          <Field label="Information to share" value={informationDisclosed} onChange={setInformation} required />
        </div>
        <ChartError error={refer.error} />
        {sent && (
          <p role="status" className="ok">
            Referral sent to the patient for their consent.
          </p>
        )}
        <button type="submit" disabled={refer.busy}>
          Ask the patient to consent
        </button>
      </form>
    </Section>
  );
}

/** The patient chart screen. */
export default function PatientChart({ patientId }: { patientId: string }) {
  const timeline = useAsync(() => api<PatientTimeline>('GET', `/v1/patients/${patientId}/timeline`), `timeline-${patientId}`);
  if (timeline.data === null) {
    return timeline.error === null ? <p role="status">Loading the chart…</p> : <ChartError error={timeline.error} />;
  }
  const chart = timeline.data;
  const visitOf = (appointmentId: string) => chart.visits.find((visit) => visit.id === appointmentId);
  const visitLabel = (appointmentId: string): string => {
    const visit = visitOf(appointmentId);
    return visit === undefined ? 'Visit' : `${visitName(visit.kind)}, ${formatDay(visit.startsAt)}`;
  };
  return (
    <div className="stack">
      <h1>{chart.patient.name}</h1>
      <div className="grid-2">
        <div>
          <Exams exams={chart.exams} />
          <IntakePanel patientId={patientId} />
        </div>
        <div>
          <Section title="Follow-up answers">
            {chart.questionnaires.length === 0 ? (
              <p>No follow-up answers yet.</p>
            ) : (
              chart.questionnaires.map((entry) => (
                <div key={entry.appointmentId} className={`timeline-item${entry.needsUrgentReview ? ' urgent' : ''}`} data-testid="questionnaire-answers">
                  <p>
                    <strong>{visitLabel(entry.appointmentId)}</strong>, answered {formatWhen(entry.submittedAt)}
                    {entry.needsUrgentReview && <span className="pill bad"> Needs review before the visit</span>}
                  </p>
                  <Answers answers={entry.answers} />
                </div>
              ))
            )}
          </Section>
          <Section title="Photos">
            {chart.photos.length === 0 ? (
              <p>No photos yet.</p>
            ) : (
              <div className="photo-strip" data-testid="chart-photos">
                {[...chart.photos].sort(byPhase).map((photo) => (
                  <Photo key={photo.id} id={photo.id} caption={`${PHASE_NAMES[photo.phase]}, ${formatDay(photo.createdAt)}`} />
                ))}
              </div>
            )}
          </Section>
        </div>
      </div>
      <Section title="Treatments">
        {chart.treatments.length === 0 ? (
          <p>No treatments recorded.</p>
        ) : (
          chart.treatments.map((treatment) => (
            <div key={treatment.id} className="timeline-item" data-testid="chart-treatment">
              <p>
                <strong>
                  {serviceName(treatment.serviceCode)}, {formatWhen(treatment.treatedAt)}
                </strong>{' '}
                by {treatment.providerName}: {treatment.content.product}, lot {treatment.content.lotNumber} (expires{' '}
                {formatDay(`${treatment.content.lotExpiry}T12:00:00Z`)}), {treatment.content.totalAmount} {treatment.content.unit}
              </p>
              <FaceMapView sites={treatment.content.sites} unit={treatment.content.unit} />
              <p>
                {treatment.followUps.length === 0 ? (
                  <AppLink to={`/treatments/visit/${treatment.appointmentId}`}>Book the follow-up</AppLink>
                ) : (
                  treatment.followUps.map((f) => `Follow-up ${formatWhen(f.startsAt)} (${statusName(f.status)})`).join(' · ')
                )}
              </p>
            </div>
          ))
        )}
      </Section>
      <div className="grid-2">
        <Section title="Visits">
          <ul className="list">
            {chart.visits.map((visit) => (
              <li key={visit.id}>
                <span>
                  {visitName(visit.kind, visit.serviceCode)}, {formatWhen(visit.startsAt)} with {visit.providerName}
                </span>
                <span className="pill">{statusName(visit.status)}</span>
              </li>
            ))}
          </ul>
        </Section>
        <Section title="Notes">
          {chart.notes.length === 0 ? (
            <p>No notes yet.</p>
          ) : (
            <ul className="list">
              {chart.notes.map((note) => (
                <li key={note.id}>
                  <span>
                    {note.template === 'gfe' ? 'Good Faith Exam note' : 'Consult note'} for {visitLabel(note.appointmentId)} by {note.authorName}
                  </span>
                  <span className="pill">
                    {note.signedAt === null ? 'Draft' : `Signed ${formatDay(note.signedAt)}`}
                    {note.review === 'cosigned' ? ', co-signed' : note.review === 'returned' ? ', returned by the medical director' : ''}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      <Section title="Adverse events">
        {chart.adverseEvents.length === 0 ? (
          <p>None reported.</p>
        ) : (
          <ul className="list">
            {chart.adverseEvents.map((event) => (
              <li key={event.id}>
                <span>
                  {severityName(event.severity)}, {formatWhen(event.occurredAt)}
                </span>
                <span className={`pill ${event.status === 'open' ? 'warn' : 'good'}`}>{event.status === 'open' ? 'Open' : 'Closed'}</span>
              </li>
            ))}
          </ul>
        )}
        <AdverseEventForm timeline={chart} onFiled={timeline.reload} />
      </Section>
      <ReferralForm patientId={patientId} />
    </div>
  );
}
