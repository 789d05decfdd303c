// A row keyed by the spec's columns as a CSV record the scanner reads back unchanged: how an NDJSON
// object (ndjson.ts) and a row mapped by a header plan (a splitter's partitions, bulk.ts) become
// records of a ledger under the spec's names.
import { CLAIM_COLUMNS } from '../claims';

const enc = new TextEncoder();

/** A cell quoted where it must be (a quote, comma or line break), and nothing else changed. */
function cell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The spec's header (and a last column county, if asked). */
export function specHeader(county: boolean): Uint8Array {
  return enc.encode(CLAIM_COLUMNS.join(',') + (county ? ',county' : '') + '\n');
}

/** A row's fields under the spec's header (an absent field is an empty cell: validateClaim reads both alike). */
export function specRecord(fields: Record<string, string | undefined>, county?: string): Uint8Array {
  const cells = CLAIM_COLUMNS.map((c) => cell(fields[c] ?? ''));
  if (county !== undefined) cells.push(cell(county));
  return enc.encode(cells.join(',') + '\n');
}
