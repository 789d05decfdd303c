// Early warning, monthly (spec 10.6): Xixiu monitors "按月": a person whose total out-of-pocket
// (oop_total) in one calendar month exceeds the line is on that month's warning list, even if no
// single claim is. Beside the per-claim flag, which stays as it is. Sums in exact fen; one
// accumulator for the columnar ledger (BulkLedger) and the decimal one (settleLedger).
import { fenText } from '../fast/amount';
import type { ClaimTable } from './table';
import type { RuleSet } from './settle';

/** One person-month on the list. Amounts are yuan with two decimals. */
export interface MonthlyWarning { city: string; person_id: string; month: string; oop_total: string; line: string; claims: number }

interface Acc { city: string; person: string | number; month: string; oop: number; line: number; claims: number }

/**
 * Person-months by city, person and month. A claim without a warning line (a city that publishes
 * none) is not counted; where a person's line changes within a month (a category change), the lower
 * one is used: the list errs on the side of naming a person.
 */
export class MonthlyWarnings {
  private readonly byKey = new Map<string | number, Acc>();

  /**
   * A settled claim: `key` names its person-month (one key, one city, person and month); `person`
   * is the person's id or a number that list's `name` turns into it; oop_total and line in fen.
   */
  add(key: string | number, city: string, person: string | number, month: () => string, oopFen: number, lineFen: number): void {
    const a = this.byKey.get(key);
    if (a) {
      a.oop += oopFen; // whole fen below 2^53: exact
      a.line = Math.min(a.line, lineFen);
      a.claims++;
    } else this.byKey.set(key, { city, person, month: month(), oop: oopFen, line: lineFen, claims: 1 });
  }

  /** The person-months over their line, by city, person and month. */
  list(name: (person: string | number) => string = String): MonthlyWarning[] {
    return sortMonthly(
      [...this.byKey.values()]
        .filter((a) => a.oop > a.line)
        .map((a) => ({ city: a.city, person_id: name(a.person), month: a.month, oop_total: fenText(a.oop), line: fenText(a.line), claims: a.claims })),
    );
  }
}

const order = (w: MonthlyWarning) => `${w.city}\u0000${w.person_id}\u0000${w.month}`;
function sortMonthly(list: MonthlyWarning[]): MonthlyWarning[] {
  return list.sort((x, y) => (order(x) < order(y) ? -1 : 1));
}

/** The monthly list of a settled columnar ledger (person-months keyed by number; ids read only for the list). */
export function monthlyOfTable(t: ClaimTable, ruleSets: RuleSet[]): MonthlyWarning[] {
  const m = new MonthlyWarnings();
  const lines = new Map<RuleSet, number>();
  for (let v = 0; v < t.size; v++) {
    const rs = ruleSets[t.rule(v)];
    let line = lines.get(rs);
    if (line === undefined) lines.set(rs, (line = rs.plan.warning ? rs.plan.warning.threshold.times(100).toNumber() : -1));
    if (line < 0) continue;
    const paid = t.basic(v) + t.critical(v) + t.assist(v) + t.reassist(v);
    const py = t.vPersonYear.get(v); // a person in a city and year
    m.add(py * 16 + (t.day(v) >> 5), rs.city.id, py, () => t.dayYear(v).slice(0, 7), t.total(v) - paid, line);
  }
  const dec = new TextDecoder();
  return m.list((py) => t.personYears.text(py as number, dec));
}

/** Lists of partitions by person (each person in one) as one list, in the same order. */
export function mergeMonthly(parts: MonthlyWarning[][]): MonthlyWarning[] {
  return sortMonthly(parts.flat());
}
