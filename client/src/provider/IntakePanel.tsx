/** The patient's intake answers beside the video during a Good Faith Exam (read audited by the API). */
import { useEffect, useState } from 'react';
import { api } from '../api/http.js';
import type { IntakeView } from '../chart/chartTypes.js';
import { formatWhen } from '../chart/labels.js';
import { PREGNANCY_OPTIONS } from '../patient/IntakeForm.js';
import { ErrorMessage, Section, Select, useAsync } from '../ui/components.js';

function Answer({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value.trim() === '' ? <span className="muted">No answer</span> : value}</dd>
    </div>
  );
}

/** Intake answers of `patientId`: the newest version, or an earlier one picked from the list. */
export function IntakePanel({ patientId }: { patientId: string }) {
  const [version, setVersion] = useState<number | null>(null);
  const intake = useAsync(
    () => api<{ intake: IntakeView | null }>('GET', `/v1/patients/${patientId}/intake${version === null ? '' : `?version=${String(version)}`}`),
    `intake-${patientId}-${String(version)}`,
  );
  const [latest, setLatest] = useState(0);
  const view = intake.data?.intake ?? null;
  useEffect(() => {
    if (version === null && view !== null) setLatest(view.version);
  }, [version, view]);
  const pregnancy = PREGNANCY_OPTIONS.find((option) => option.value === view?.content.pregnancyOrBreastfeeding)?.label ?? '';
  return (
    <Section title="Intake answers">
      <ErrorMessage error={intake.error} />
      {intake.data !== null && view === null && <p>The patient has not answered the health questions yet.</p>}
      {view !== null && (
        <>
          <p className="muted">
            Version {view.version}
            {view.version === latest ? ' (latest)' : ''}, saved {formatWhen(view.updatedAt)}
          </p>
          {latest > 1 && (
            <Select
              label="Show version"
              value={String(version ?? latest)}
              onChange={(value) => {
                setVersion(Number(value) === latest ? null : Number(value));
              }}
              options={Array.from({ length: latest }, (_, index) => latest - index).map((n) => ({
                value: String(n),
                label: n === latest ? `Version ${String(n)} (latest)` : `Version ${String(n)}`,
              }))}
            />
          )}
          <dl className="answers" data-testid="intake-answers">
            <Answer label="Medical history" value={view.content.medicalHistory} />
            <Answer label="Medicines" value={view.content.medications} />
            <Answer label="Allergies" value={view.content.allergies} />
            <Answer label="Pregnant or breastfeeding" value={pregnancy} />
            <Answer label="Earlier injectables" value={view.content.priorInjectables} />
            <Answer label="Earlier complications" value={view.content.priorComplications} />
          </dl>
        </>
      )}
      <button type="button" className="link" onClick={intake.reload}>
        Refresh answers
      </button>
    </Section>
  );
}
