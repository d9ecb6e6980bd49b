import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from './config.js';
import type { Coordination } from './coordination/coordination.js';
import type { Mailer } from './mail/mailer.js';
import type { TokenService } from './auth/tokens.js';
import type { LiveNudges } from './modules/live/liveUpdates.js';
import type { AppointmentNotices } from './modules/notifications/appointmentNotices.js';
import type { WaitingRoomBoard } from './modules/rooms/waitingRoomBoard.js';

/** Long-lived dependencies handed to route factories and services. */
export interface ApiServices {
  config: Config;
  logger: Logger;
  /** Connections run as the restricted role: row-level security applies. */
  dataSource: DataSource;
  /** Signs/verifies the API's ES256 JWTs (access, MFA-enrolment and SFU room tokens). */
  tokens: TokenService;
  /** What API instances share: SFU placement, rate limits, slots (Redis, or in-process). */
  coordination: Coordination;
  /** Sends email (SMTP, or the outbox folder in development). */
  mailer: Mailer;
  /** Appointment emails and reminders as durable jobs (pg-boss). */
  notices: AppointmentNotices;
  /** Flipped at shutdown so readiness fails before connections close. */
  lifecycle: { shuttingDown: boolean };
  /** Who waits in which visit room (fed by SFU room events), for the schedule's live alert. */
  waitingRoom: WaitingRoomBoard;
  /** PHI-free "fetch again" nudges to staff screens on the live channel (every API instance with Redis). */
  live: LiveNudges;
}
