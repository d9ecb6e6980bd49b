import { Suspense, lazy } from 'react';

const PatientJoin = lazy(() => import('../patient/PatientJoin.js'));

/** Root component: picks the screen for the current route. */
export function App() {
  return (
    <Suspense fallback={<p role="status">Loading…</p>}>
      <PatientJoin />
    </Suspense>
  );
}
