import { e2eeRelayHandlers } from './e2eeRelayHandlers.js';
import { mediaHandlers } from './mediaHandlers.js';
import { roomHandlers } from './roomHandlers.js';
import type { ClientEvent, HandlerMap } from './types.js';
import { visitHandlers } from './visitHandlers.js';

/** Every client event's handler, looked up by event name (no signaling switch). */
export const handlers: HandlerMap<ClientEvent> = { ...roomHandlers, ...mediaHandlers, ...e2eeRelayHandlers, ...visitHandlers };
