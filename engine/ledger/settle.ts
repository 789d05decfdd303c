// Settlement of the claims in a ClaimTable: grouped by person-year (a counting sort), ordered by date
// inside each (ties in input order), and each person-year run on its plans (engine/chain) on integer
// fen (fen.ts), or on decimals (decimal.ts) where the rules have no integer form or the bases pass the
// integer bound.
import type DecimalBase from 'decimal.js';
import { YibaoError } from '../errors';
import { Decimal } from '../money';
import { rulesFor, type CategoryRules, type Params } from '../policy/resolve';
import { checkClaim } from '../floors';
import { newYearState, settleClaim } from '../chain/decimal';
import { CATEGORY_CHANGED, KIND_CODES, LEVEL_CODES, planOf, type Plan } from '../chain/plan';
import { compileFen, settleFen, STATE_SIZE, type FenPlan } from '../chain/fen';
import type { Book, CityDef } from '../policy/load';
import type { CategoryId } from '../types';
import type { ClaimTable } from './table';
import type { ClaimFindings, RulesInForce } from './findings';
import { BulkUnsupported } from './unsupported';

/** One compiled rule set: a city's parameters on a date (under the scenario) for one category. */
export interface RuleSet extends RulesInForce { rules: CategoryRules; catIdx: number; plan: Plan; fast: FenPlan | null }

/** The cities, categories and parameters met so far, each by a small number, and the rule sets compiled from them. */
export class RuleSets {
  readonly cities: CityDef[] = [];
  readonly categories: CategoryId[] = [];
  private readonly paramsList: Params[] = [];
  /** ruleIndex[paramsIdx][catIdx]: the rule set (−1: refused); looked up once a row, so numbers, not a string key. */
  private readonly ruleIndex: number[][] = [];
  readonly ruleSets: RuleSet[] = [];
  /** Why rule sets have no integer form (for reports). */
  readonly unsupportedReasons = new Set<string>();

  cityIndex(city: CityDef): number {
    let k = this.cities.indexOf(city);
    if (k < 0) k = this.cities.push(city) - 1;
    return k;
  }

  categoryIndex(cat: CategoryId): number {
    let k = this.categories.indexOf(cat);
    if (k < 0) k = this.categories.push(cat) - 1;
    return k;
  }

  paramsIndex(p: Params): number {
    let k = this.paramsList.indexOf(p);
    if (k < 0) k = this.paramsList.push(p) - 1;
    return k;
  }

  /** Compiled rules for (parameters, category); −1 when the engine's rulesFor refuses. */
  ruleSet(paramsIdx: number, catIdx: number, cityIdx: number): number {
    const byCat = (this.ruleIndex[paramsIdx] ??= []);
    let r = byCat[catIdx];
    if (r !== undefined) return r;
    const city = this.cities[cityIdx];
    const params = this.paramsList[paramsIdx];
    const category = this.categories[catIdx];
    try {
      const rules = rulesFor(city, params, category);
      const plan = planOf(rules, params);
      const c = compileFen(plan);
      if ('unsupported' in c) this.unsupportedReasons.add(c.unsupported);
      r = this.ruleSets.push({ city, cityIdx, catIdx, params, rules, category, plan, fast: 'fen' in c ? c.fen : null }) - 1;
      if (r > 0xfffe) throw new BulkUnsupported('too many rule sets');
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      r = -1;
    }
    byCat[catIdx] = r;
    return r;
  }
}

export class Settler {
  /** Person-years settled on the decimal path and on integer fen (for reports). */
  decimalGroups = 0;
  fastGroups = 0;
  /** A person-year's results, six a claim (basic, critical, assistance, reassist, warning, note), kept until all its claims are settled. */
  private paid = new Float64Array(64 * 6);
  private readonly ruleSets: RuleSet[];

  constructor(private readonly book: Book, private readonly table: ClaimTable, rules: RuleSets, private readonly findings: ClaimFindings) {
    this.ruleSets = rules.ruleSets;
  }

  /** Settle every claim of the table: counting sort by person-year, then by date (ties in input order) inside each. */
  settle(): void {
    const t = this.table;
    const G = t.personYears.size;
    const V = t.size;
    const start = new Int32Array(G + 1);
    for (let v = 0; v < V; v++) start[t.vPersonYear.get(v) + 1]++;
    for (let g = 0; g < G; g++) start[g + 1] += start[g];
    const order = new Int32Array(V);
    const fill = start.slice(0, G);
    for (let v = 0; v < V; v++) order[fill[t.vPersonYear.get(v)]++] = v;
    const state = new Float64Array(STATE_SIZE);
    const out = new Float64Array(4);
    for (let g = 0; g < G; g++) {
      const s = start[g], e = start[g + 1];
      const first = order[s]; // the person-year's first row in input order (before the sort by day)
      // insertion sort by day (stable: input order among equal days)
      for (let i = s + 1; i < e; i++) {
        const v = order[i];
        const day = t.day(v);
        let j = i - 1;
        while (j >= s && t.day(order[j]) > day) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = v;
      }
      let fast = true;
      for (let i = s; i < e; i++) if (this.ruleSets[t.rule(order[i])].fast === null) fast = false;
      if (fast && this.settleGroupFast(order, s, e, state, out)) this.fastGroups++;
      else {
        this.settleGroupDecimal(order, s, e);
        this.decimalGroups++;
      }
      if (this.findings.first !== undefined && this.findings.firstLine < 0 && t.vLine) this.findings.firstLine = t.vLine.get(first);
    }
  }

