import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

/** What a wrtc peer process reports over IPC (see wrtcPeer.mjs). */
export type PeerMessage =
  | { type: 'joined'; status: 'waiting' | 'admitted' }
  | { type: 'admitted' }
  | { type: 'media'; generation: number }
  | { type: 'receiving'; generation: number; width: number; height: number }
  | { type: 'reconnectRequired'; reason: string }
  | { type: 'transportState'; direction: 'send' | 'recv'; state: 'connected' | 'failed' }
  | { type: 'disconnected'; reason: string }
  | { type: 'error'; code: string; message: string };

/** A headless WebRTC participant in a child process (wrtc must exit explicitly). */
export class PeerProcess {
  readonly messages: PeerMessage[] = [];
  readonly #child: ChildProcess;
  readonly #waiters = new Set<() => void>();

  constructor(args: string[]) {
    this.#child = fork(path.join(__dirname, 'wrtcPeer.mjs'), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (message: PeerMessage) => {
      this.messages.push(message);
      for (const wake of this.#waiters) wake();
    });
  }

  /** Resolves with the first message (already received or future) that matches. */
  async waitFor(match: (message: PeerMessage) => boolean, timeoutMs = 90_000): Promise<PeerMessage> {
    const found = (): PeerMessage | undefined => this.messages.find(match);
    const existing = found();
    if (existing !== undefined) return existing;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`peer message not received; got ${JSON.stringify(this.messages)}`));
      }, timeoutMs);
      const check = (): void => {
        const message = found();
        if (message !== undefined) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve(message);
        }
      };
      this.#waiters.add(check);
    });
  }

  errors(): PeerMessage[] {
    return this.messages.filter((message) => message.type === 'error');
  }

  /** Asks the process to exit and waits for it (killing it if it hangs). */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => { resolve(); }));
    this.#child.send({ type: 'exit' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
