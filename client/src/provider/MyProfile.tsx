/** A provider's own setup page: profile, licenses (read only unless medical director), hours and time off. */
import { api, sessionUser } from '../api/http.js';
import { ProviderSetup } from '../admin/setupScreens.js';
import type { Profile } from '../admin/setupScreens.js';
import { ErrorMessage, useAsync } from '../ui/components.js';

/** The "My profile and hours" screen. */
export default function MyProfile() {
  const me = sessionUser();
  const profile = useAsync(() => api<Profile>('GET', `/v1/providers/${me?.id ?? ''}`), me?.id ?? '');
  return (
    <div className="stack">
      <h1>My profile and hours</h1>
      <ErrorMessage error={profile.error} />
      {profile.data === null ? (
        profile.loading && <p role="status">Loading…</p>
      ) : (
        <ProviderSetup provider={profile.data} canEditLicenses={me?.role === 'medical_director'} onSaved={profile.reload} Heading="h2" />
      )}
    </div>
  );
}
