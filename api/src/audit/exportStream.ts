import { finished, pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { TENANT_SETTING } from '../db/appRole.js';
import type { AuditRowsQuery } from './auditRowQuery.js';
import { auditRowsCopySql } from './auditRowQuery.js';
import { copyOut } from './copyOutStream.js';
import { AuditExportEncoder } from './exportEncoder.js';
import type { ExportDigest } from './exportEncoder.js';
import type { ExportFormatter, ExportFrame } from './exportFormats.js';

/** How a streamed export ended. */
export interface ExportOutcome {
  /** True when every row was produced and the consumer read to the end. */
  completed: boolean;
  /** Rows, bytes and SHA-256 of what was produced (everything when completed). */
  digest: ExportDigest;
}

export interface RunningExport {
  /** The bytes to send; reading it drives the database cursor (backpressure end to end). */
  stream: AuditExportEncoder;
  /** Settles once the stream ended or was abandoned and the connection is back; never rejects. */
  outcome: Promise<ExportOutcome>;
}

function isPool(value: unknown): value is Pool {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Pool>).connect === 'function';
}

/**
 * The pg pool behind a TypeORM DataSource. Exports need a connection of their own for the
 * whole stream (COPY protocol, then either COMMIT or a destroyed connection when the
 * consumer goes away), which TypeORM's query API does not offer.
 */
export function poolOf(dataSource: DataSource): Pool {
  const master = (dataSource.driver as { master?: unknown }).master;
  if (!isPool(master)) {
    throw new Error('DataSource is not backed by a pg Pool');
  }
  return master;
}

/**
 * Streams the practice's audit rows matching `query` through `formatter`, from a
 * REPEATABLE READ READ ONLY snapshot on a dedicated pool connection. The rows travel as
 * `COPY (SELECT ...) TO STDOUT` text: no cursor round trips, no per-row protocol objects,
 * and the encoder works on whole network chunks.
 */
export async function openAuditExportStream(
  pool: Pool,
  practiceId: string,
  query: AuditRowsQuery,
  formatter: ExportFormatter,
  frame: ExportFrame,
): Promise<RunningExport> {
  const sql = auditRowsCopySql(query);
  const client: PoolClient = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, practiceId]);
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  const source = client.query(copyOut(sql));
  // Errors reach us through pipeline below; this keeps a late error (emitted after the
  // pipeline already tore down, e.g. when the connection is destroyed) from going uncaught.
  source.on('error', () => undefined);
  const encoder = new AuditExportEncoder(formatter, frame);

  const outcome = (async (): Promise<ExportOutcome> => {
    const results = await Promise.allSettled([pipeline(source, encoder), finished(encoder)]);
    const completed = results.every((result) => result.status === 'fulfilled');
    if (completed) {
      try {
        await client.query('COMMIT');
        client.release();
      } catch (error) {
        client.release(error as Error);
      }
    } else {
      // The server may still be sending COPY data: the connection cannot be reused, so the
      // pool destroys it and PostgreSQL ends the read-only transaction.
      client.release(new Error('audit export stream abandoned'));
    }
    return { completed: completed && encoder.flushed, digest: encoder.summary() };
  })();

  return { stream: encoder, outcome };
}
