/** Consult note beside the video: SOAP or GFE template, autosave as versions, sign-and-lock. */
import { useEffect, useState } from 'react';
import { ApiError, api } from '../api/http.js';
import type { Appointment } from '../api/types.js';
import { ErrorMessage, Field, Section, Select, TextArea, useAction } from '../ui/components.js';

type Outcome = 'cleared' | 'deferred' | 'not_cleared';

interface ServiceAssessment {
  serviceCode: string;
  outcome: Outcome;
  validForDays?: number;
  rationale?: string;
}

interface SoapContent {
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
  patientSummary: string;
}

interface GfeContent {
  history: string;
  contraindications: string;
  servicesAssessed: ServiceAssessment[];
  patientSummary: string;
}

interface NoteView {
  id: string;
  template: 'soap' | 'gfe';
  status: 'draft' | 'signed';
  version: number;
  signedAt: string | null;
  content: SoapContent | GfeContent;
}

const EMPTY_SOAP: SoapContent = { subjective: '', objective: '', assessment: '', plan: '', patientSummary: '' };
const EMPTY_GFE: GfeContent = { history: '', contraindications: '', servicesAssessed: [], patientSummary: '' };
/** Default clearance period offered in the GFE form; the provider can change it per service. */
const DEFAULT_CLEARANCE_DAYS = '365';

async function loadNote(appointment: Appointment): Promise<NoteView | null> {
  const { notes } = await api<{ notes: { id: string; appointmentId: string }[] }>('GET', `/v1/patients/${appointment.patientId}/notes`);
  const existing = notes.find((note) => note.appointmentId === appointment.id);
  return existing === undefined ? null : api<NoteView>('GET', `/v1/notes/${existing.id}`);
}

function GfeServices({ services, onChange, readOnly }: { services: ServiceAssessment[]; onChange: (next: ServiceAssessment[]) => void; readOnly: boolean }) {
  const [code, setCode] = useState('neuromodulator');
  const [outcome, setOutcome] = useState<Outcome>('cleared');
  const [days, setDays] = useState(DEFAULT_CLEARANCE_DAYS);
  return (
    <fieldset>
      <legend>Services assessed</legend>
      <ul className="list">
        {services.map((service) => (
          <li key={service.serviceCode}>
            <span>
              {service.serviceCode}: {service.outcome.replace('_', ' ')}
              {service.validForDays === undefined ? '' : ` for ${service.validForDays} days`}
            </span>
            {!readOnly && (
              <button
                type="button"
                className="link"
                aria-label={`Remove ${service.serviceCode}`}
                onClick={() => {
                  onChange(services.filter((other) => other.serviceCode !== service.serviceCode));
                }}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {!readOnly && (
        <div className="row wrap">
          <Field label="Service code" value={code} onChange={setCode} pattern="[a-z0-9_]{1,64}" hint="e.g. neuromodulator, filler" />
          <Select
            label="Outcome"
            value={outcome}
            onChange={(value) => {
              setOutcome(value as Outcome);
            }}
            options={[
              { value: 'cleared', label: 'Cleared' },
              { value: 'deferred', label: 'Deferred' },
              { value: 'not_cleared', label: 'Not cleared' },
            ]}
          />
          {outcome === 'cleared' && <Field label="Valid for (days)" value={days} onChange={setDays} inputMode="numeric" />}
          <button
            type="button"
            onClick={() => {
              const entry: ServiceAssessment = { serviceCode: code, outcome, ...(outcome === 'cleared' ? { validForDays: Number(days) } : {}) };
              onChange([...services.filter((other) => other.serviceCode !== code), entry]);
            }}
          >
            Add service
          </button>
        </div>
      )}
    </fieldset>
  );
}

/** The note editor for one visit. */
export function NotesPanel({ appointment }: { appointment: Appointment }) {
  const template = appointment.kind === 'gfe' ? 'gfe' : 'soap';
  const [note, setNote] = useState<NoteView | null>(null);
  const [content, setContent] = useState<SoapContent | GfeContent>(template === 'gfe' ? EMPTY_GFE : EMPTY_SOAP);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    loadNote(appointment).then(
      (existing) => {
        if (existing !== null) {
          setNote(existing);
          setContent(existing.content);
        }
      },
      setLoadError,
    );
  }, [appointment]);
  const save = useAction(async () => {
    const next =
      note === null
        ? await api<NoteView>('POST', `/v1/appointments/${appointment.id}/note`, { template, content })
        : await api<NoteView>('PUT', `/v1/notes/${note.id}`, { expectedVersion: note.version, content });
    setNote(next);
    setSaved(`Saved version ${next.version}`);
  });
  const sign = useAction(async () => {
    if (note === null) return;
    try {
      setNote(await api<NoteView>('POST', `/v1/notes/${note.id}/sign`, { expectedVersion: note.version }));
      setSaved('Signed and locked');
    } catch (error) {
      if (error instanceof ApiError && error.code === 'version_conflict') throw new Error('The note changed elsewhere: reload before signing', { cause: error });
      throw error;
    }
  });
  const locked = note?.status === 'signed';
  const set = (field: string) => (value: string) => {
    setContent({ ...content, [field]: value });
  };
  return (
    <Section title={template === 'gfe' ? 'Good Faith Exam' : 'Consult note (SOAP)'} className="card notes">
      <ErrorMessage error={loadError} />
      {locked && <p className="badge">Signed and locked{note.signedAt === null ? '' : ` ${new Date(note.signedAt).toLocaleString()}`}</p>}
      {'subjective' in content ? (
        <>
          <TextArea label="Subjective" value={content.subjective} onChange={set('subjective')} readOnly={locked} />
          <TextArea label="Objective" value={content.objective} onChange={set('objective')} readOnly={locked} />
          <TextArea label="Assessment" value={content.assessment} onChange={set('assessment')} readOnly={locked} />
          <TextArea label="Plan" value={content.plan} onChange={set('plan')} readOnly={locked} />
        </>
      ) : (
        <>
          <TextArea label="History" value={content.history} onChange={set('history')} readOnly={locked} />
          <TextArea label="Contraindications" value={content.contraindications} onChange={set('contraindications')} readOnly={locked} />
          <GfeServices
            services={content.servicesAssessed}
            readOnly={locked}
            onChange={(servicesAssessed) => {
              setContent({ ...content, servicesAssessed });
            }}
          />
        </>
      )}
      <TextArea label="Summary for the patient" value={content.patientSummary} onChange={set('patientSummary')} readOnly={locked} rows={3} />
      <ErrorMessage error={save.error ?? sign.error} />
      {saved !== null && <p role="status">{saved}</p>}
      {!locked && (
        <div className="row">
          <button type="button" onClick={save.run} disabled={save.busy}>
            Save draft
          </button>
          <button type="button" onClick={sign.run} disabled={sign.busy || note === null}>
            Sign and lock
          </button>
        </div>
      )}
    </Section>
  );
}
