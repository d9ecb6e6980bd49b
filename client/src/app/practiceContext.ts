/**
 * Which practice a person is signing in to, without making them type its slug: from the
 * page they are on (/practices/<slug>/...), from the link they followed (?practice=<slug>,
 * as in emailed join links), or from the last practice this browser signed in to.
 * Only the public slug is remembered, never anything about the person.
 */
import { matchPath } from './router.js';

const REMEMBERED_KEY = 'medspa.practice';
const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** The practice the current address names, or the remembered one, or null (then the form asks). */
export function practiceFromLocation(): string | null {
  const fromPath = matchPath('/practices/:slug', window.location.pathname) ?? matchPath('/practices/:slug/:page', window.location.pathname);
  const candidates = [fromPath?.slug, new URLSearchParams(window.location.search).get('practice'), rememberedPractice()];
  return candidates.find((slug): slug is string => typeof slug === 'string' && SLUG.test(slug)) ?? null;
}

/** Remembers the practice after a successful sign-in or a visit to its public page. */
export function rememberPractice(slug: string): void {
  if (!SLUG.test(slug)) return;
  try {
    localStorage.setItem(REMEMBERED_KEY, slug);
  } catch {
    // Storage can be disabled (private mode): the form then simply asks next time.
  }
}

/** Forgets the remembered practice ("Not your practice?"). */
export function forgetPractice(): void {
  try {
    localStorage.removeItem(REMEMBERED_KEY);
  } catch {
    // Nothing to forget.
  }
}

function rememberedPractice(): string | null {
  try {
    return localStorage.getItem(REMEMBERED_KEY);
  } catch {
    return null;
  }
}
