// readCsv and readCsvStream are the columnar ledger's byte scanner (engine/ledger/scan.ts): the same
// records, line numbers and errors as the string reader they replaced, kept here as the oracle.
import fc from 'fast-check';
import { readCsv, readCsvStream, type CsvRecord } from '../../engine/csv';
import { CsvScanner } from '../../engine/ledger/scan';

/** The string reader readCsv was before it became the byte scanner. */
function* stringReader(text: string): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  const runEnd = (from: number): number => {
    let j = from;
    while (j < n && !',\r\n'.includes(text[j])) j++;
    return j;
  };
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let error: string | undefined;
    for (;;) {
      let cell: string;
      if (text[i] === '"') {
        i++;
        const parts: string[] = [];
        let closed = false;
        while (i < n) {
          const q = text.indexOf('"', i);
          const stop = q < 0 ? n : q;
          const piece = text.slice(i, stop);
          line += piece.split('\n').length - 1;
          parts.push(piece);
          if (q < 0) { i = n; break; }
          if (text[q + 1] === '"') { parts.push('"'); i = q + 2; continue; }
          i = q + 1;
          closed = true;
          break;
        }
        if (!closed) error = 'unterminated quote';
        const e = runEnd(i);
        parts.push(text.slice(i, e));
        i = e;
        cell = parts.join('');
      } else {
        const e = runEnd(i);
        cell = text.slice(i, e);
        i = e;
      }
      cells.push(cell);
      if (i >= n) break;
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    if (cells.length === 1 && cells[0] === '' && !error) continue;
    yield { line: start, cells, error };
  }
}

const chars = fc.constantFrom('a', '1', ',', '"', '"', '\n', '\r', ' ', '低', '保', '\ufeff', '😀', '=');
const csvText = fc.array(chars, { maxLength: 300 }).map((cs) => cs.join(''));

describe('readCsv', () => {
  test('tricky input: BOMs, CRLF, a lone CR, quotes, line breaks in cells, blank lines', () => {
    expect([...readCsv('\ufeff\ufeffa,b\r\n\r\n"x""y","multi\nline"tail\r3,lone CR\n')]).toEqual([
      { line: 1, cells: ['\ufeffa', 'b'] },
      { line: 3, cells: ['x"y', 'multi\nlinetail'] },
      { line: 5, cells: ['3', 'lone CR'] },
    ]);
    expect([...readCsv('a,b\n"unterminated,x\ny,z\n')]).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['unterminated,x\ny,z\n'], error: 'unterminated quote' },
    ]);
    expect([...readCsv('""\n"",""\n \n,\n')]).toEqual([{ line: 2, cells: ['', ''] }, { line: 3, cells: [' '] }, { line: 4, cells: ['', ''] }]);
    expect([...readCsv('医保,"类别, 低保"\n😀,\ufeff\n')]).toEqual([{ line: 1, cells: ['医保', '类别, 低保'] }, { line: 2, cells: ['😀', '\ufeff'] }]);
  });

  test('random text: the records of the string reader', () => {
    fc.assert(fc.property(csvText, (text) => expect([...readCsv(text)]).toEqual([...stringReader(text)])), { numRuns: 3000 });
  });

  test('text longer than one slice, a surrogate pair across the cut', () => {
    const text = `${'x'.repeat((1 << 16) - 1)}😀,"a\n${'b'.repeat(200_000)}"\n`;
    expect([...readCsv(text)]).toEqual([...stringReader(text)]);
  });

  test('readCsvStream: text chunks cut inside a surrogate pair, and bytes', async () => {
    const text = 'a,😀\n"b\r\nc",d\n';
    const pieces = ['a,\ud83d', '\ude00\n"b\r', '\nc",d\n'];
    const got: CsvRecord[] = [];
    for await (const r of readCsvStream(pieces)) got.push(r);
    expect(got).toEqual([...stringReader(text)]);
    const bytes: CsvRecord[] = [];
    for await (const r of readCsvStream([new TextEncoder().encode(text)])) bytes.push(r);
    expect(bytes).toEqual(got);
  });
});

describe('CsvScanner', () => {
  test('a record over many chunks is scanned again only as the bytes held double', () => {
    let records = 0, scans = 0;
    const sc = new CsvScanner(() => void records++, () => void scans++);
    sc.push(new TextEncoder().encode('a,"'));
    const chunk = new Uint8Array(1000).fill(120);
    for (let k = 0; k < 2000; k++) sc.push(chunk);
    expect(records).toBe(0);
    expect(scans).toBeLessThan(30); // one scan per chunk would be 2,000 passes over up to 2 MB
    sc.push(new TextEncoder().encode('"\nb,c\n'));
    sc.finish();
    expect(records).toBe(2);
  });

  test("a file's bytes lose two BOMs (TextDecoder and readCsv), text's one", () => {
    const cells: string[][] = [];
    const sc: CsvScanner = new CsvScanner((b) => void cells.push(sc.cells(b)));
    sc.push(new TextEncoder().encode('\ufeff\ufeff\ufeffa\n'));
    sc.finish();
    expect(cells).toEqual([['\ufeffa']]);
    expect([...readCsv('\ufeff\ufeff\ufeffa\n')].map((r) => r.cells)).toEqual([['\ufeff\ufeffa']]);
  });
});
