/** Addresses of the patient onboarding screens; kept apart so the app shell can test a path without loading them. */
import { matchPath } from '../app/router.js';

export type OnboardingScreen = 'practice' | 'register' | 'sign-in' | 'verify';

/**
 * Which onboarding screen an address shows, or null. The practice page and the email link
 * are for everyone; account creation and sign-in only while signed out.
 */
export function onboardingScreenOf(path: string, signedIn: boolean): OnboardingScreen | null {
  if (path === '/verify-email') return 'verify';
  if (matchPath('/practices/:slug', path) !== null) return 'practice';
  if (signedIn) return null;
  if (matchPath('/practices/:slug/register', path) !== null) return 'register';
  if (matchPath('/practices/:slug/sign-in', path) !== null) return 'sign-in';
  return null;
}
