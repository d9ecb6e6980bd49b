import type { AckCallback, ClientToServerEvents, clientRequestSchemas } from '@medspa/shared-types';
import type { z } from 'zod';
import type { PeerSession } from '../PeerSession.js';

export type ClientEvent = keyof ClientToServerEvents;

/** The validated payload of a client event. */
export type RequestOf<E extends ClientEvent> = z.infer<(typeof clientRequestSchemas)[E]>;

/** What the ack of a client event carries on success. */
export type ResultOf<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[1] extends AckCallback<infer R> ? R : never;

/** Handles one client event for one session; throws SignalingError to refuse. */
export type Handler<E extends ClientEvent> = (session: PeerSession, request: RequestOf<E>) => Promise<ResultOf<E>>;

export type HandlerMap<E extends ClientEvent> = { [K in E]: Handler<K> };
