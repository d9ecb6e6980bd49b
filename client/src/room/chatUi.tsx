/** In-call chat panel: end-to-end encrypted messages; the provider may save one to the chart. */
import { useState } from 'react';
import type { ChatMessage } from './chatChannel.js';
import type { RoomConnection, RoomState } from './RoomConnection.js';
import { CHAT_MAX_CHARS } from '../e2ee/chatCrypto.js';
import { Section } from '../ui/components.js';

export interface ChatPanelProps {
  room: RoomConnection | null;
  state: RoomState;
  /** How the other side is named ("Your provider", "Patient"). */
  otherLabel: string;
  /** Provider only: stores a message in the chart; resolves once saved. */
  onSave?: (message: ChatMessage) => Promise<void>;
}

function timeOf(at: number): string {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(at);
}

function SaveButton({ message, onSave }: { message: ChatMessage; onSave: (message: ChatMessage) => Promise<void> }) {
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved'>('idle');
  const [error, setError] = useState<string | null>(null);
  if (status === 'saved') return <span className="muted">Saved to chart</span>;
  return (
    <>
      <button
        type="button"
        className="link"
        disabled={status === 'saving'}
        onClick={() => {
          setStatus('saving');
          setError(null);
          onSave(message).then(
            () => {
              setStatus('saved');
            },
            (failure: unknown) => {
              setStatus('idle');
              setError(failure instanceof Error ? failure.message : 'Could not save to the chart.');
            },
          );
        }}
      >
        Save to chart
      </button>
      {error !== null && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </>
  );
}

/** The chat of the visit; sending needs the encrypted session to be up. */
export function ChatPanel({ room, state, otherLabel, onSave }: ChatPanelProps) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const ready = state.phase === 'in_room' && state.e2ee.status === 'active' && room !== null;
  const send = async (): Promise<void> => {
    const text = draft.trim();
    if (text === '' || room === null) return;
    setSending(true);
    setError(null);
    try {
      await room.sendChat(text);
      setDraft('');
    } catch {
      setError('Your message could not be sent. Please try again.');
    } finally {
      setSending(false);
    }
  };
  return (
    <Section title="Chat" className="card chat">
      <p className="muted">End-to-end encrypted: only the people in this visit can read these messages. They are not kept after the visit.</p>
      {state.chat.length === 0 ? (
        <p className="muted">No messages yet.</p>
      ) : (
        <ol className="chat-log" aria-live="polite" data-testid="chat-log">
          {state.chat.map((message) => (
            <li key={message.id} className={message.self ? 'chat-self' : 'chat-other'} data-testid="chat-message">
              <span className="chat-meta">
                {message.self ? 'You' : (state.e2ee.holders.find((holder) => holder.userId === message.fromUserId)?.name ?? otherLabel)} · {timeOf(message.at)}
              </span>
              <span className="chat-text">{message.text}</span>
              {onSave !== undefined && <SaveButton message={message} onSave={onSave} />}
            </li>
          ))}
        </ol>
      )}
      <form
        className="chat-form"
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <label>
          Message
          <input
            type="text"
            value={draft}
            maxLength={CHAT_MAX_CHARS}
            autoComplete="off"
            disabled={!ready}
            onChange={(event) => {
              setDraft(event.target.value);
            }}
          />
        </label>
        <button type="submit" disabled={!ready || sending || draft.trim() === ''}>
          Send
        </button>
      </form>
      {!ready && state.phase === 'in_room' && <p className="muted">Chat opens once the encrypted connection is set up.</p>}
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </Section>
  );
}
