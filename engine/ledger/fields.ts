// The ledger's header: which column holds which field of the spec (the last column of that name, as
// validateClaim reads a row), refused where the columnar ledger cannot read it.
import { normalizeName } from '../catalog';
import { headerPlan } from '../nhsa';
import { tableLedgerRows } from '../ledger';
import { YibaoError } from '../errors';
import { BulkUnsupported } from './unsupported';

export const FIELDS = ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'] as const;
export const F_ID = 0, F_PERSON = 1, F_CAT = 2, F_CITY = 3, F_DATE = 4, F_KIND = 5, F_LEVEL = 6, F_TOTAL = 7, F_COMPLIANT = 8, F_BASIC = 9;

export interface LedgerHeader {
  cells: string[];
  /** Per field of FIELDS its column (−1: absent). */
  col: Int32Array;
  /** The last column named county (−1: none). */
  countyCol: number;
}

/** The header's cells as readCsv gives them; the engine's own errors for a header it cannot use. */
export function readHeader(cells: string[]): LedgerHeader {
  const columns = cells.map((c) => normalizeName(c).toLowerCase());
  if (headerPlan(columns, {}) !== null) throw new BulkUnsupported('the national platform\'s column names');
  tableLedgerRows(cells, []);
  const col = new Int32Array(FIELDS.length);
  FIELDS.forEach((f, k) => (col[k] = columns.lastIndexOf(f)));
  return { cells, col, countyCol: columns.lastIndexOf('county') };
}

/** A name's number as f finds it, or −1 where the engine refuses the name (a YibaoError). */
export function resolve(f: () => number): number {
  try {
    return f();
  } catch (e) {
    if (e instanceof YibaoError) return -1;
    throw e;
  }
}
