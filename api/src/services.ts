import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from './config.js';
import type { Mailer } from './mail/mailer.js';
import type { TokenService } from './modules/identity/tokens.js';
import type { WaitingRoomBoard } from './modules/rooms/waitingRoomBoard.js';

/** Long-lived dependencies handed to route factories and services. */
export interface ApiServices {
  config: Config;
  logger: Logger;
  /** Connections run as the restricted role: row-level security applies. */
  dataSource: DataSource;
  /** Signs/verifies the API's ES256 JWTs (access, MFA-enrolment and SFU room tokens). */
  tokens: TokenService;
  /** Sends email (SMTP, or the outbox folder in development). */
  mailer: Mailer;
  /** Flipped at shutdown so readiness fails before connections close. */
  lifecycle: { shuttingDown: boolean };
  /** Who waits in which visit room (fed by SFU room events), for the schedule's live alert. */
  waitingRoom: WaitingRoomBoard;
}
