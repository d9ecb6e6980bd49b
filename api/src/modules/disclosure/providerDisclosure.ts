import type { DataSource } from 'typeorm';
import { withTenant } from '../../db/tenantTransaction.js';
import { notFound } from '../../errors.js';

/** One provider as the public disclosure page shows them. */
export interface DisclosedProvider {
  name: string;
  credential: string;
  specialties: string[];
  /** The provider's short bio, as they wrote it for patients ('' when none). */
  bio: string;
  /** States where the provider holds a license valid today. */
  licensedStates: string[];
}

export interface ProviderDisclosurePage {
  practice: { name: string; slug: string };
  providers: DisclosedProvider[];
}

/**
 * The public provider disclosure of a practice: each active provider's name, credential
 * and specialties (Connecticut Public Act 14-119 (d) requires these be disclosed to the
 * public). Providers' names and licenses are public by design; no patient data is read.
 */
export async function providerDisclosurePage(dataSource: DataSource, slug: string): Promise<ProviderDisclosurePage> {
  // Practices are readable by every session (their slug and name are public). Patients see
  // the name the practice chose for them (branding), the legal name otherwise.
  const practices = await dataSource.query<{ id: string; name: string; slug: string }[]>(
    `SELECT id, coalesce(branding_name, name) AS name, slug FROM practices WHERE slug = $1`,
    [slug],
  );
  const practice = practices[0];
  if (practice === undefined) {
    throw notFound('practice_not_found', 'No such practice');
  }
  const providers = await withTenant(dataSource, practice.id, (manager) =>
    manager.query<{ given_name: string; family_name: string; credential: string; specialties: string[]; bio: string; states: string[] }[]>(
      `SELECT u.given_name, u.family_name, p.credential, p.specialties, p.bio,
              coalesce(array_agg(DISTINCT l.state::text ORDER BY l.state::text)
                FILTER (WHERE l.state IS NOT NULL), '{}') AS states
       FROM provider_profiles p
       JOIN users u ON u.practice_id = p.practice_id AND u.id = p.user_id
       LEFT JOIN provider_licenses l ON l.practice_id = p.practice_id AND l.provider_id = p.user_id
         AND l.revoked_at IS NULL AND l.valid_from <= current_date AND l.expires_on >= current_date
       WHERE u.disabled_at IS NULL AND u.role IN ('injector', 'medical_director')
       GROUP BY u.given_name, u.family_name, p.credential, p.specialties, p.bio, u.id
       ORDER BY u.family_name, u.given_name, u.id`,
    ),
  );
  return {
    practice: { name: practice.name, slug: practice.slug },
    providers: providers.map((row) => ({
      name: `${row.given_name} ${row.family_name}`,
      credential: row.credential,
      specialties: row.specialties,
      bio: row.bio,
      licensedStates: row.states,
    })),
  };
}
