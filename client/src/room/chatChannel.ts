/**
 * In-call chat of one room session, end-to-end encrypted (e2ee/chatCrypto.ts): keys follow
 * the E2EE session's media keys, messages travel through the SFU only as sealed blobs, and
 * the plain text lives only in the participants' pages (never stored by any server; the
 * provider may save a message to the chart on purpose, see chatUi.tsx).
 */
import type { SealedChatMessage } from '../e2ee/chatCrypto.js';
import { deriveChatKey, openChat, sealChat } from '../e2ee/chatCrypto.js';
import type { SenderKey } from '../e2ee/E2eeSession.js';

/** One line of the chat as the UI shows it. */
export interface ChatMessage {
  id: string;
  /** The sender's participant (user) id. */
  fromUserId: string;
  self: boolean;
  text: string;
  /** Epoch ms, on this device's clock. */
  at: number;
}

/** Older media keys of a participant kept for messages still in flight across a rotation. */
const KEYS_KEPT_PER_PARTICIPANT = 4;
/** Messages kept in memory (a consult is short; this bounds a runaway sender). */
const MAX_MESSAGES = 500;

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Runtime check of a relayed sealed message: it comes from another browser through the SFU. */
export function parseSealedChat(value: unknown): SealedChatMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { keyIndex, iv, ciphertext } = value as Record<string, unknown>;
  if (typeof keyIndex !== 'number' || !Number.isInteger(keyIndex) || keyIndex < 0 || keyIndex > 255) return null;
  if (typeof iv !== 'string' || iv.length !== 16 || !B64URL.test(iv)) return null;
  if (typeof ciphertext !== 'string' || ciphertext.length > 16_384 || !B64URL.test(ciphertext)) return null;
  return { keyIndex, iv, ciphertext };
}

/** Where chat keys come from: the room's E2EE session (only certified key holders have keys). */
export interface ChatKeySource {
  currentSendKey(): SenderKey | null;
  peerKey(userId: string, keyIndex: number): Promise<SenderKey | null>;
}

export interface ChatChannelOptions {
  selfId: string;
  keys: ChatKeySource;
  /** Hands a sealed message to the relay (the SFU's `chat` request). */
  relay: (sealed: SealedChatMessage) => Promise<void>;
}

/** Chat keys, history and the send/receive paths of one room session. */
export class ChatChannel {
  readonly #selfId: string;
  readonly #relay: ChatChannelOptions['relay'];
  readonly #source: ChatKeySource;
  /** Derived chat keys by "<participant>:<key index>", oldest first. */
  readonly #keys = new Map<string, Promise<CryptoKey>>();
  #messages: ChatMessage[] = [];
  #undecryptable = 0;
  readonly #listeners = new Set<(messages: ChatMessage[]) => void>();
  #sequence = 0;

  constructor(options: ChatChannelOptions) {
    this.#selfId = options.selfId;
    this.#relay = options.relay;
    this.#source = options.keys;
  }

  get messages(): ChatMessage[] {
    return this.#messages;
  }

  /** Messages that could not be opened (no key yet, or not sealed by the claimed sender). */
  get undecryptable(): number {
    return this.#undecryptable;
  }

  subscribe(listener: (messages: ChatMessage[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The chat key for a participant's media key (derived once, a few kept per participant). */
  #chatKey(participantId: string, key: SenderKey): Promise<CryptoKey> {
    const id = `${participantId}:${String(key.keyIndex)}`;
    let derived = this.#keys.get(id);
    if (derived === undefined) {
      derived = deriveChatKey(key.material, participantId, key.keyIndex);
      this.#keys.set(id, derived);
      while (this.#keys.size > KEYS_KEPT_PER_PARTICIPANT * 4) {
        const oldest = this.#keys.keys().next().value;
        if (oldest === undefined) break;
        this.#keys.delete(oldest);
      }
    }
    return derived;
  }

  /** Seals and sends; resolves once the SFU accepted it. */
  async send(text: string): Promise<void> {
    const current = this.#source.currentSendKey();
    if (current === null) throw new Error('chat_not_ready');
    const sealed = await sealChat(await this.#chatKey(this.#selfId, current), this.#selfId, current.keyIndex, text);
    await this.#relay(sealed);
    this.#push({ fromUserId: this.#selfId, self: true, text });
  }

  /** A sealed message from `fromUserId` (the relay's stamped sender, mapped to a participant). */
  async receive(fromUserId: string, value: unknown): Promise<void> {
    const sealed = parseSealedChat(value);
    // Only a certified key holder has a key here (E2eeSession.peerKey): a ghost's chat never opens.
    const key = sealed === null ? null : await this.#source.peerKey(fromUserId, sealed.keyIndex);
    if (sealed === null || key === null) {
      this.#undecryptable += 1;
      return;
    }
    try {
      this.#push({ fromUserId, self: false, text: await openChat(await this.#chatKey(fromUserId, key), fromUserId, sealed) });
    } catch {
      this.#undecryptable += 1;
    }
  }

  #push(message: Omit<ChatMessage, 'id' | 'at'>): void {
    this.#sequence += 1;
    this.#messages = [...this.#messages, { ...message, id: `m${String(this.#sequence)}`, at: Date.now() }].slice(-MAX_MESSAGES);
    for (const listener of this.#listeners) listener(this.#messages);
  }
}
