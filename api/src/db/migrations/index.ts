import { Foundation1763856000000 } from './1763856000000-Foundation.js';
import { Users1763856100000 } from './1763856100000-Users.js';
import { Sessions1763856200000 } from './1763856200000-Sessions.js';
import { TotpSecretSealed1763856200100 } from './1763856200100-TotpSecretSealed.js';
import { AuditTrail1763856300000 } from './1763856300000-AuditTrail.js';
import { ProviderLicensure1763856500000 } from './1763856500000-ProviderLicensure.js';
import { Scheduling1763856510000 } from './1763856510000-Scheduling.js';
import { Consent1763856520000 } from './1763856520000-Consent.js';
import { ClinicalRecords1763856600000 } from './1763856600000-ClinicalRecords.js';
import { CareTeam1764600100000 } from './1764600100000-CareTeam.js';
import { AuditMerkleFrontier1764600200000 } from './1764600200000-AuditMerkleFrontier.js';
import { RuntimeLeastPrivilege1764600300000 } from './1764600300000-RuntimeLeastPrivilege.js';
import { StaffOnboarding1764600400000 } from './1764600400000-StaffOnboarding.js';
import { PatientOnboarding1764600500000 } from './1764600500000-PatientOnboarding.js';
import { VisitOutcome1764600600000 } from './1764600600000-VisitOutcome.js';
import { Chart1764600700000 } from './1764600700000-Chart.js';
import { SfuEventReceipts1764600900000 } from './1764600900000-SfuEventReceipts.js';
import { RoomAdmissions1764600900100 } from './1764600900100-RoomAdmissions.js';
import { JobQueueSchema1764600900200 } from './1764600900200-JobQueueSchema.js';
import { VisitInvitations1764601000000 } from './1764601000000-VisitInvitations.js';

/**
 * Every migration in order. Listed explicitly (not globbed) so compiled and
 * transpiled-on-the-fly runs load exactly the same set. Name new files
 * `<unix ms>-<Name>.ts` with a timestamp later than the last one here.
 */
export const MIGRATIONS = [
  Foundation1763856000000,
  Users1763856100000,
  Sessions1763856200000,
  TotpSecretSealed1763856200100,
  AuditTrail1763856300000,
  ProviderLicensure1763856500000,
  Scheduling1763856510000,
  Consent1763856520000,
  ClinicalRecords1763856600000,
  CareTeam1764600100000,
  AuditMerkleFrontier1764600200000,
  RuntimeLeastPrivilege1764600300000,
  StaffOnboarding1764600400000,
  PatientOnboarding1764600500000,
  VisitOutcome1764600600000,
  Chart1764600700000,
  SfuEventReceipts1764600900000,
  RoomAdmissions1764600900100,
  JobQueueSchema1764600900200,
  VisitInvitations1764601000000,
];
