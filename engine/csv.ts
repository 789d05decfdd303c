// A small RFC 4180 reader and writer: UTF-8 with or without BOM, CRLF or LF, quoted fields with
// commas, quotes and line breaks. Each record keeps the line number it starts on, for messages.
// Reading is the one CSV scanner of the columnar ledger (engine/ledger/scan.ts), on the text's UTF-8.
import { CsvRecordReader, type CsvRecord } from './ledger/scan';

export type { CsvRecord };

/** Characters encoded at a time: the records come as the text is read, not all at once. */
const SLICE = 1 << 16;

/**
 * Split CSV text into records. Blank lines are skipped; an unterminated quote is an error record.
 * (A lone surrogate, which no UTF-8 file holds, reads as U+FFFD.)
 */
export function* readCsv(text: string): Generator<CsvRecord> {
  const reader = new CsvRecordReader();
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; ) {
    let j = Math.min(i + SLICE, text.length);
    const c = text.charCodeAt(j - 1);
    if (j < text.length && c >= 0xd800 && c <= 0xdbff) j--; // a surrogate pair is encoded whole
    yield* reader.push(encoder.encode(text.slice(i, j)));
    i = j;
  }
  yield* reader.finish();
}

/**
 * Records of a CSV stream (an HTTP body, a blob), identical to `readCsv(wholeText)`, without holding
 * the whole text: only an unfinished record is kept between chunks (an unterminated quote therefore
 * keeps the rest of the input, as readCsv does). `chunks` may hold bytes (UTF-8, with or without
 * BOM) or text.
 */
export async function* readCsvStream(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<CsvRecord> {
  const reader = new CsvRecordReader();
  const encoder = new TextEncoder();
  let high = ''; // a surrogate that opens a pair the next piece of text closes
  for await (const chunk of chunks as AsyncIterable<Uint8Array | string>) {
    if (typeof chunk !== 'string') {
      if (high) yield* reader.push(encoder.encode(high));
      high = '';
      yield* reader.push(chunk);
      continue;
    }
    let text = high + chunk;
    high = '';
    const c = text.charCodeAt(text.length - 1);
    if (c >= 0xd800 && c <= 0xdbff) {
      high = text.slice(-1);
      text = text.slice(0, -1);
    }
    yield* reader.push(encoder.encode(text));
  }
  if (high) yield* reader.push(encoder.encode(high));
  yield* reader.finish();
}

/** Quote a cell if it needs it. Cells starting with = + - @ are prefixed so spreadsheets do not run them. */
export function csvCell(value: string): string {
  let v = value;
  if (/^[=+\-@]/.test(v) && !/^-?\d/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(cells: string[]): string {
  return cells.map(csvCell).join(',') + '\n';
}
