/** Root component: session restore, idle logoff, role-based navigation and lazy screens. */
import { Suspense, lazy, useEffect, useState, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import { logout, onSessionChange, refreshSession, sessionUser } from '../api/http.js';
import type { SessionUser } from '../api/http.js';
import { onboardingScreenOf } from '../public/onboardingRoutes.js';
import { Login } from './Login.js';
import { matchPath, navigate, usePath } from './router.js';

// Each area loads on demand: the patient join link downloads only the entry and PatientJoin.
const PatientJoin = lazy(() => import('../patient/PatientJoin.js'));
const PatientHome = lazy(() => import('../patient/PatientHome.js'));
const InjectorHome = lazy(() => import('../provider/InjectorHome.js'));
const ProviderVisit = lazy(() => import('../provider/ProviderVisit.js'));
const ComplianceConsole = lazy(() => import('../compliance/ComplianceConsole.js'));
const AdminConsole = lazy(() => import('../admin/AdminConsole.js'));
const ProviderDisclosure = lazy(() => import('../public/ProviderDisclosure.js'));
const PatientOnboarding = lazy(() => import('../public/PatientOnboarding.js'));
const PatientChart = lazy(() => import('../chart/PatientChart.js'));
const TreatmentScreen = lazy(() => import('../chart/TreatmentScreen.js'));
const ChartReview = lazy(() => import('../chart/ChartReview.js'));
const AdverseEvents = lazy(() => import('../chart/AdverseEvents.js'));
const ExamRules = lazy(() => import('../chart/ExamRules.js'));
const AccountSettings = lazy(() => import('../account/AccountSettings.js'));
const MyProfile = lazy(() => import('../provider/MyProfile.js'));
const AccountLinks = lazy(() => import('../account/AccountLinks.js'));
const GuestJoin = lazy(() => import('../guest/GuestJoin.js'));

/** Automatic logoff after inactivity (HIPAA 164.312(a)(2)(iii)); the API enforces it too. */
const IDLE_LOGOFF_MS = 15 * 60 * 1000;

function useIdleLogoff(user: SessionUser | null): void {
  useEffect(() => {
    if (user === null) return;
    let timer = setTimeout(() => void logout(), IDLE_LOGOFF_MS);
    const reset = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => void logout(), IDLE_LOGOFF_MS);
    };
    const events = ['pointerdown', 'keydown', 'scroll'] as const;
    for (const event of events) window.addEventListener(event, reset, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const event of events) window.removeEventListener(event, reset);
    };
  }, [user]);
}

const NAV: Record<string, { path: string; label: string }[]> = {
  patient: [{ path: '/', label: 'My visits' }],
  injector: [
    { path: '/', label: 'Schedule' },
    { path: '/review', label: 'My reviewed charts' },
    { path: '/adverse-events', label: 'Adverse events' },
    { path: '/my-profile', label: 'My profile and hours' },
  ],
  medical_director: [
    { path: '/', label: 'Schedule' },
    { path: '/review', label: 'Chart review' },
    { path: '/adverse-events', label: 'Adverse events' },
    { path: '/exam-rules', label: 'Good Faith Exam rules' },
    { path: '/my-profile', label: 'My profile and hours' },
  ],
  compliance_officer: [{ path: '/', label: 'Audit' }],
  admin: [{ path: '/', label: 'Administration' }],
  front_desk: [{ path: '/', label: 'Schedule' }],
};

function Shell({ user, children }: { user: SessionUser; children: ReactNode }) {
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Medspa telehealth</span>
        <nav aria-label="Main">
          {[...(NAV[user.role] ?? []), { path: '/account', label: 'My account' }].map((item) => (
            <a
              key={item.path}
              href={item.path}
              onClick={(event) => {
                event.preventDefault();
                navigate(item.path);
              }}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <button type="button" className="link" onClick={() => void logout()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">Loading…</p>}>{children}</Suspense>
      </main>
    </>
  );
}

function Screen({ user, path }: { user: SessionUser; path: string }) {
  const visit = matchPath('/visit/:appointmentId', path);
  const provider = user.role === 'injector' || user.role === 'medical_director';
  if (path === '/account') return <AccountSettings />;
  if (path === '/my-profile' && provider) return <MyProfile />;
  if (visit !== null) {
    const appointmentId = visit.appointmentId ?? '';
    if (user.role === 'patient') return <PatientJoin appointmentId={appointmentId} />;
    if (provider) return <ProviderVisit appointmentId={appointmentId} />;
  }
  if (provider) {
    const chart = matchPath('/patients/:patientId', path);
    if (chart !== null) return <PatientChart patientId={chart.patientId ?? ''} />;
    const treatment = matchPath('/treatments/visit/:appointmentId', path);
    if (treatment !== null) return <TreatmentScreen appointmentId={treatment.appointmentId ?? ''} />;
    if (path === '/review') return <ChartReview />;
    if (path === '/adverse-events') return <AdverseEvents />;
    if (path === '/exam-rules') return <ExamRules />;
  }
  switch (user.role) {
    case 'patient':
      return <PatientHome />;
    case 'injector':
    case 'medical_director':
    case 'front_desk':
      return <InjectorHome />;
    case 'compliance_officer':
      return <ComplianceConsole />;
    case 'admin':
      return <AdminConsole />;
  }
}

/** The application. */
export function App() {
  const user = useSyncExternalStore(onSessionChange, sessionUser);
  const path = usePath();
  const [restoring, setRestoring] = useState(true);
  useEffect(() => {
    void refreshSession().finally(() => {
      setRestoring(false);
    });
  }, []);
  useIdleLogoff(user);
  useEffect(() => {
    // Move focus to the new screen so keyboard and screen-reader users land on it.
    document.getElementById('main')?.focus();
  }, [path, user]);
  const disclosure = matchPath('/practices/:slug/providers', path);
  if (disclosure !== null) {
    // Public page: the same for everyone, signed in or not.
    return (
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">Loading…</p>}>
          <ProviderDisclosure slug={disclosure.slug ?? ''} />
        </Suspense>
      </main>
    );
  }
  if (path === '/guest') {
    // An invited guest's link: no account, the same page whether or not someone is signed in here.
    return (
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">Loading…</p>}>
          <GuestJoin />
        </Suspense>
      </main>
    );
  }
  // Links from the setup console message and from emails: they work signed in or not.
  if (['/setup', '/invite', '/reset-password'].includes(path) || (path === '/forgot-password' && user === null)) {
    return (
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">Loading…</p>}>
          <AccountLinks path={path} />
        </Suspense>
      </main>
    );
  }
  if (restoring) return <p role="status">Loading…</p>;
  if (onboardingScreenOf(path, user !== null) !== null) {
    // A patient's way in: practice page, account creation, email link, sign-in by practice.
    return (
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">Loading…</p>}>
          <PatientOnboarding path={path} />
        </Suspense>
      </main>
    );
  }
  if (user === null) {
    return (
      <main id="main" tabIndex={-1}>
        <Login />
      </main>
    );
  }
  return (
    <Shell user={user}>
      <Screen user={user} path={path} />
    </Shell>
  );
}
