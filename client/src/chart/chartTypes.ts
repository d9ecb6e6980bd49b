/** Response shapes of the chart endpoints (api/src/modules/chart). */

export type PregnancyAnswer = 'no' | 'pregnant' | 'breastfeeding' | 'trying_to_conceive' | 'not_applicable';

export interface IntakeContent {
  medicalHistory: string;
  medications: string;
  allergies: string;
  pregnancyOrBreastfeeding: PregnancyAnswer;
  priorInjectables: string;
  priorComplications: string;
}

export interface IntakeView {
  version: number;
  updatedAt: string;
  content: IntakeContent;
}

export interface InjectionSite {
  x: number;
  y: number;
  label: string;
  amount: number;
}

export interface TreatmentContent {
  product: string;
  lotNumber: string;
  lotExpiry: string;
  unit: 'units' | 'ml';
  totalAmount: number;
  sites: InjectionSite[];
  notes: string;
}

export interface TreatmentView {
  id: string;
  appointmentId: string;
  patientId: string;
  providerId: string;
  providerName: string;
  serviceCode: string;
  treatedAt: string;
  content: TreatmentContent;
  followUps: { appointmentId: string; startsAt: string; status: string }[];
}

export interface SymptomAnswers {
  painScore: number;
  swelling: string;
  bruising: string;
  asymmetry: boolean;
  infectionSigns: boolean;
  visionOrSkinColourChanges: boolean;
  comments: string;
}

export interface PatientTimeline {
  patient: { id: string; name: string };
  visits: { id: string; kind: string; serviceCode: string | null; startsAt: string; status: string; providerName: string; state: string }[];
  exams: { serviceCode: string; outcome: 'cleared' | 'deferred' | 'not_cleared'; decidedAt: string; expiresAt: string | null; everyTreatment: boolean; current: boolean }[];
  notes: { id: string; appointmentId: string; template: string; signedAt: string | null; authorName: string; review: string | null }[];
  photos: { id: string; appointmentId: string; phase: 'before' | 'after' | 'follow_up'; createdAt: string }[];
  questionnaires: { appointmentId: string; submittedAt: string; answers: SymptomAnswers; needsUrgentReview: boolean }[];
  treatments: TreatmentView[];
  intake: { version: number; updatedAt: string } | null;
  adverseEvents: { id: string; severity: string; status: string; occurredAt: string }[];
}

export interface ReviewItem {
  id: string;
  noteId: string;
  patientId: string;
  patientName: string;
  authorName: string;
  template: string;
  signedAt: string;
  dueAt: string;
  overdue: boolean;
  status: 'pending' | 'cosigned' | 'returned';
  decidedAt: string | null;
  reviewerName: string | null;
  comment: string | null;
}

export interface AdverseEventView {
  id: string;
  patientId: string;
  patientName: string;
  reportedByName: string;
  reportedAt: string;
  occurredAt: string;
  severity: 'mild' | 'moderate' | 'severe' | 'life_threatening';
  what: string;
  followUp: string;
  status: 'open' | 'closed';
  closedAt: string | null;
  closedByName: string | null;
  resolution: string | null;
}

export type GfeValidity = { mode: 'months'; months: number } | { mode: 'every_treatment' };

export interface GfeValidityRule {
  state: string | null;
  validity: GfeValidity;
  updatedAt: string;
}
