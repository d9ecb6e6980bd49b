/**
 * `/review`: the medical director's chart review. A share of signed charts (default 10%)
 * is sampled into the queue, each due 72 hours after signing; the director reads the note
 * and co-signs it or returns it with comments. Injectors see their own reviewed charts.
 */
import { useState } from 'react';
import { api, sessionUser } from '../api/http.js';
import { Field, Section, TextArea, useAction, useAsync } from '../ui/components.js';
import { ChartError } from './ChartError.js';
import type { ReviewItem } from './chartTypes.js';
import { formatWhen, serviceName } from './labels.js';
import { AppLink } from './Link.js';

const FIELD_NAMES: Record<string, string> = {
  subjective: 'Subjective',
  objective: 'Objective',
  assessment: 'Assessment',
  plan: 'Plan',
  patientSummary: 'Summary for the patient',
  history: 'History',
  contraindications: 'Contraindications',
};

interface NoteView {
  content: Record<string, unknown>;
}

function NoteContent({ noteId }: { noteId: string }) {
  const note = useAsync(() => api<NoteView>('GET', `/v1/notes/${noteId}`), `note-${noteId}`);
  if (note.data === null) return note.error === null ? <p role="status">Loading the note…</p> : <ChartError error={note.error} />;
  return (
    <dl className="answers" data-testid="review-note">
      {Object.entries(note.data.content).map(([key, value]) => (
        <div key={key}>
          <dt>{FIELD_NAMES[key] ?? (key === 'servicesAssessed' ? 'Services assessed' : key)}</dt>
          <dd>
            {Array.isArray(value)
              ? value
                  .map((entry) => {
                    const service = entry as { serviceCode?: string; outcome?: string; validForDays?: number };
                    return `${serviceName(service.serviceCode ?? '')}: ${(service.outcome ?? '').replace('_', ' ')}${service.validForDays === undefined ? '' : ` for ${String(service.validForDays)} days`}`;
                  })
                  .join('; ')
              : String(value) === ''
                ? <span className="muted">Not filled in</span>
                : String(value)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function ReviewCard({ item, director, onDecided }: { item: ReviewItem; director: boolean; onDecided: () => void }) {
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const decide = useAction(async (decision: 'cosign' | 'return') => {
    await api('POST', `/v1/chart-reviews/${item.id}/decision`, { decision, comment });
    onDecided();
  });
  const kind = item.template === 'gfe' ? 'Good Faith Exam note' : 'Consult note';
  return (
    <li className="timeline-item" data-testid="review-item">
      <p>
        <strong>{item.patientName}</strong> · {kind} by {item.authorName}, signed {formatWhen(item.signedAt)}
      </p>
      {item.status === 'pending' ? (
        <p className={item.overdue ? 'error' : 'muted'}>
          {item.overdue ? 'Overdue: was due' : 'Due'} {formatWhen(item.dueAt)}
        </p>
      ) : (
        <p>
          <span className={`pill ${item.status === 'cosigned' ? 'good' : 'warn'}`}>{item.status === 'cosigned' ? 'Co-signed' : 'Returned'}</span> by{' '}
          {item.reviewerName} {item.decidedAt === null ? '' : formatWhen(item.decidedAt)}
          {item.comment !== null && <span>: “{item.comment}”</span>}
        </p>
      )}
      <div className="row wrap">
        <button
          type="button"
          className="link"
          aria-expanded={open}
          onClick={() => {
            setOpen(!open);
          }}
        >
          {open ? 'Hide note' : 'Read note'}
        </button>
        <AppLink to={`/patients/${item.patientId}`}>Patient chart</AppLink>
      </div>
      {open && <NoteContent noteId={item.noteId} />}
      {director && item.status === 'pending' && open && (
        <div>
          <TextArea label="Comments for the author (required to return)" value={comment} onChange={setComment} rows={2} />
          <ChartError error={decide.error} />
          <div className="row wrap">
            <button
              type="button"
              disabled={decide.busy}
              onClick={() => {
                decide.run('cosign');
              }}
            >
              Co-sign
            </button>
            <button
              type="button"
              className="danger"
              disabled={decide.busy || comment.trim() === ''}
              onClick={() => {
                decide.run('return');
              }}
            >
              Return to author
            </button>
          </div>
        </div>
      )}
    </li>
  );
}

function SampleSetting() {
  const settings = useAsync(() => api<{ samplePercent: number }>('GET', '/v1/chart-review/settings'), 'review-settings');
  const [percent, setPercent] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const shown = percent ?? (settings.data === null ? '' : String(settings.data.samplePercent));
  const save = useAction(async () => {
    await api('PUT', '/v1/chart-review/settings', { samplePercent: Number(shown) });
    setSaved(true);
    settings.reload();
  });
  return (
    <form
      className="row wrap"
      onSubmit={(event) => {
        event.preventDefault();
        setSaved(false);
        save.run();
      }}
    >
      <Field
        label="Share of signed charts to review (%)"
        type="number"
        inputMode="numeric"
        value={shown}
        onChange={(value) => {
          setPercent(value);
        }}
        hint="Charts are picked at random when signed and are due within 72 hours."
      />
      <button type="submit" className="field" disabled={save.busy}>
        Save share
      </button>
      {saved && (
        <p role="status" className="ok">
          Saved.
        </p>
      )}
      <ChartError error={save.error ?? settings.error} />
    </form>
  );
}

/** The chart review screen. */
export default function ChartReview() {
  const director = sessionUser()?.role === 'medical_director';
  const queue = useAsync(() => api<{ reviews: ReviewItem[] }>('GET', '/v1/chart-review/queue'), 'review-queue');
  const reviews = queue.data?.reviews ?? [];
  const pending = reviews.filter((item) => item.status === 'pending');
  const decided = reviews.filter((item) => item.status !== 'pending');
  return (
    <div className="stack">
      <h1>{director ? 'Chart review' : 'My reviewed charts'}</h1>
      {director && (
        <Section title="Sample">
          <SampleSetting />
        </Section>
      )}
      <Section title={`Waiting for review (${String(pending.length)})`}>
        <ChartError error={queue.error} />
        {pending.length === 0 && !queue.loading && <p>No charts are waiting for review.</p>}
        <ul className="list">
          {pending.map((item) => (
            <ReviewCard key={item.id} item={item} director={director} onDecided={queue.reload} />
          ))}
        </ul>
        <button type="button" className="link" onClick={queue.reload}>
          Refresh
        </button>
      </Section>
      <Section title="Reviewed in the last 30 days">
        {decided.length === 0 ? <p>None yet.</p> : null}
        <ul className="list">
          {decided.map((item) => (
            <ReviewCard key={item.id} item={item} director={director} onDecided={queue.reload} />
          ))}
        </ul>
      </Section>
    </div>
  );
}
