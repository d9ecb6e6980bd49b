import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SfuRoomEvent } from '@medspa/shared-types';
import pino from 'pino';
import { AuditOutbox } from '../src/api/AuditOutbox.js';
import type { ApiGateway } from '../src/api/apiGateway.js';
import { ApiRefusedError, ApiUnavailableError } from '../src/api/apiGateway.js';

jest.setTimeout(30_000);

/** An API that is down until `up` is set, then records each event id once (as the API does). */
class FlakyApi implements ApiGateway {
  up = false;
  attempts = 0;
  readonly written = new Map<string, SfuRoomEvent>();
  refuse = new Set<string>();

  checkAdmission = (): Promise<never> => Promise.reject(new Error('not used'));

  recordRoomEvent = (event: SfuRoomEvent): Promise<void> => {
    this.attempts += 1;
    if (this.refuse.has(event.eventId)) return Promise.reject(new ApiRefusedError(404));
    if (!this.up) return Promise.reject(new ApiUnavailableError('down'));
    if (!this.written.has(event.eventId)) this.written.set(event.eventId, event);
    return Promise.resolve();
  };
}

function event(type: SfuRoomEvent['type'] = 'room.join'): SfuRoomEvent {
  return {
    eventId: randomUUID(),
    type,
    practiceId: randomUUID(),
    appointmentId: randomUUID(),
    userId: randomUUID(),
    role: 'patient',
    peerId: randomUUID(),
    occurredAt: new Date().toISOString(),
  };
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const logger = pino({ level: 'silent' });

describe('SFU audit outbox', () => {
  it('keeps retrying through an API outage and delivers every event once, in order', async () => {
    const api = new FlakyApi();
    const journalPath = path.join(mkdtempSync(path.join(tmpdir(), 'outbox-')), 'audit.jsonl');
    const outbox = AuditOutbox.open(api, logger, { journalPath });
    const events = [event('room.join'), event('room.e2ee_state'), event('room.leave')];
    for (const item of events) outbox.report(item);
    await until(() => api.attempts >= 4);
    expect(outbox.pending).toBe(3);
    expect(readFileSync(journalPath, 'utf8')).toContain(events[2]?.eventId);
    api.up = true;
    await until(() => outbox.pending === 0);
    expect([...api.written.keys()]).toEqual(events.map((item) => item.eventId));
    // Everything acknowledged: the journal is emptied.
    expect(readFileSync(journalPath, 'utf8')).toBe('');
    await outbox.close();
  });

  it('replays unacknowledged events after a restart (crash), and the API writes each once', async () => {
    const api = new FlakyApi();
    const journalPath = path.join(mkdtempSync(path.join(tmpdir(), 'outbox-')), 'audit.jsonl');
    const first = AuditOutbox.open(api, logger, { journalPath });
    const lostAck = event();
    const events = [lostAck, event(), event()];
    for (const item of events) first.report(item);
    // The process "dies" with the API down: nothing was acknowledged. (No close(): a crash.)
    await until(() => api.attempts >= 3);
    api.up = true;
    // One event made it through before the crash, but its acknowledgement was lost.
    await api.recordRoomEvent(lostAck);
    const second = AuditOutbox.open(api, logger, { journalPath });
    await until(() => second.pending === 0);
    expect(api.written.size).toBe(3);
    expect([...api.written.keys()].sort()).toEqual(events.map((item) => item.eventId).sort());
    await first.close();
    await second.close();
  });

  it('drops an event the API refuses for good (4xx) and goes on with the next', async () => {
    const api = new FlakyApi();
    api.up = true;
    const outbox = AuditOutbox.open(api, logger);
    const refused = event();
    api.refuse.add(refused.eventId);
    const next = event();
    outbox.report(refused);
    outbox.report(next);
    await until(() => outbox.pending === 0);
    expect([...api.written.keys()]).toEqual([next.eventId]);
    await outbox.close();
  });

  it('ignores a journal line cut short by a crash mid-write', async () => {
    const api = new FlakyApi();
    const dir = mkdtempSync(path.join(tmpdir(), 'outbox-'));
    const journalPath = path.join(dir, 'audit.jsonl');
    const whole = event();
    writeFileSync(journalPath, `${JSON.stringify({ event: whole })}\n{"event":{"eventId":"cut`);
    api.up = true;
    const outbox = AuditOutbox.open(api, logger, { journalPath });
    await until(() => outbox.pending === 0);
    expect([...api.written.keys()]).toEqual([whole.eventId]);
    await outbox.close();
  });

  it('keeps every owed event on disk while a restart rewrites the journal (a crash then loses none)', async () => {
    const api = new FlakyApi();
    const journalPath = path.join(mkdtempSync(path.join(tmpdir(), 'outbox-')), 'audit.jsonl');
    const owed = Array.from({ length: 1000 }, () => event());
    const acknowledged = Array.from({ length: 200 }, () => event());
    const lines = [...acknowledged, ...owed].map((item) => JSON.stringify({ event: item }));
    lines.push(...acknowledged.map((item) => JSON.stringify({ ack: item.eventId })));
    writeFileSync(journalPath, `${lines.join('\n')}\n`);
    // A watcher on another thread reads the file while open() (synchronous) rewrites it: what
    // it sees is what a SIGKILL at that moment would leave for the next start.
    const watcher = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
      const { readFileSync } = require('node:fs');
      const owedNow = () => {
        const pending = new Set();
        for (const line of readFileSync(workerData, 'utf8').split('\\n')) {
          try {
            const entry = JSON.parse(line);
            if (entry.ack !== undefined) pending.delete(entry.ack); else pending.add(entry.event.eventId);
          } catch {}
        }
        return pending.size;
      };
      let least = owedNow();
      let reads = 1;
      let stop = false;
      parentPort.on('message', () => { stop = true; });
      parentPort.postMessage('watching');
      const loop = () => {
        least = Math.min(least, owedNow());
        reads += 1;
        if (stop) parentPort.postMessage({ least, reads }); else setImmediate(loop);
      };
      loop();`,
      { eval: true, workerData: journalPath },
    );
    await new Promise((resolve) => watcher.once('message', resolve));
    const outbox = AuditOutbox.open(api, logger, { journalPath });
    try {
      const seen = new Promise<{ least: number; reads: number }>((resolve) => watcher.once('message', resolve));
      watcher.postMessage('stop');
      const { least } = await seen;
      expect(least).toBe(owed.length);
      expect(outbox.pending).toBe(owed.length);
      // The rewritten journal holds exactly what is owed, once each, in order.
      const rewritten = readFileSync(journalPath, 'utf8').trim().split('\n');
      expect(rewritten.map((line) => (JSON.parse(line) as { event: SfuRoomEvent }).event.eventId)).toEqual(owed.map((item) => item.eventId));
    } finally {
      await watcher.terminate();
      api.up = true;
      await outbox.close();
    }
  });
});
