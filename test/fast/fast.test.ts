// The integer-fen fast path (engine/fast) equals the decimal path (engine/settle.ts settleClaim) on
// over 100,000 random claims: every city and category, special drugs, several claims per person and
// year, cumulative bases landing exactly on (and one fen either side of) every deductible, band edge
// and cap, and scenarios with odd rates and caps. Amount parsing accepts and rejects what parseAmount does.
import { defaultBook, parseScenario, Decimal, parseAmount, YibaoError } from '../../engine';
import { paramsAt, rulesFor, type CategoryRules } from '../../engine/policy/resolve';
import { settleClaim, newYearState } from '../../engine/settle';
import { compileRules, LEVEL_CODES, type FastRules } from '../../engine/fast/rules';
import { settleFast, STATE_SIZE, BASE_LIMIT } from '../../engine/fast/settle';
import { parseFen, fenText } from '../../engine/fast/amount';
import { mulberry32 } from '../oracle/gen-ledger';
import type { Scenario } from '../../engine';
import type { CategoryId, Claim } from '../../engine/types';

const book = defaultBook();
const d = (fen: number) => new Decimal(fen).div(100);
const fenOf = (x: Decimal) => Number(x.times(100).toFixed(0));

/** Every amount a rule set makes interesting, in fen: deductibles, band edges, caps and the bases where F reaches a cap. */
function edgesOf(r: CategoryRules): number[] {
  const out = new Set<number>();
  const add = (x: Decimal | null | undefined) => {
    if (x) for (const k of [-1, 0, 1]) out.add(Math.max(0, fenOf(x) + k));
  };
  for (const l of LEVEL_CODES) {
    const b = r.basic(l);
    add(b.deductible);
    add(b.cap);
    if (b.cap && b.rate.gt(0)) add(b.deductible.plus(b.cap.div(b.rate)).toDecimalPlaces(2));
  }
  add(r.critical.deductible);
  add(r.critical.cap);
  for (const band of r.critical.bands) { add(band.from); add(band.upTo); }
  for (const l of [r.specialDrug, r.assistance, r.reassist]) {
    if (!l) continue;
    add(l.deductible);
    add(l.cap);
    if (l.cap && l.rate.gt(0)) add(l.deductible.plus(l.cap.div(l.rate)).toDecimalPlaces(2));
  }
  if (r.warning) add(r.warning.threshold);
  return [...out];
}

interface Case { rules: CategoryRules; fast: FastRules; params: ReturnType<typeof paramsAt>; city: string; category: CategoryId; date: string; drug: boolean }

function cases(scenario?: Scenario): Case[] {
  const out: Case[] = [];
  for (const city of book.cities.values()) {
    for (const date of ['2022-03-01', '2023-06-30', '2024-12-31']) {
      const params = paramsAt(book, city, date, scenario);
      for (const category of city.categories) {
        let rules: CategoryRules;
        try {
          rules = rulesFor(city, params, category);
        } catch {
          continue; // a scenario that leaves this city's rules incomplete: the engine refuses those claims
        }
        const c = compileRules(rules);
        if (!('fast' in c)) continue;
        out.push({ rules, fast: c.fast, params, city: city.id, category, date, drug: false });
        if (rules.specialDrug) out.push({ rules, fast: c.fast, params, city: city.id, category, date, drug: true });
      }
    }
  }
  return out;
}

const SCENARIOS: (Scenario | undefined)[] = [
  undefined,
  parseScenario(book, JSON.stringify({ name: 'odd-rates', overrides: { 'assistance.dibao.rate': '0.7123', 'assistance.extremely_poor.rate': '0.9999', 'reassistance.dibao.rate': '0.0001', 'critical.tilt.rateIncrease': '0.0777', 'basic.rate': '0.6667' } })),
  parseScenario(book, JSON.stringify({ name: 'odd-linyi', city: 'linyi', overrides: { 'critical.specialDrug.rate': '0.8333', 'critical.specialDrug.cap': '1234.56', 'critical.specialDrug.deductible': '100.01', 'warning.ordinary': '5000.01', 'assistance.dibao_marginal.deductible': '2999.99' } })),
  parseScenario(book, JSON.stringify({ name: 'odd-caps', overrides: { 'assistance.dibao.cap': '777.77', 'reassistance.extremely_poor.cap': '0.01', 'critical.cap': '12345.67', 'critical.deductible': '999.99', 'critical.tilt.deductibleFactor': '0.3', 'basic.cap': '5000.05', 'basic.deductible': '300.01' } })),
];

