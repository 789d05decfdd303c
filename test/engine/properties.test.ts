// Property tests on random ledgers (fast-check): the invariants of issue 2 hold for any input.
import fc from 'fast-check';
import { Decimal } from '../../engine';
import { settleCsv, HEADER } from '../helpers';

const CATEGORIES: Record<string, string[]> = {
  luan: ['extremely_poor', 'dibao', 'relapsed', 'monitored', 'on_application', 'alleviated', 'ordinary'],
  linyi: ['extremely_poor', 'dibao', 'dibao_marginal', 'expenditure_hardship', 'unstable_alleviated', 'marginal_at_risk', 'sudden_hardship', 'relapsed', 'alleviated', 'ordinary'],
  xixiu: ['extremely_poor', 'dibao', 'alleviated', 'dibao_marginal', 'unstable_alleviated', 'marginal_at_risk', 'relapsed', 'ordinary'],
};
// Yearly caps from the spec, to check against independently of the packs (Xixiu: spec 10.1).
const ASSIST_CAP: Record<string, Record<string, number>> = {
  luan: { extremely_poor: 50000, dibao: 50000, relapsed: 50000, monitored: 50000, on_application: 20000 },
  linyi: { extremely_poor: 20000, dibao: 10000, relapsed: 10000, dibao_marginal: 10000, unstable_alleviated: 10000, marginal_at_risk: 10000 },
  xixiu: { extremely_poor: 50000, dibao: 50000, alleviated: 50000, unstable_alleviated: 50000, relapsed: 50000 },
};
const REASSIST_CAP = 20000;
const CRITICAL_CAP: Record<string, number> = { luan: 300000, linyi: 400000, xixiu: 300000 };
const TILT: Record<string, string[]> = { luan: ['extremely_poor', 'dibao', 'relapsed'], linyi: ['extremely_poor', 'dibao', 'relapsed'], xixiu: ['extremely_poor', 'dibao', 'alleviated', 'unstable_alleviated', 'relapsed'] };

interface Person { city: string; category: string }
interface Row { person: number; date: string; kind: string; totalFen: number; compliantPct: number; basicPct: number | null }

const fen = (n: number) => (n / 100).toFixed(2);
// Amounts from a few yuan to ~800,000, with extra weight on round figures near the thresholds.
const amountFen = fc.oneof(
  fc.integer({ min: 0, max: 80_000_000 }),
  fc.integer({ min: 0, max: 3_000_000 }),
  fc.constantFrom(500_000, 600_000, 1_200_000, 1_545_200, 2_000_000, 10_000_000, 10_000_001, 20_000_000, 30_000_000),
);
const date = fc.record({ y: fc.constantFrom(2023, 2024), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) }).map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

const ledger = fc
  .array(fc.record({ city: fc.constantFrom('luan', 'linyi', 'xixiu'), pick: fc.nat() }), { minLength: 1, maxLength: 6 })
  .chain((ps) => {
    const persons: Person[] = ps.map(({ city, pick }) => ({ city, category: CATEGORIES[city][pick % CATEGORIES[city].length] }));
    const row = fc.record({
      person: fc.integer({ min: 0, max: persons.length - 1 }),
      date,
      kind: fc.constantFrom('inpatient', 'inpatient', 'chronic_outpatient', 'special_drug'),
      totalFen: amountFen,
      compliantPct: fc.integer({ min: 0, max: 100 }),
      basicPct: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    });
    return fc.tuple(fc.constant(persons), fc.array(row, { minLength: 1, maxLength: 25 }));
  });

function csvOf(persons: Person[], rows: Row[], order?: number[], category?: (p: Person) => string): string {
  const lines = rows.map((r, i) => {
    const p = persons[r.person];
    const kind = r.kind === 'special_drug' && p.city !== 'linyi' ? 'inpatient' : r.kind;
    const compliant = Math.floor((r.totalFen * r.compliantPct) / 100);
    const basic = r.basicPct === null ? '' : fen(Math.floor((compliant * r.basicPct) / 100));
    return `c${i},p${r.person},${category ? category(p) : p.category},${p.city},${r.date},${kind},,${fen(r.totalFen)},${fen(compliant)},${basic}`;
  });
  return [HEADER, ...(order ?? lines.map((_, i) => i)).map((i) => lines[i])].join('\n');
}

const RUNS = { numRuns: 150 };

test('no payment is negative and the four tiers never pay more than the compliant cost', () => {
  fc.assert(fc.property(ledger, ([persons, rows]) => {
    const o = settleCsv(csvOf(persons, rows));
    expect(o.rejections).toEqual([]);
    const compliant = new Map(rows.map((r, i) => [`c${i}`, Math.floor((r.totalFen * r.compliantPct) / 100)]));
    for (const r of o.results) {
      for (const x of [r.basic, r.critical, r.assistance, r.reassist, r.oop_compliant, r.oop_total]) expect(x.isNegative()).toBe(false);
      const paid = r.basic.plus(r.critical).plus(r.assistance).plus(r.reassist);
      expect(paid.lte(new Decimal(compliant.get(r.claim_id)!).div(100))).toBe(true);
      expect(r.oop_compliant.toFixed(2)).toBe(new Decimal(compliant.get(r.claim_id)!).div(100).minus(paid).toFixed(2));
    }
  }), RUNS);
});