  /** One person-year order[s, e) on integer fen; false (nothing kept) when a base passes the integer bound. */
  private settleGroupFast(order: Int32Array, s: number, e: number, state: Float64Array, out: Float64Array): boolean {
    const t = this.table;
    state.fill(0);
    if (this.paid.length < (e - s) * 6) this.paid = new Float64Array(Math.max((e - s) * 6, this.paid.length * 2));
    const paid = this.paid;
    const findingCount = this.findings.count, firstFinding = this.findings.first, findingClaims = this.findings.claims;
    let firstCat = -1;
    let otherCats: number[] | null = null;
    for (let i = s; i < e; i++) {
      const v = order[i];
      const rs = this.ruleSets[t.rule(v)];
      const k = t.kind(v);
      const total = t.total(v), compliant = t.compliant(v);
      if (!settleFen(rs.fast!, k & 3, k >> 2, compliant, t.basic(v), state, out)) {
        // past the integer bound: this person-year is settled in decimals
        this.findings.count = findingCount;
        this.findings.first = firstFinding;
        this.findings.claims = findingClaims;
        return false;
      }
      // the category-changed note, as the decimal executor gives it
      const cat = rs.catIdx;
      let changed = false;
      if (firstCat < 0) firstCat = cat;
      else if (cat !== firstCat && !(otherCats?.includes(cat) ?? false)) {
        changed = true;
        (otherCats ??= []).push(cat);
      }
      const o = (i - s) * 6;
      paid[o] = out[0];
      paid[o + 1] = out[1];
      paid[o + 2] = out[2];
      paid[o + 3] = out[3];
      const w = rs.fast!.warning;
      paid[o + 4] = w < 0 ? 0 : total - (out[0] + out[1] + out[2] + out[3]) > w ? 2 : 1;
      const planNotes = rs.plan.chains[k & 3]!.notes;
      let findings: string[] | null = null;
      if (compliant > 0) findings = this.findings.fast(rs, v, out, total, compliant);
      if (changed || planNotes.length || findings) {
        const parts: string[] = [];
        if (changed) parts.push(CATEGORY_CHANGED.zh);
        for (const n of planNotes) parts.push(n.zh);
        if (findings) parts.push(...findings);
        paid[o + 5] = t.noteIndex(parts.join('；'));
      } else paid[o + 5] = 0;
    }
    for (let i = s; i < e; i++) {
      const o = (i - s) * 6;
      t.settled(order[i], paid[o], paid[o + 1], paid[o + 2], paid[o + 3], paid[o + 4], paid[o + 5]);
    }
    return true;
  }

  /** One person-year order[s, e) by the decimal executor. */
  private settleGroupDecimal(order: Int32Array, s: number, e: number): void {
    const t = this.table;
    const state = newYearState();
    for (let i = s; i < e; i++) {
      const v = order[i];
      const rs = this.ruleSets[t.rule(v)];
      const k = t.kind(v);
      const d = (f: number) => new Decimal(f).div(100);
      const basicGiven = t.basic(v);
      const total = t.total(v), compliant = t.compliant(v);
      const claim = {
        claim_id: '', person_id: '', category: rs.category, city: rs.city.id, date: t.dayYear(v), kind: KIND_CODES[k & 3],
        hospital_level: LEVEL_CODES[k >> 2], total: d(total), compliant: d(compliant), basic_paid: basicGiven < 0 ? undefined : d(basicGiven), seq: v,
      };
      const r = settleClaim(claim, rs.plan, state);
      const fen = (x: DecimalBase) => Number(x.times(100).toFixed(0));
      const findings = claim.compliant.gt(0) ? checkClaim(this.book, rs.city, rs.params, r) : [];
      if (findings.length) this.findings.note(findings);
      const note = t.noteIndex([...r.notes.map((n) => n.zh), ...findings.map((f) => `${f.zh}〔${f.source}〕`)].join('；'));
      t.settled(v, fen(r.basic), fen(r.critical), fen(r.assistance), fen(r.reassist), r.warning === null ? 0 : r.warning ? 2 : 1, note);
    }
  }
}
