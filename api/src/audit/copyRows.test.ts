import type { CopyRow } from './copyRows.js';
import { CopyRowReader, decodeCopyEscapes, jsonStringOfBytes } from './copyRows.js';

const COLUMNS = 16;

/** The rows read from `chunks`, each as [null or text value, JSON of the value] per column. */
function read(chunks: readonly Buffer[]): (string | null)[][] {
  const reader = new CopyRowReader();
  const rows: (string | null)[][] = [];
  const visit = (row: CopyRow): void => {
    rows.push(Array.from({ length: COLUMNS }, (_, column) => row.text(column)));
  };
  for (const chunk of chunks) reader.push(chunk, visit);
  reader.end();
  return rows;
}

const line = (first: string, second: string): string => `${[first, second, ...Array<string>(COLUMNS - 2).fill('x')].join('\t')}\n`;

describe('COPY text rows read as byte strings', () => {
  it('undoes every escape COPY TO writes and reads \\N as NULL', () => {
    expect(decodeCopyEscapes('a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh')).toBe('a\tb\nc\rd\\e\bf\fg\vh');
    // A literal backslash followed by N is data, not NULL.
    const [row] = read([Buffer.from(line('\\N', '\\\\N'))]);
    expect(row?.slice(0, 2)).toEqual([null, '\\N']);
  });

  it('cuts rows out of chunks split anywhere, including inside a multi-byte character', () => {
    const bytes = Buffer.from(line('ü1', 'x\\ty') + line('2', '€ "q"'), 'utf8');
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const rows = read([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(rows.map((row) => row.slice(0, 2))).toEqual([
        ['ü1', 'x\ty'],
        ['2', '€ "q"'],
      ]);
    }
  });

  it('writes JSON strings of byte strings exactly as JSON.stringify writes the text', () => {
    const text = 'q"b\\c\u0001\b\f\n\r\t\u001f\u007f ü € 😀 \u2028';
    const bytes = Buffer.from(text, 'utf8').toString('latin1');
    expect(Buffer.from(jsonStringOfBytes(bytes), 'latin1').toString('utf8')).toBe(JSON.stringify(text));
  });

  it('refuses a stream that stops inside a row, and rows of the wrong width', () => {
    const reader = new CopyRowReader();
    reader.push(Buffer.from('1\tpartial'), () => undefined);
    expect(() => {
      reader.end();
    }).toThrow(/inside a row/);
    expect(() => read([Buffer.from('1\t2\n')])).toThrow(/2 columns/);
  });
});
