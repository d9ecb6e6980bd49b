import { admissionCheckResultSchema } from '@medspa/shared-types';
import type { AdmissionCheckRequest, AdmissionCheckResult, SfuRoomEvent } from '@medspa/shared-types';

/**
 * What the SFU needs from the API. Admission decisions and audit writes live in the API
 * (it owns consents, licenses and the audit trail); the SFU only asks and reports.
 */
export interface ApiGateway {
  /** The API decides (consent + licensure) and audits room.admit / room.admit_refused itself. */
  checkAdmission: (request: AdmissionCheckRequest) => Promise<AdmissionCheckResult>;
  /** Writes room.join / room.leave / room.e2ee_state to the audit trail. */
  recordRoomEvent: (event: SfuRoomEvent) => Promise<void>;
}

/** The API could not be reached or answered unexpectedly; admission fails closed. */
export class ApiUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiUnavailableError';
  }
}

/** The API refused a request for good (a 4xx other than 408/429): retrying cannot succeed. */
export class ApiRefusedError extends Error {
  constructor(readonly status: number) {
    super(`API refused with ${status}`);
    this.name = 'ApiRefusedError';
  }
}

const RETRYABLE_CLIENT_STATUSES = new Set([408, 429]);

export interface HttpApiGatewayOptions {
  baseUrl: URL;
  /** A fresh service bearer token for each call. */
  serviceToken: () => Promise<string>;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** Internal endpoints of the API (api/src/modules/rooms/roomRoutes.ts). */
export const ADMISSION_CHECK_PATH = '/internal/sfu/admission-checks';
export const ROOM_EVENTS_PATH = '/internal/sfu/room-events';

/** ApiGateway over HTTP with the SFU's service token. */
export function createHttpApiGateway({ baseUrl, serviceToken, timeoutMs = DEFAULT_TIMEOUT_MS }: HttpApiGatewayOptions): ApiGateway {
  const post = async (path: string, body: unknown): Promise<Response> => {
    try {
      return await fetch(new URL(path, baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await serviceToken()}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new ApiUnavailableError(`API unreachable for ${path}`);
    }
  };
  return {
    checkAdmission: async (request) => {
      const response = await post(ADMISSION_CHECK_PATH, request);
      if (response.status !== 200) {
        throw new ApiUnavailableError(`admission check answered ${response.status}`);
      }
      const parsed = admissionCheckResultSchema.safeParse(await response.json());
      if (!parsed.success) {
        throw new ApiUnavailableError('admission check answered an unexpected body');
      }
      return parsed.data;
    },
    recordRoomEvent: async (event) => {
      const response = await post(ROOM_EVENTS_PATH, event);
      if (response.status !== 204) {
        if (response.status >= 400 && response.status < 500 && !RETRYABLE_CLIENT_STATUSES.has(response.status)) {
          throw new ApiRefusedError(response.status);
        }
        throw new ApiUnavailableError(`room event answered ${response.status}`);
      }
    },
  };
}
