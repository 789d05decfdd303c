// The ledger's header: which column holds which field of the spec (the last column of that name, as
// validateClaim reads a row). Under the national platform's names or an option (--city,
// --category-column), engine/nhsa.ts's plan says where each field comes from, and every row goes
// through its mapper (intake.ts mapRecord), as on the row path.
import { readLedgerHeader } from '../ledger';
import { YibaoError } from '../errors';
import type { HeaderPlan, LedgerHeaderOptions } from '../nhsa';

export const FIELDS = ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'] as const;
export const F_ID = 0, F_PERSON = 1, F_CAT = 2, F_CITY = 3, F_DATE = 4, F_KIND = 5, F_LEVEL = 6, F_TOTAL = 7, F_COMPLIANT = 8, F_BASIC = 9;

export interface LedgerHeader {
  cells: string[];
  /** The normalized column names (normalizeName + lower case), as tableLedgerRows keys a row. */
  columns: string[];
  /** Per field of FIELDS its column (−1: absent). Under a plan only claim_id and person_id are read from it. */
  col: Int32Array;
  /** The last column named county (−1: none). */
  countyCol: number;
  /** engine/nhsa.ts's plan (null: the spec's names and no option: the fast checks read the cells). */
  plan: HeaderPlan | null;
}

/** The header's cells as readCsv gives them; the engine's own errors for a header it cannot use. */
export function readHeader(cells: string[], opts: LedgerHeaderOptions = {}): LedgerHeader {
  const { columns, plan } = readLedgerHeader(cells, opts);
  const col = new Int32Array(FIELDS.length);
  FIELDS.forEach((f, k) => (col[k] = columns.lastIndexOf(f)));
  if (plan) {
    col.fill(-1);
    col[F_ID] = columns.lastIndexOf(plan.source.claim_id!);
    col[F_PERSON] = columns.lastIndexOf(plan.source.person_id!);
  }
  return { cells, columns, col, countyCol: columns.lastIndexOf('county'), plan };
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