describe('fast path equals the decimal path', () => {
  test('over 100,000 random claims, bases on every edge', () => {
    const rnd = mulberry32(20240605);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    let claims = 0;
    let capHits = 0;
    let zeroPays = 0;
    const state = new Float64Array(STATE_SIZE);
    const out = new Float64Array(4);
    for (const scenario of SCENARIOS) {
      const all = cases(scenario);
      const target = claims + 26_000;
      while (claims < target) {
        // one person-year: 1–8 claims, each under a rule set of the same city and year
        const first = all[Math.floor(rnd() * all.length)];
        const mates = all.filter((c) => c.city === first.city && c.date === first.date);
        const edges = edgesOf(first.rules);
        const n = int(1, 8);
        const dec = newYearState();
        state.fill(0);
        let critBase = 0;
        for (let k = 0; k < n; k++) {
          const c = rnd() < 0.85 ? (k === 0 ? first : mates.find((m) => m.category === first.category && m.drug === (rnd() < 0.15 && !!m.rules.specialDrug)) ?? first) : mates[Math.floor(rnd() * mates.length)];
          const level = int(0, 4);
          // compliant: an edge, an edge minus the base so far, log-normal, tiny or huge
          const r = rnd();
          let compliant: number;
          const edge = edges[Math.floor(rnd() * edges.length)];
          if (r < 0.3) compliant = edge;
          else if (r < 0.5) compliant = Math.max(0, edge - critBase);
          else if (r < 0.9) compliant = Math.round(Math.exp(Math.log(1_000_000) + 1.6 * (rnd() + rnd() + rnd() - 1.5)));
          else if (r < 0.95) compliant = int(0, 300);
          else compliant = int(0, 10_000_000_000);
          compliant = Math.min(10_000_000_000, compliant);
          let basicPaid = -1;
          const rb = rnd();
          if (rb < 0.35) {
            // put the critical base exactly on an edge (or one fen off it) where possible
            const want = edges[Math.floor(rnd() * edges.length)] - critBase;
            basicPaid = want >= 0 && want <= compliant ? compliant - want : Math.floor(compliant * rnd());
          } else if (rb < 0.45) basicPaid = rnd() < 0.5 ? 0 : compliant;
          const total = compliant + (rnd() < 0.5 ? 0 : int(0, 5_000_000));
          const claim: Claim = {
            claim_id: `c${claims}`, person_id: 'p', category: c.category, city: c.city, date: c.date, kind: c.drug ? 'special_drug' : 'inpatient',
            hospital_level: LEVEL_CODES[level], total: d(total), compliant: d(compliant), basic_paid: basicPaid < 0 ? undefined : d(basicPaid), seq: claims,
          };
          const want = settleClaim(claim, c.rules, c.params, dec);
          const ok = settleFast(c.fast, level, c.drug, compliant, basicPaid, state, out);
          expect(ok).toBe(true);
          const got = [out[0], out[1], out[2], out[3]];
          const exp = [fenOf(want.basic), fenOf(want.critical), fenOf(want.assistance), fenOf(want.reassist)];
          if (got.some((g, i) => g !== exp[i])) {
            throw new Error(`claim ${claims} (${c.city}/${c.category}/${c.drug ? 'drug' : 'stay'}, scenario ${scenario?.name ?? 'none'}): fast ${got} decimal ${exp}`);
          }
          const oopTotal = total - got[0] - got[1] - got[2] - got[3];
          expect(fenOf(want.oop_total)).toBe(oopTotal);
          expect(want.warning).toBe(c.fast.warning < 0 ? null : oopTotal > c.fast.warning);
          if (want.steps.some((s) => s.cap_reached)) capHits++;
          if (want.steps.some((s) => s.paid.isZero() && !s.given)) zeroPays++;
          critBase += compliant - got[0];
          claims++;
        }
      }
    }
    expect(claims).toBeGreaterThanOrEqual(100_000);
    expect(capHits).toBeGreaterThan(5_000);
    expect(zeroPays).toBeGreaterThan(5_000);
  });

  test('rules with values that have no integer form are not compiled (decimal path), and say why', () => {
    const city = book.cities.get('linyi')!;
    const sc = parseScenario(book, JSON.stringify({ name: 's', overrides: { 'assistance.dibao.rate': '0.12345' } }));
    const r = compileRules(rulesFor(city, paramsAt(book, city, '2023-01-01', sc), 'dibao'));
    expect(r).toEqual({ unsupported: expect.stringMatching(/assistance rate 0.12345 has more than 4 decimals/) });
    const sc2 = parseScenario(book, JSON.stringify({ name: 's2', overrides: { 'critical.deductible': '12000.005' } }));
    expect(compileRules(rulesFor(city, paramsAt(book, city, '2023-01-01', sc2), 'ordinary'))).toEqual({ unsupported: expect.stringMatching(/critical deductible 12000.005 is not a whole number of fen/) });
    const sc3 = parseScenario(book, JSON.stringify({ name: 's3', overrides: { 'critical.tilt.deductibleFactor': '0.123456' } }));
    expect(compileRules(rulesFor(city, paramsAt(book, city, '2023-01-01', sc3), 'dibao'))).toEqual({ unsupported: expect.stringMatching(/critical deductible 1481.472 is not a whole number of fen/) });
  });

  test('a base past the integer bound is refused, not approximated', () => {
    const city = book.cities.get('linyi')!;
    const c = compileRules(rulesFor(city, paramsAt(book, city, '2023-01-01'), 'dibao'));
    if (!('fast' in c)) throw new Error('linyi dibao should compile');
    const state = new Float64Array(STATE_SIZE);
    const out = new Float64Array(4);
    let ok = true;
    let n = 0;
    while (ok) { ok = settleFast(c.fast, 0, false, 10_000_000_000, -1, state, out); n++; }
    expect(n * 10_000_000_000).toBeGreaterThan(BASE_LIMIT);
    expect((n - 1) * 10_000_000_000).toBeLessThanOrEqual(BASE_LIMIT);
  });
});

