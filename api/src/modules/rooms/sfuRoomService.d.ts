import type { AdmissionCheckRequest, AdmissionCheckResult, SfuRoomEvent } from '@medspa/shared-types';
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../../http/requestContext.js';
/**
 * Decides whether the provider may admit the patient now (current telehealth consent, a
 * license valid in the patient's state for the visit, an active appointment inside its
 * window; see scheduling/admission.ts) and audits the decision as room.admit or
 * room.admit_refused in the same transaction as the reads it rests on.
 */
export declare function decideAdmission(dataSource: DataSource, context: RequestContext, request: AdmissionCheckRequest): Promise<AdmissionCheckResult>;
/** Writes a room event the SFU observed (join, leave, E2EE state) to the audit trail. */
export declare function recordSfuRoomEvent(dataSource: DataSource, context: RequestContext, event: SfuRoomEvent): Promise<void>;
