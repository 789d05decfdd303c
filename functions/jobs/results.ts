// A finished job's files as HTTP bodies, read from Blob Storage as they stream out (memory: a range of
// the blob and one row, whatever the job's size): CSV as stored, or JSON (an array of objects keyed by
// the CSV's column names, every value the exact text of the CSV: amounts stay decimal strings).
import { readCsvStream } from '../../engine';
import { utf8Text } from '../body';

const enc = new TextEncoder();

/** The CSV's records as a JSON array of objects, in pieces of about 64 KB. */
export async function* csvAsJson(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let columns: string[] | undefined;
  let piece = '[';
  let first = true;
  for await (const rec of readCsvStream(utf8Text(chunks, false))) {
    if (!columns) { columns = rec.cells; continue; }
    const row: Record<string, string> = {};
    columns.forEach((c, i) => (row[c] = rec.cells[i] ?? ''));
    piece += (first ? '\n' : ',\n') + JSON.stringify(row);
    first = false;
    if (piece.length >= 1 << 16) { yield enc.encode(piece); piece = ''; }
  }
  yield enc.encode(piece + (first ? ']\n' : '\n]\n'));
}
