import { PassThrough } from 'node:stream';
import type { Connection } from 'pg';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { CopyOutStream, copyOut } from '../../src/audit/copyOutStream.js';

/** One protocol message: type byte, Int32 length counting itself, body. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** A connection whose socket is a PassThrough the test writes server bytes into; pg's parser is a recorder. */
function fakeConnection(): { connection: Connection; socket: PassThrough; handedBack: Buffer[]; queries: string[] } {
  const socket = new PassThrough();
  const handedBack: Buffer[] = [];
  const queries: string[] = [];
  socket.on('data', (chunk: Buffer) => handedBack.push(chunk));
  const connection = { stream: socket, query: (text: string) => queries.push(text) } as unknown as Connection;
  return { connection, socket, handedBack, queries };
}

describe('COPY TO STDOUT without per-row framing work', () => {
  const rows = [
    Buffer.from('1\talpha\n'),
    Buffer.from(`2\t${'ü'.repeat(700)}\n`),
    Buffer.from('3\t\\N\n'),
    Buffer.from(`4\t${'x'.repeat(3000)}\n`),
  ];
  const server = Buffer.concat([
    message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0])),
    message('d', rows[0] ?? Buffer.alloc(0)),
    message('N', Buffer.from('SNOTICE\0Mhello\0\0')),
    message('d', rows[1] ?? Buffer.alloc(0)),
    message('S', Buffer.from('TimeZone\0UTC\0')),
    message('d', rows[2] ?? Buffer.alloc(0)),
    message('d', rows[3] ?? Buffer.alloc(0)),
    message('c', Buffer.alloc(0)),
  ]);
  const after = Buffer.concat([message('C', Buffer.from('COPY 4\0')), message('Z', Buffer.from('I'))]);

  it('yields exactly the rows, and hands what follows CopyDone back to pg, wherever the socket reads are cut', async () => {
    const bytes = Buffer.concat([server, after]);
    for (const step of [1, 2, 3, 4, 5, 6, 7, 13, 64, 999, bytes.length]) {
      for (const offset of [0, 1, 4]) {
        const { connection, socket, handedBack, queries } = fakeConnection();
        const stream = copyOut('COPY x TO STDOUT');
        stream.submit(connection);
        expect(queries).toEqual(['COPY x TO STDOUT']);
        const output = collect(stream);
        const cuts = [0, ...Array.from({ length: Math.ceil(bytes.length / step) + 1 }, (_, i) => Math.min(bytes.length, offset + i * step))];
        for (let i = 1; i < cuts.length; i += 1) {
          // A copy: the stream compacts the chunks it reads in place, as a socket's are its own.
          socket.write(Buffer.from(bytes.subarray(cuts[i - 1], cuts[i])));
          await new Promise((resolve) => setImmediate(resolve));
        }
        await expect(output).resolves.toEqual(Buffer.concat(rows));
        await new Promise((resolve) => setImmediate(resolve));
        expect(Buffer.concat(handedBack)).toEqual(after);
      }
    }
  });

  it('hands an ErrorResponse to pg with the rows before it delivered', async () => {
    const { connection, socket, handedBack } = fakeConnection();
    const stream = new CopyOutStream('COPY x TO STDOUT');
    stream.submit(connection);
    const output: Buffer[] = [];
    stream.on('data', (part: Buffer) => output.push(part));
    const error = message('E', Buffer.from('SERROR\0C22012\0Mdivision by zero\0\0'));
    socket.write(Buffer.concat([message('H', Buffer.from([0, 0, 0])), message('d', rows[0] ?? Buffer.alloc(0)), error]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(output)).toEqual(rows[0]);
    expect(Buffer.concat(handedBack)).toEqual(error);
  });

  describe('on PostgreSQL', () => {
    let client: Client;
    beforeAll(async () => {
      client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await client.connect();
    });
    afterAll(async () => {
      await client.end();
    });

    const sql = `COPY (SELECT n, repeat(chr(65 + n % 26) || 'é\t', (n * 37) % 900), CASE WHEN n % 7 = 0 THEN NULL ELSE n END
      FROM generate_series(1, 5000) n UNION ALL SELECT 0, repeat('z', 300000), 0) TO STDOUT`;

    it('gives the bytes and row count pg-copy-streams gives, and leaves the connection usable', async () => {
      const reference = client.query(copyTo(sql));
      const expected = await collect(reference);
      const stream = client.query(copyOut(sql));
      const actual = await collect(stream);
      // Buffer#equals: jest's deep equality walks megabytes byte by byte.
      expect(actual.length).toBe(expected.length);
      expect(actual.equals(expected)).toBe(true);
      expect(stream.rowCount).toBe(5001);
      expect(reference.rowCount).toBe(5001);
      await expect(client.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    });

    it('fails the stream on a server error mid-COPY, and the connection runs the next query', async () => {
      const stream = client.query(copyOut('COPY (SELECT 1 / (n - 4000) FROM generate_series(1, 5000) n) TO STDOUT'));
      await expect(collect(stream)).rejects.toThrow('division by zero');
      await expect(client.query('SELECT 2 AS two')).resolves.toMatchObject({ rows: [{ two: 2 }] });
    });
  });
});
