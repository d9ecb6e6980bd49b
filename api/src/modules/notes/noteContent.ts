import { z } from 'zod';

/** Service codes match appointment_types.service_code (scheduling). */
export const serviceCodeSchema = z.string().regex(/^[a-z0-9_]{1,64}$/, 'service codes are 1-64 of [a-z0-9_]');

const clinicalText = z.string().max(20_000);

/** Shown to the patient in their visit summary; everything else in a note is for clinicians. */
const patientSummary = z.string().max(5_000).default('');

export const GFE_OUTCOMES = ['cleared', 'deferred', 'not_cleared'] as const;
export type GfeOutcome = (typeof GFE_OUTCOMES)[number];

/** One service assessed at a Good Faith Exam and what the provider decided. */
export const serviceAssessmentSchema = z.strictObject({
  serviceCode: serviceCodeSchema,
  outcome: z.enum(GFE_OUTCOMES),
  /** How long a clearance holds, counted from signing; required for `cleared` only. */
  validForDays: z.int().min(1).max(730).optional(),
  rationale: clinicalText.optional(),
});
export type ServiceAssessment = z.infer<typeof serviceAssessmentSchema>;

/** SOAP consult note (subjective, objective, assessment, plan). */
export const soapContentSchema = z.strictObject({
  subjective: clinicalText.default(''),
  objective: clinicalText.default(''),
  assessment: clinicalText.default(''),
  plan: clinicalText.default(''),
  patientSummary,
});
export type SoapContent = z.infer<typeof soapContentSchema>;

/** Good Faith Exam note: history, contraindications and a decision per service. */
export const gfeContentSchema = z.strictObject({
  history: clinicalText.default(''),
  contraindications: clinicalText.default(''),
  servicesAssessed: z
    .array(serviceAssessmentSchema)
    .max(20)
    .default([])
    .refine(
      (services) => new Set(services.map((service) => service.serviceCode)).size === services.length,
      'each service may be assessed once',
    ),
  patientSummary,
});
export type GfeContent = z.infer<typeof gfeContentSchema>;

export const NOTE_TEMPLATES = ['soap', 'gfe'] as const;
export type NoteTemplate = (typeof NOTE_TEMPLATES)[number];

/** A note body as saved: the template decides which content shape applies. */
export const noteBodySchema = z.discriminatedUnion('template', [
  z.strictObject({ template: z.literal('soap'), content: soapContentSchema }),
  z.strictObject({ template: z.literal('gfe'), content: gfeContentSchema }),
]);
export type NoteBody = z.infer<typeof noteBodySchema>;

/** Parses the content of an existing note (whose template is fixed) from a request. */
export function parseContentFor(template: NoteTemplate, content: unknown): NoteBody {
  return noteBodySchema.parse({ template, content });
}
