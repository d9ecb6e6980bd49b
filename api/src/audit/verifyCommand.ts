import { Client } from 'pg';
import { verifyPracticeChain } from './chainVerifier.js';

export interface VerifyCommandIo {
  /** One line of the report (stdout). */
  out: (line: string) => void;
  /** One line of a usage or connection problem (stderr). */
  err: (line: string) => void;
}

/** Exit codes: 0 every checked chain intact, 1 a chain is broken, 2 usage or database problem. */
export const EXIT_INTACT = 0;
export const EXIT_BROKEN = 1;
export const EXIT_ERROR = 2;

const USAGE = 'usage: verify-audit-chain [--practice <slug>]   (DATABASE_URL = owner connection string)';

function parseArgs(args: readonly string[]): { practiceSlug: string | null } | null {
  if (args.length === 0) return { practiceSlug: null };
  if (args.length === 2 && args[0] === '--practice' && args[1] !== undefined && args[1].length > 0) {
    return { practiceSlug: args[1] };
  }
  return null;
}

/**
 * Verifies the audit chain of one practice (--practice <slug>) or of every practice and
 * prints one line per practice; a broken chain names its first broken link. It only
 * reads (each practice in its own REPEATABLE READ READ ONLY snapshot), so it can run
 * against a replica or with a read-only role while the API keeps writing.
 */
export async function runVerifyCommand(
  args: readonly string[],
  databaseUrl: string | undefined,
  io: VerifyCommandIo,
): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed === null) {
    io.err(USAGE);
    return EXIT_ERROR;
  }
  if (databaseUrl === undefined || databaseUrl.length === 0) {
    io.err('DATABASE_URL is not set');
    io.err(USAGE);
    return EXIT_ERROR;
  }
  const client = new Client({ connectionString: databaseUrl, application_name: 'medspa-audit-verify' });
  try {
    await client.connect();
  } catch (error) {
    io.err(`cannot connect to the database: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
  try {
    const practices = await client.query<{ id: string; slug: string }>(
      parsed.practiceSlug === null
        ? 'SELECT id, slug FROM practices ORDER BY slug'
        : 'SELECT id, slug FROM practices WHERE slug = $1',
      parsed.practiceSlug === null ? [] : [parsed.practiceSlug],
    );
    if (parsed.practiceSlug !== null && practices.rows.length === 0) {
      io.err(`no practice with slug ${parsed.practiceSlug}`);
      return EXIT_ERROR;
    }
    let broken = 0;
    for (const practice of practices.rows) {
      const result = await verifyPracticeChain(client, practice.id);
      if (result.firstBroken === undefined) {
        io.out(`ok      ${practice.slug}  ${result.checkedCount} events`);
      } else {
        broken += 1;
        const link = result.firstBroken;
        io.out(
          `BROKEN  ${practice.slug}  first broken link: seq ${link.seq}, event ${link.eventId ?? '(none)'}, ` +
            `${link.reason} (${result.checkedCount} events verified before it)`,
        );
      }
    }
    io.out(`${practices.rows.length} practice(s) checked, ${broken} broken`);
    return broken === 0 ? EXIT_INTACT : EXIT_BROKEN;
  } catch (error) {
    io.err(`verification failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  } finally {
    await client.end();
  }
}
