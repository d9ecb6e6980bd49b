import type { Ack, ClientToServerEvents, ServerToClientEvents } from '@medspa/shared-types';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects to the SFU; resolves once connected, rejects with the refusal code otherwise. */
export function connect(url: string, auth: unknown): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, { auth: auth as Record<string, unknown>, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      resolve(socket);
    });
    socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
      socket.close();
      reject(Object.assign(new Error(error.message), { code: error.data?.code ?? 'connect_error' }));
    });
  });
}

/** Sends a request and resolves to its ack (success or error alike). */
export function request(socket: ClientSocket, event: keyof ClientToServerEvents, payload: unknown): Promise<Ack<Record<string, unknown>>> {
  return new Promise((resolve) => {
    (socket as unknown as { emit: (name: string, data: unknown, ack: (result: Ack<Record<string, unknown>>) => void) => void }).emit(
      event,
      payload,
      resolve,
    );
  });
}

/** Resolves with the next payload of a server event. */
export function next<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve) => {
    (socket as unknown as { once: (name: string, fn: (payload: Parameters<ServerToClientEvents[E]>[0]) => void) => void }).once(event, resolve);
  });
}
