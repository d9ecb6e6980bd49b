import { z } from 'zod';
import type { RequestContext } from '../../http/requestContext.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
/** The post-treatment symptom check a patient answers before a follow-up. */
export declare const symptomAnswersSchema: z.ZodObject<{
    painScore: z.ZodInt;
    swelling: z.ZodEnum<{
        none: "none";
        mild: "mild";
        moderate: "moderate";
        severe: "severe";
    }>;
    bruising: z.ZodEnum<{
        none: "none";
        mild: "mild";
        moderate: "moderate";
        severe: "severe";
    }>;
    asymmetry: z.ZodBoolean;
    infectionSigns: z.ZodBoolean;
    visionOrSkinColourChanges: z.ZodBoolean;
    comments: z.ZodDefault<z.ZodString>;
}, z.core.$strict>;
export type SymptomAnswers = z.infer<typeof symptomAnswersSchema>;
export interface QuestionnaireView {
    id: string;
    appointmentId: string;
    submittedAt: string;
    answers: SymptomAnswers;
    /** Answers that should bring a provider in before the scheduled follow-up. */
    needsUrgentReview: boolean;
}
/** Stores the patient's answers for a follow-up visit, encrypted (once per visit). */
export declare function submitQuestionnaire(deps: ClinicalDeps, context: RequestContext, input: {
    appointmentId: string;
    answers: SymptomAnswers;
}): Promise<QuestionnaireView>;
/** Reads a follow-up's answers (the patient or a provider; audited). */
export declare function readQuestionnaire(deps: ClinicalDeps, context: RequestContext, input: {
    appointmentId: string;
}): Promise<QuestionnaireView>;
