import type { DataSource } from 'typeorm';
import { z } from 'zod';

/** A practice slug as the practices table allows it. */
export const practiceSlugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'not a practice slug');

/**
 * Resolves a practice slug to its id. Practice names and slugs are public (a
 * `practices_public_read` policy), so this needs no tenant; it is the step that picks the
 * tenant for login and self-registration.
 */
export async function findPracticeIdBySlug(dataSource: DataSource, slug: string): Promise<string | null> {
  const rows = await dataSource.query<{ id: string }[]>(`SELECT id FROM practices WHERE slug = $1`, [slug]);
  return rows[0]?.id ?? null;
}
