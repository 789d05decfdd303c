// Shared test helpers: settle CSV text with the embedded policy and look results up by claim id.
import { defaultBook, csvLedgerRows, settleLedger, type Book, type LedgerOutcome, type Scenario, type ClaimResult } from '../engine';

export const HEADER = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid';

export function settleCsv(body: string, scenario?: Scenario, book: Book = defaultBook()): LedgerOutcome {
  const text = body.replace(/^\ufeff/, '').startsWith('claim_id') ? body : `${HEADER}\n${body}`;
  return settleLedger(book, csvLedgerRows(text).rows, { scenario });
}

/** The settled amounts of one claim as two-decimal strings, for exact comparisons. */
export function amounts(r: ClaimResult) {
  return {
    basic: r.basic.toFixed(2),
    critical: r.critical.toFixed(2),
    assistance: r.assistance.toFixed(2),
    reassist: r.reassist.toFixed(2),
    oop_compliant: r.oop_compliant.toFixed(2),
    oop_total: r.oop_total.toFixed(2),
  };
}

export function byId(o: LedgerOutcome): Map<string, ClaimResult> {
  return new Map(o.results.map((r) => [r.claim_id, r]));
}
