/**
 * Public provider disclosure page (CT Public Act 14-119 (d)): who treats patients at a
 * practice, with credentials and specialties. Shown without signing in, at
 * /practices/<slug>/providers; the data is public by design and holds no patient data.
 */
import { api } from '../api/http.js';
import { ErrorMessage, useAsync } from '../ui/components.js';

/** GET /v1/practices/:slug/providers. */
interface ProviderDisclosurePage {
  practice: { name: string; slug: string };
  providers: { name: string; credential: string; specialties: string[]; licensedStates: string[] }[];
}

export default function ProviderDisclosure({ slug }: { slug: string }) {
  const page = useAsync(
    () => api<ProviderDisclosurePage>('GET', `/v1/practices/${encodeURIComponent(slug)}/providers`),
    `disclosure:${slug}`,
  );
  const title = page.data === null ? 'Our providers' : `${page.data.practice.name}: our providers`;
  return (
    <div className="stack">
      <h1>{title}</h1>
      <div className="card">
        <ErrorMessage error={page.error} />
        {page.data !== null && page.data.providers.length === 0 && <p>No providers are listed yet.</p>}
        <ul className="list" data-testid="provider-disclosure">
          {page.data?.providers.map((provider) => (
            <li key={`${provider.name}-${provider.credential}`}>
              <div>
                <strong>
                  {provider.name}, {provider.credential}
                </strong>
                <div>Specialties: {provider.specialties.length > 0 ? provider.specialties.join(', ') : 'not listed'}</div>
                <div>
                  Licensed in: {provider.licensedStates.length > 0 ? provider.licensedStates.join(', ') : 'no current license'}
                </div>
              </div>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