describe('amount parsing: parseFen accepts and rejects exactly what parseAmount does', () => {
  const probe = (s: string) => {
    let want: number;
    try {
      want = fenOf(parseAmount(s, 'x'));
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      want = -1;
    }
    const got = parseFen(s);
    if (got !== want && !(got === -1 && /[^\x00-\x7f]/.test(s))) throw new Error(`"${s}": fast ${got}, parseAmount ${want}`);
    if (got >= 0) expect(fenText(got)).toBe(parseAmount(s, 'x').toFixed(2));
  };
  test('hand-picked', () => {
    for (const s of ['0', '0.', '.5', '.', '', ' ', '00012.345', '12.344999', '12.345', '12.3449', '99999999.995', '99999999.994', '100000000', '100000000.00', '100000000.000001', '100000000.004', '100000001', '1e5', '-1', '+1', '1,000', '1 000', '12.3.4', ' 7.1 ', '\t8\n', '0000000000000000000000000000001.005', '1.0000000000000000000000000000000000000000000000005', '999999999', '0.005', '0.004999999999999999999999', '\u00a05', '５']) probe(s);
  });
  test('random strings over digits, points, spaces and signs', () => {
    const rnd = mulberry32(7);
    const alphabet = '0123456789012345678901234567890123456789....  -+e,';
    for (let k = 0; k < 100_000; k++) {
      const n = 1 + Math.floor(rnd() * 14);
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      probe(s);
    }
  });
});
