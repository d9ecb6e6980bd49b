/**
 * The health questions a patient answers before a Good Faith Exam. Each save is a new
 * version on the API (encrypted at rest); the provider reads them beside the video.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/http.js';
import type { IntakeContent, IntakeView, PregnancyAnswer } from '../chart/chartTypes.js';
import { formatWhen } from '../chart/labels.js';
import { ErrorMessage, Section, Select, TextArea, useAction, useAsync } from '../ui/components.js';

const EMPTY: IntakeContent = {
  medicalHistory: '',
  medications: '',
  allergies: '',
  pregnancyOrBreastfeeding: 'no',
  priorInjectables: '',
  priorComplications: '',
};

/** Answers to "pregnant or breastfeeding", in the patient's words. */
export const PREGNANCY_OPTIONS: readonly { value: PregnancyAnswer; label: string }[] = [
  { value: 'no', label: 'No' },
  { value: 'pregnant', label: 'I am pregnant' },
  { value: 'breastfeeding', label: 'I am breastfeeding' },
  { value: 'trying_to_conceive', label: 'I am trying to get pregnant' },
  { value: 'not_applicable', label: 'Does not apply to me' },
];

/** The intake card on the patient's Good Faith Exam visit. */
export function IntakeForm({ patientId }: { patientId: string }) {
  const current = useAsync(() => api<{ intake: IntakeView | null }>('GET', `/v1/patients/${patientId}/intake`), `intake-${patientId}`);
  const [draft, setDraft] = useState<IntakeContent>(EMPTY);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<IntakeView | null>(null);
  const intake = saved ?? current.data?.intake ?? null;
  useEffect(() => {
    if (current.data !== null) {
      setDraft(current.data.intake?.content ?? EMPTY);
      setEditing(current.data.intake === null);
    }
  }, [current.data]);
  const save = useAction(async () => {
    const view = await api<IntakeView>('PUT', `/v1/patients/${patientId}/intake`, {
      expectedVersion: intake?.version ?? 0,
      content: draft,
    });
    setSaved(view);
    setEditing(false);
  });
  const set = (key: keyof IntakeContent) => (value: string) => {
    setDraft((previous) => ({ ...previous, [key]: value }));
  };
  if (current.data === null) {
    return current.error === null ? <p role="status">Loading your health questions…</p> : <ErrorMessage error={current.error} />;
  }
  return (
    <Section title="Health questions for your Good Faith Exam">
      {!editing && intake !== null ? (
        <>
          <p className="ok" role="status">
            Thank you: your answers were saved {formatWhen(intake.updatedAt)}. Your provider reads them before your exam.
          </p>
          <button
            type="button"
            className="link"
            onClick={() => {
              setEditing(true);
            }}
          >
            Review or update my answers
          </button>
        </>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            save.run();
          }}
        >
          <p className="hint">Your provider needs these answers to decide which treatments are safe for you. Write “none” where nothing applies.</p>
          <TextArea label="Medical conditions and past surgeries" value={draft.medicalHistory} onChange={set('medicalHistory')} rows={3} />
          <TextArea label="Medicines and supplements you take" value={draft.medications} onChange={set('medications')} rows={3} />
          <TextArea label="Allergies (medicines, latex, foods)" value={draft.allergies} onChange={set('allergies')} rows={2} />
          <Select
            label="Are you pregnant or breastfeeding?"
            value={draft.pregnancyOrBreastfeeding}
            onChange={set('pregnancyOrBreastfeeding')}
            options={PREGNANCY_OPTIONS}
          />
          <TextArea label="Injectables you had before (what and when)" value={draft.priorInjectables} onChange={set('priorInjectables')} rows={2} />
          <TextArea label="Any problems after earlier treatments" value={draft.priorComplications} onChange={set('priorComplications')} rows={2} />
          <ErrorMessage error={save.error} />
          <button type="submit" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save my answers'}
          </button>
        </form>
      )}
    </Section>
  );
}
