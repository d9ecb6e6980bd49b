import type { DataSource } from 'typeorm';
import { z } from 'zod';
/** A practice slug as the practices table allows it. */
export declare const practiceSlugSchema: z.ZodString;
/**
 * Resolves a practice slug to its id. Practice names and slugs are public (a
 * `practices_public_read` policy), so this needs no tenant; it is the step that picks the
 * tenant for login and self-registration.
 */
export declare function findPracticeIdBySlug(dataSource: DataSource, slug: string): Promise<string | null>;
