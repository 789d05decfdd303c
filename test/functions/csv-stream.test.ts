// engine/csv.ts readCsvStream gives exactly the records of readCsv on the whole text, whatever the chunking.
import fc from 'fast-check';
import { readCsv } from '../../engine/csv';
import { readCsvStream } from '../../engine/csv';

async function collect(chunks: (Uint8Array | string)[]) {
  const out = [];
  for await (const r of readCsvStream(chunks)) out.push(r);
  return out;
}

/** The text's UTF-8 bytes cut at the given positions (which may fall inside a character or a CRLF). */
function cut(text: string, cuts: number[]): Uint8Array[] {
  const bytes = Buffer.from(text, 'utf8');
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const c of at) {
    parts.push(bytes.subarray(from, c));
    from = c;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

const TRICKY = [
  '\ufeffclaim_id,notes\r\n1,"a, ""quoted"" cell"\r\n2,"line one\r\nline two\nline three"\r\n\r\n3,plain\r4,lone CR\n',
  'a,b\n"unterminated,x\ny,z\n',
  'a,b\n"closed"tail,"x"y\n,\n\n\n"",""\n',
  '医保,类别\n低保对象,特困人员\r\n"边缘\n易致贫户",𠀀😀\n',
  'x\n\ufeffy\n', // a BOM-like character inside the text is kept
  '',
  '\n\n\r\n',
  'no newline at end',
  '"a\r\n""b"""\r\n',
];

describe('readCsvStream', () => {
  test.each(TRICKY.map((t, i) => [i, t]))('tricky input %i: every single cut position gives readCsv\'s records', async (_i, text) => {
    const expected = [...readCsv(text)];
    const bytes = Buffer.byteLength(text);
    for (let c = 0; c <= bytes; c++) {
      expect(await collect(cut(text, [c]))).toEqual(expected);
    }
    // one byte at a time: every multi-byte character and every CRLF is split
    expect(await collect(cut(text, Array.from({ length: bytes }, (_, k) => k)))).toEqual(expected);
  });

  test('a CRLF split across chunks counts as one line break', async () => {
    const recs = await collect([Buffer.from('a,b\r'), Buffer.from('\nc,d\r'), Buffer.from('\ne,f')]);
    expect(recs).toEqual([{ line: 1, cells: ['a', 'b'], error: undefined }, { line: 2, cells: ['c', 'd'], error: undefined }, { line: 3, cells: ['e', 'f'], error: undefined }]);
  });

  test('a Chinese character split between chunks is joined (no replacement character)', async () => {
    const b = Buffer.from('类别\n低保\n', 'utf8'); // 3 bytes per character
    const recs = await collect([b.subarray(0, 1), b.subarray(1, 4), b.subarray(4, 8), b.subarray(8)]);
    expect(recs.map((r) => r.cells[0])).toEqual(['类别', '低保']);
  });

  test('random CSV-ish text and random cuts: same records as readCsv', async () => {
    const alphabet = fc.constantFrom('a', 'b', ',', '"', '\n', '\r', '\r\n', ' ', '低', '😀', '\ufeff', 'x"y');
    await fc.assert(fc.asyncProperty(
      fc.array(alphabet, { maxLength: 60 }).map((xs) => xs.join('')),
      fc.array(fc.nat(400), { maxLength: 8 }),
      fc.boolean(),
      async (text, cuts, bom) => {
        const t = bom ? `\ufeff${text}` : text;
        expect(await collect(cut(t, cuts))).toEqual([...readCsv(t)]);
      },
    ), { numRuns: 1500 });
  });

  test('string chunks work too', async () => {
    const text = 'a,"b\nc"\nd,e\n';
    expect(await collect(['a,"b', '\nc"\n', 'd,e\n'])).toEqual([...readCsv(text)]);
  });
});
