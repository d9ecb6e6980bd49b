/**
 * Referrals a provider proposed to a partner practice: nothing is shared until the patient
 * agrees here. Agreeing records the disclosure (what, to whom, why), listed in the
 * patient's accounting of disclosures (45 CFR 164.528).
 */
import { api } from '../api/http.js';
import { ChartError } from '../chart/ChartError.js';
import { formatWhen } from '../chart/labels.js';
import { Section, useAction, useAsync } from '../ui/components.js';

interface Referral {
  id: string;
  recipientName: string;
  recipientAddress: string;
  purpose: string;
  informationDisclosed: string;
  status: 'awaiting_consent' | 'declined' | 'disclosed';
  requestedAt: string;
  consentDecidedAt: string | null;
}

function ReferralItem({ referral, onDecided }: { referral: Referral; onDecided: () => void }) {
  const decide = useAction(async (decision: 'authorize' | 'decline') => {
    await api('POST', `/v1/me/referrals/${referral.id}/decision`, { decision });
    onDecided();
  });
  return (
    <li className="timeline-item" data-testid="referral">
      <p>
        <strong>{referral.recipientName}</strong>, {referral.recipientAddress}
      </p>
      <p>
        Why: {referral.purpose}. What would be shared: {referral.informationDisclosed}.
      </p>
      {referral.status === 'awaiting_consent' ? (
        <>
          <p className="hint">Proposed {formatWhen(referral.requestedAt)}. Nothing is shared unless you agree.</p>
          <ChartError error={decide.error} />
          <div className="row wrap">
            <button
              type="button"
              disabled={decide.busy}
              onClick={() => {
                decide.run('authorize');
              }}
            >
              I agree to share this
            </button>
            <button
              type="button"
              className="danger"
              disabled={decide.busy}
              onClick={() => {
                decide.run('decline');
              }}
            >
              Do not share
            </button>
          </div>
        </>
      ) : (
        <p>
          <span className={`pill ${referral.status === 'disclosed' ? 'good' : 'bad'}`}>
            {referral.status === 'disclosed' ? 'You agreed: shared' : 'You declined: not shared'}
          </span>{' '}
          {referral.consentDecidedAt === null ? '' : formatWhen(referral.consentDecidedAt)}
        </p>
      )}
    </li>
  );
}

/** The patient's referrals card (hidden when there are none). */
export function ReferralConsent() {
  const referrals = useAsync(() => api<{ referrals: Referral[] }>('GET', '/v1/me/referrals'), 'my-referrals');
  const list = referrals.data?.referrals ?? [];
  if (referrals.error === null && list.length === 0) return null;
  return (
    <Section title="Referrals to partner practices">
      <ChartError error={referrals.error} />
      <ul className="list">
        {list.map((referral) => (
          <ReferralItem key={referral.id} referral={referral} onDecided={referrals.reload} />
        ))}
      </ul>
    </Section>
  );
}
