import { calendarDateSchema, documentTextSchema, instantSchema, labelSchema, timeZoneSchema } from './inputSchemas.js';

describe('scheduling input primitives', () => {
  it('canonicalises IANA names and refuses offsets and unknown zones', () => {
    expect(timeZoneSchema.parse('america/new_york')).toBe('America/New_York');
    expect(timeZoneSchema.parse('Etc/GMT+5')).toBe('Etc/GMT+5');
    for (const bad of ['+05:00', '-0500', 'Mars/Olympus', '', 'America/New_York; DROP']) {
      expect(timeZoneSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('accepts only real calendar dates and sane instants', () => {
    expect(calendarDateSchema.safeParse('2028-02-29').success).toBe(true);
    expect(calendarDateSchema.safeParse('2027-02-29').success).toBe(false);
    expect(calendarDateSchema.safeParse('0000-01-01').success).toBe(false);
    expect(instantSchema.safeParse('2027-03-14T07:00:00-05:00').success).toBe(true);
    expect(instantSchema.safeParse('0000-01-01T00:00:00Z').success).toBe(false);
  });

  it('keeps NUL and other control characters out of text', () => {
    expect(labelSchema(20).safeParse('a\u0000b').success).toBe(false);
    expect(labelSchema(20).safeParse('two\nlines').success).toBe(false);
    expect(labelSchema(20).parse('  NP-1234 ')).toBe('NP-1234');
    expect(documentTextSchema(100).safeParse('para one\n\npara two\ttab').success).toBe(true);
    expect(documentTextSchema(100).safeParse('bell\u0007').success).toBe(false);
  });
});
