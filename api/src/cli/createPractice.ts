#!/usr/bin/env node
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createDataSource, migrate } from '../db/dataSource.js';
import { AppError } from '../errors.js';
import { PasswordHasher } from '../modules/identity/passwords.js';
import { createPracticeWithAdmin, newPracticeSchema } from '../modules/identity/practiceProvisioning.js';

const USAGE = `Usage: MIGRATION_DATABASE_URL=<owner url> npm run create-practice -w api -- \\
    --slug <slug> --name <practice name> --admin-email <email> \\
    --admin-given-name <name> --admin-family-name <name> [--time-zone America/New_York]
The admin's initial password is read from the first line of standard input, so it never
appears in the shell history or the process list, e.g.  read -rs PW; printf '%s\\n' "$PW" | npm run ...`;

async function readPasswordFromStdin(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      'time-zone': { type: 'string', default: 'America/New_York' },
      'admin-email': { type: 'string' },
      'admin-given-name': { type: 'string' },
      'admin-family-name': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // The owner's URL: MIGRATION_DATABASE_URL where the API's DATABASE_URL is the runtime login.
  const databaseUrl = z.url().safeParse(process.env.MIGRATION_DATABASE_URL ?? process.env.DATABASE_URL);
  if (!databaseUrl.success) {
    throw new Error(`MIGRATION_DATABASE_URL or DATABASE_URL (owner connection) is required\n${USAGE}`);
  }
  const parsed = newPracticeSchema.safeParse({
    slug: values.slug,
    name: values.name,
    timeZone: values['time-zone'],
    adminEmail: values['admin-email'],
    adminGivenName: values['admin-given-name'],
    adminFamilyName: values['admin-family-name'],
    adminPassword: await readPasswordFromStdin(),
  });
  if (!parsed.success) {
    // Field names and rules only: never echo the values (the password is among them).
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid input:\n${problems.join('\n')}\n${USAGE}`);
  }

  await migrate(databaseUrl.data);
  const owner = createDataSource({ url: databaseUrl.data, purpose: 'owner', poolSize: 1 });
  await owner.initialize();
  try {
    const { practiceId, adminUserId } = await createPracticeWithAdmin(owner, new PasswordHasher('owasp'), parsed.data);
    console.log(`Created practice "${parsed.data.slug}" (${practiceId}) with admin user ${adminUserId}.`);
    console.log('');
    console.log('Next step for the admin (TOTP enrolment is required before anything else):');
    console.log(`  1. POST /v1/auth/login {"practice":"${parsed.data.slug}","email":<admin email>,"password":<the password you set>}`);
    console.log('     -> {"status":"mfa_enrolment_required","enrolmentToken":...}');
    console.log('  2. POST /v1/auth/mfa/enrol {"enrolmentToken":...} -> scan the otpauth:// URI in an authenticator app');
    console.log('  3. POST /v1/auth/mfa/confirm {"enrolmentToken":...,"totpCode":"<6 digits>"} -> signed in');
  } finally {
    await owner.destroy();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof AppError || error instanceof Error ? error.message : String(error);
  console.error(`create-practice failed: ${message}`);
  process.exitCode = 1;
});
