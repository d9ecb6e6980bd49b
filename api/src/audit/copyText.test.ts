import { CopyTextDecoder, decodeCopyField } from './copyText.js';

describe('COPY text format decoding', () => {
  it('undoes every escape COPY TO writes and reads \\N as NULL', () => {
    expect(decodeCopyField('\\N')).toBeNull();
    expect(decodeCopyField('plain')).toBe('plain');
    expect(decodeCopyField('a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh')).toBe('a\tb\nc\rd\\e\bf\fg\vh');
    // A literal backslash followed by N is data, not NULL.
    expect(decodeCopyField('\\\\N')).toBe('\\N');
  });

  it('cuts rows out of chunks split anywhere, including inside a multi-byte character', () => {
    const text = 'ü1\t\\N\tx\\ty\n2\tzwei\t€\n';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const decoder = new CopyTextDecoder();
      const rows = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      decoder.end();
      expect(rows).toEqual([
        ['ü1', null, 'x\ty'],
        ['2', 'zwei', '€'],
      ]);
    }
  });

  it('refuses a stream that stops inside a row', () => {
    const decoder = new CopyTextDecoder();
    decoder.push(Buffer.from('1\tpartial'));
    expect(() => {
      decoder.end();
    }).toThrow(/inside a row/);
  });
});