test('yearly caps are never exceeded', () => {
  fc.assert(fc.property(ledger, ([persons, rows]) => {
    const o = settleCsv(csvOf(persons, rows));
    const sums = new Map<string, { a: Decimal; r: Decimal; c: Decimal; d: Decimal }>();
    o.results.forEach((res) => {
      const i = Number(res.claim_id.slice(1));
      const key = `${rows[i].person}:${rows[i].date.slice(0, 4)}`;
      const s = sums.get(key) ?? { a: new Decimal(0), r: new Decimal(0), c: new Decimal(0), d: new Decimal(0) };
      s.a = s.a.plus(res.assistance);
      s.r = s.r.plus(res.reassist);
      if (res.kind === 'special_drug') s.d = s.d.plus(res.critical);
      else s.c = s.c.plus(res.critical);
      sums.set(key, s);
    });
    for (const [key, s] of sums) {
      const p = persons[Number(key.split(':')[0])];
      expect(s.a.lte(ASSIST_CAP[p.city][p.category] ?? 0)).toBe(true);
      expect(s.r.lte(REASSIST_CAP)).toBe(true);
      expect(s.d.lte(400000)).toBe(true);
      if (!TILT[p.city].includes(p.category)) expect(s.c.lte(CRITICAL_CAP[p.city])).toBe(true);
    }
  }), RUNS);
});

test('a tilt-group person never gets less than an ordinary one on the same claims', () => {
  fc.assert(fc.property(ledger, ([persons, rows]) => {
    const asTilt = settleCsv(csvOf(persons, rows, undefined, () => 'dibao'));
    const asOrdinary = settleCsv(csvOf(persons, rows, undefined, () => 'ordinary'));
    const total = (o: typeof asTilt, pick: (r: (typeof o.results)[0]) => Decimal) => {
      const m = new Map<string, Decimal>();
      o.results.forEach((r) => {
        const i = Number(r.claim_id.slice(1));
        const key = `${rows[i].person}:${rows[i].date.slice(0, 4)}`;
        m.set(key, (m.get(key) ?? new Decimal(0)).plus(pick(r)));
      });
      return m;
    };
    const critT = total(asTilt, (r) => r.critical);
    const critO = total(asOrdinary, (r) => r.critical);
    const allT = total(asTilt, (r) => r.critical.plus(r.assistance).plus(r.reassist));
    const allO = total(asOrdinary, (r) => r.critical.plus(r.assistance).plus(r.reassist));
    for (const [k, v] of critO) {
      expect(critT.get(k)!.gte(v)).toBe(true);
      expect(allT.get(k)!.gte(allO.get(k)!)).toBe(true);
    }
  }), RUNS);
});

const outputs = (o: ReturnType<typeof settleCsv>) => new Map(o.results.map((r) => [r.claim_id, [r.basic, r.critical, r.assistance, r.reassist, r.oop_compliant, r.oop_total].map((x) => x.toFixed(2)).join('|') + `|${r.warning}`]));

test('the same ledger shuffled gives the same results (claims of one day keep their input order)', () => {
  fc.assert(fc.property(ledger, fc.nat(), ([persons, rows], seed) => {
    const base = outputs(settleCsv(csvOf(persons, rows)));
    // Shuffle, but keep same-person same-date claims in their relative order: that order is data.
    const order = rows.map((_, i) => i);
    let s = seed;
    for (let i = order.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const j = s % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const tieKey = (i: number) => `${rows[i].person}|${rows[i].date}`;
    const groups = new Map<string, number[]>();
    rows.forEach((_, i) => groups.set(tieKey(i), [...(groups.get(tieKey(i)) ?? []), i]));
    const cursor = new Map<string, number>();
    const stable = order.map((i) => {
      const g = groups.get(tieKey(i))!;
      const c = cursor.get(tieKey(i)) ?? 0;
      cursor.set(tieKey(i), c + 1);
      return g[c];
    });
    expect(outputs(settleCsv(csvOf(persons, rows, stable)))).toEqual(base);
  }), RUNS);
});

test('the ledger split by person and settled in parts gives the same results', () => {
  fc.assert(fc.property(ledger, ([persons, rows]) => {
    const whole = outputs(settleCsv(csvOf(persons, rows)));
    const parts = new Map<string, string>();
    for (let p = 0; p < persons.length; p++) {
      const idx = rows.map((_, i) => i).filter((i) => rows[i].person === p);
      if (idx.length === 0) continue;
      const text = csvOf(persons, rows, idx);
      for (const [k, v] of outputs(settleCsv(text))) parts.set(k, v);
    }
    expect(parts).toEqual(whole);
  }), RUNS);
});
