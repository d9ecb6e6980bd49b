import { Foundation1763856000000 } from './1763856000000-Foundation.js';
import { Users1763856100000 } from './1763856100000-Users.js';

/**
 * Every migration in order. Listed explicitly (not globbed) so compiled and
 * transpiled-on-the-fly runs load exactly the same set. Name new files
 * `<unix ms>-<Name>.ts` with a timestamp later than the last one here.
 */
export const MIGRATIONS = [Foundation1763856000000, Users1763856100000];
