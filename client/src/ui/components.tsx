/** Small accessible building blocks shared by every screen. */
import { useCallback, useEffect, useId, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError } from '../api/http.js';

/** A labelled input: the label is always programmatically tied to the control. */
export function Field(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  required?: boolean;
  autoComplete?: string;
  inputMode?: 'numeric' | 'text' | 'email';
  hint?: string;
  pattern?: string;
  minLength?: number;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        pattern={props.pattern}
        minLength={props.minLength}
        aria-describedby={props.hint === undefined ? undefined : hintId}
        onChange={(event) => {
          props.onChange(event.target.value);
        }}
      />
      {props.hint !== undefined && (
        <small id={hintId} className="hint">
          {props.hint}
        </small>
      )}
    </div>
  );
}

/** A labelled multi-line input. */
export function TextArea(props: { label: string; value: string; onChange: (value: string) => void; rows?: number; readOnly?: boolean }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        rows={props.rows ?? 4}
        value={props.value}
        readOnly={props.readOnly}
        onChange={(event) => {
          props.onChange(event.target.value);
        }}
      />
    </div>
  );
}

/** A labelled select. */
export function Select(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly { value: string; label: string }[];
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        onChange={(event) => {
          props.onChange(event.target.value);
        }}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Human text for an error; API codes stay visible for support. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}

/** Announced error message (role=alert), or nothing. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p role="alert" className="error">
      {errorText(error)}
    </p>
  );
}

/** A titled region; the heading labels the section for screen readers. */
export function Section({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className={className ?? 'card'}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export interface AsyncState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads data once per `key` change; `reload` fetches again. */
export function useAsync<T>(load: () => Promise<T>, key: string): AsyncState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  // `load` is recreated on every render; `key` says when the inputs really changed.
  const stableLoad = useCallback(load, [key]);
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    stableLoad().then(
      (value) => {
        if (!cancelled) {
          setData(value);
          setError(null);
          setLoading(false);
        }
      },
      (failure: unknown) => {
        if (!cancelled) {
          setError(failure);
          setLoading(false);
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [stableLoad, generation]);
  return {
    data,
    error,
    loading,
    reload: () => {
      setGeneration((value) => value + 1);
    },
  };
}

/** Runs an action from a button, tracking busy and error state. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = (...args: A): void => {
    setBusy(true);
    setError(null);
    action(...args).then(
      () => {
        setBusy(false);
      },
      (failure: unknown) => {
        setError(failure);
        setBusy(false);
      },
    );
  };
  return { run, busy, error };
}

/** Formats an instant for people in the browser's zone. */
export function formatInstant(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
