/** An in-app link: a real href (open in new tab, keyboard) that navigates without reloading. */
import type { ReactNode } from 'react';
import { navigate } from '../app/router.js';

/** Anchor to `to` handled by the client router. */
export function AppLink({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a
      href={to}
      className={className}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
