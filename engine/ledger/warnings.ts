// The early-warning list of claims (spec section 6's per-claim warning; the monthly run's
// warnings.csv): each settled claim whose total out-of-pocket passed its city's line (the results'
// warning "1"), with the city, category, date and kind it was settled under, in input order. Read off
// the settled table, not by reading the ledger again; a partitioned run's lists are merged by input
// line. Made only when asked (BulkOptions.claimWarnings): a city with a low line may warn on most claims.
import { KIND_CODES } from '../chain/plan';
import { fenText } from '../fast/amount';
import type { ClaimTable } from './table';
import type { RuleSet } from './settle';

/** One claim on the list. Amounts are yuan with two decimals. */
export interface ClaimWarning { claim_id: string; city: string; category: string; date: string; kind: string; oop_compliant: string; oop_total: string }

/** A claim on a partition's list, with its input line (the lists of the partitions are merged by it). */
export interface ClaimWarningAt { line: number; warning: ClaimWarning }

/** The list of a settled table, in its order; `line` is the input line where the table keeps them (a partition), else the claim's number. */
export function claimWarningsOfTable(t: ClaimTable, ruleSets: RuleSet[]): ClaimWarningAt[] {
  const out: ClaimWarningAt[] = [];
  const dec = new TextDecoder();
  for (let v = 0; v < t.size; v++) {
    if (t.warn(v) !== 2) continue;
    const rs = ruleSets[t.rule(v)];
    const paid = t.basic(v) + t.critical(v) + t.assist(v) + t.reassist(v);
    out.push({
      line: t.vLine ? t.vLine.get(v) : v,
      warning: {
        claim_id: t.ids.text(t.vId.get(v), dec),
        city: rs.city.id, category: rs.category, date: t.dayYear(v), kind: KIND_CODES[t.kind(v) & 3],
        oop_compliant: fenText(t.compliant(v) - paid), oop_total: fenText(t.total(v) - paid),
      },
    });
  }
  return out;
}

/** The lists of the partitions (each claim in one) as one, in input order. */
export function mergeClaimWarnings(parts: ClaimWarningAt[][]): ClaimWarning[] {
  return parts.flat().sort((a, b) => a.line - b.line).map((x) => x.warning);
}
