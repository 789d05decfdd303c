// Claim-level findings (floors.json rules on: claim) of settled claims: in integer form where a rule
// has one (result field OP whole fen), else the engine's own checkClaim on a ClaimResult. Counts what
// summaryText reports: the findings, the first of them, the claims with any.
import { Decimal } from '../money';
import { checkClaim, type Violation } from '../floors';
import type { Book, CityDef } from '../policy/load';
import type { Params } from '../policy/resolve';
import type { CategoryId, ClaimResult } from '../types';
import type { ClaimTable } from './table';
import { KIND_CODES } from '../chain/plan';

/** What a finding needs of the rules a claim was settled under (settle.ts RuleSet). */
export interface RulesInForce { city: CityDef; cityIdx: number; params: Params; category: CategoryId }

/** A claim rule of floors.json in integer form: result field OP whole fen. */
interface FastClaimRule { field: number; op: string; fen: number; text: string; violation: Omit<Violation, 'left'> }

const RESULT_FIELDS = ['basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total'];

export class ClaimFindings {
  /** Findings so far, the first of them, and the claims with at least one (settleLedger's claimFindings.size). */
  count = 0;
  first: Violation | undefined;
  claims = 0;
  /** A partition: the first line of the person-year with the first finding (−1: none yet). */
  firstLine = -1;
  private readonly claimRules = new Map<number, FastClaimRule[] | null>(); // per city; null: use checkClaim

  constructor(private readonly book: Book, private readonly table: ClaimTable) {}

  /** The findings of claim v settled to `paid` (fen by tier: basic, critical, assistance, reassist), as note texts (null: none). */
  fast(rs: RulesInForce, v: number, paid: ArrayLike<number>, total: number, compliant: number): string[] | null {
    let rules = this.claimRules.get(rs.cityIdx);
    if (rules === undefined) {
      rules = this.compileClaimRules(rs.city);
      this.claimRules.set(rs.cityIdx, rules);
    }
    if (rules === null) {
      const f = checkClaim(this.book, rs.city, rs.params, this.resultOf(v, rs, paid, total, compliant));
      if (!f.length) return null;
      this.note(f);
      return f.map((x) => `${x.zh}〔${x.source}〕`);
    }
    if (rules.length === 0) return null;
    const basic = paid[0], crit = paid[1], as = paid[2], re = paid[3];
    const sum = basic + crit + as + re;
    let out: string[] | null = null;
    for (const r of rules) {
      const f = r.field;
      const x = f === 0 ? basic : f === 1 ? crit : f === 2 ? as : f === 3 ? re : f === 4 ? compliant - sum : total - sum;
      const ok = r.op === '>' ? x > r.fen : r.op === '>=' ? x >= r.fen : r.op === '<' ? x < r.fen : r.op === '<=' ? x <= r.fen : x === r.fen;
      if (!ok) {
        (out ??= []).push(r.text);
        if (!this.first) this.first = { ...r.violation, left: new Decimal(x).div(100).toFixed() };
        this.count++;
      }
    }
    if (out) this.claims++;
    return out;
  }

  /** One claim's findings from checkClaim. */
  note(f: Violation[]): void {
    if (!this.first) this.first = f[0];
    this.count += f.length;
    this.claims++;
  }

  private compileClaimRules(city: CityDef): FastClaimRule[] | null {
    const out: FastClaimRule[] = [];
    for (const rule of this.book.floors) {
      if (rule.on !== 'claim') continue;
      const applies = rule.scope === 'national' || (rule.scope.startsWith('province:') ? city.province === rule.scope.slice(9) : city.id === rule.scope.slice(5));
      if (!applies) continue;
      const m = /^\s*([a-z_]+)\s+(>=|<=|==|<|>)\s+(\d+(\.\d{1,2})?)\s*$/.exec(rule.check);
      if (rule.for || !m || !RESULT_FIELDS.includes(m[1])) return null;
      const fen = Number(new Decimal(m[3]).times(100).toFixed(0));
      out.push({ field: RESULT_FIELDS.indexOf(m[1]), op: m[2], fen, text: `${rule.zh}〔${rule.source}〕`, violation: { rule: rule.id, source: rule.source, zh: rule.zh, en: rule.en, check: rule.check, right: new Decimal(m[3]).toFixed(), city: city.id } });
    }
    return out;
  }

  /** A ClaimResult of claim v settled to `paid` (for checkClaim on rules without an integer form). */
  private resultOf(v: number, rs: RulesInForce, paid: ArrayLike<number>, total: number, compliant: number): ClaimResult {
    const t = this.table;
    const d = (f: number) => new Decimal(f).div(100);
    const sum = paid[0] + paid[1] + paid[2] + paid[3];
    return { claim_id: '', basic: d(paid[0]), critical: d(paid[1]), assistance: d(paid[2]), reassist: d(paid[3]), oop_compliant: d(compliant - sum), oop_total: d(total - sum), warning: null, steps: [], notes: [], city: rs.city.id, category: rs.category, date: `${t.dayYear(v)}`, kind: KIND_CODES[t.kind(v) & 3] };
  }
}
