import { Foundation1763856000000 } from './1763856000000-Foundation.js';

/**
 * Every migration in order. Listed explicitly (not globbed) so compiled and
 * transpiled-on-the-fly runs load exactly the same set.
 */
export const MIGRATIONS = [Foundation1763856000000];
