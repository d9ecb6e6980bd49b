/**
 * `/exam-rules`: how long a Good Faith Exam clearance holds, per state, set by the medical
 * director ("valid N months" or "required before every treatment"). Booking and recording
 * a treatment check clearances against these rules.
 */
import { useState } from 'react';
import { api, sessionUser } from '../api/http.js';
import { US_STATES } from '../api/types.js';
import { Field, Section, Select, useAction, useAsync } from '../ui/components.js';
import { ChartError } from './ChartError.js';
import type { GfeValidity, GfeValidityRule } from './chartTypes.js';
import { formatDay } from './labels.js';

function describe(validity: GfeValidity): string {
  return validity.mode === 'months'
    ? `Valid ${String(validity.months)} month${validity.months === 1 ? '' : 's'}`
    : 'Required before every treatment';
}

/** The exam validity screen. */
export default function ExamRules() {
  const director = sessionUser()?.role === 'medical_director';
  const rules = useAsync(() => api<{ rules: GfeValidityRule[] }>('GET', '/v1/gfe-validity'), 'gfe-validity');
  const [state, setState] = useState('default');
  const [mode, setMode] = useState<'months' | 'every_treatment'>('months');
  const [months, setMonths] = useState('12');
  const [saved, setSaved] = useState<GfeValidityRule[] | null>(null);
  const list = saved ?? rules.data?.rules ?? [];
  const save = useAction(async () => {
    const body = mode === 'months' ? { mode, months: Number(months) } : { mode };
    setSaved((await api<{ rules: GfeValidityRule[] }>('PUT', `/v1/gfe-validity/${state}`, body)).rules);
  });
  const remove = useAction(async (ruleState: string) => {
    setSaved((await api<{ rules: GfeValidityRule[] }>('DELETE', `/v1/gfe-validity/${ruleState}`)).rules);
  });
  const hasDefault = list.some((rule) => rule.state === null);
  return (
    <div className="stack">
      <h1>Good Faith Exam validity</h1>
      <p className="hint">How long a Good Faith Exam clearance lets a patient be treated. A state’s own rule replaces the practice default there.</p>
      <Section title="Rules in force">
        <ChartError error={rules.error ?? remove.error} />
        <ul className="list" data-testid="validity-rules">
          {!hasDefault && (
            <li>
              <span>
                <strong>Practice default</strong>: the validity the provider sets on each exam
              </span>
            </li>
          )}
          {list.map((rule) => (
            <li key={rule.state ?? 'default'}>
              <span>
                <strong>{rule.state ?? 'Practice default'}</strong>: {describe(rule.validity)}{' '}
                <small className="muted">(since {formatDay(rule.updatedAt)})</small>
              </span>
              {director && rule.state !== null && (
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    remove.run(rule.state ?? '');
                  }}
                >
                  Use the default in {rule.state}
                </button>
              )}
            </li>
          ))}
        </ul>
      </Section>
      {director && (
        <Section title="Set a rule">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              save.run();
            }}
          >
            <div className="grid-2">
              <Select
                label="Where"
                value={state}
                onChange={setState}
                options={[{ value: 'default', label: 'Practice default (all states)' }, ...US_STATES.map((code) => ({ value: code, label: code }))]}
              />
              <Select
                label="How long a clearance holds"
                value={mode}
                onChange={(value) => {
                  setMode(value === 'every_treatment' ? 'every_treatment' : 'months');
                }}
                options={[
                  { value: 'months', label: 'Valid for a number of months' },
                  { value: 'every_treatment', label: 'Required before every treatment' },
                ]}
              />
              {mode === 'months' && <Field label="Months" type="number" inputMode="numeric" value={months} onChange={setMonths} />}
            </div>
            <ChartError error={save.error} />
            <button type="submit" disabled={save.busy}>
              Save rule
            </button>
          </form>
        </Section>
      )}
    </div>
  );
}
