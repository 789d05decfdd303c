// One plan, two executors: the integer-fen executor (engine/chain/fen.ts) equals the decimal one
// (engine/chain/decimal.ts) on over 100,000 random claims: every city, kind and category, several
// claims per person and year (category changes among them), basic_paid given and not, cumulative
// bases landing exactly on (and one fen either side of) every deductible, band edge and cap, and
// what-if scenarios with odd rates and caps. The plan compiler refuses a rule field it does not know.
import { defaultBook, parseScenario, Decimal } from '../../engine';
import { paramsAt, rulesFor, type CategoryRules, type Params } from '../../engine/policy/resolve';
import { compilePlan, planOf, unhandled, KIND_CODES, LEVEL_CODES, CATEGORY_CHANGED, type Plan } from '../../engine/chain/plan';
import { settleClaim, newYearState } from '../../engine/chain/decimal';
import { compileFen, settleFen, STATE_SIZE, BASE_LIMIT, type FenPlan } from '../../engine/chain/fen';
import { mulberry32 } from '../oracle/gen-ledger';
import type { Scenario } from '../../engine';
import type { CategoryId, Claim, ClaimKind } from '../../engine/types';

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

interface Case { rules: CategoryRules; plan: Plan; fen: FenPlan; city: string; category: CategoryId; date: string; drug: boolean }

function cases(scenario?: Scenario): Case[] {
  const out: Case[] = [];
  for (const city of book.cities.values()) {
    // the last day of the transition period and the first after it (spec 10.2): both sides of the end
    for (const date of ['2022-03-01', '2023-06-30', '2024-12-31', '2025-12-31', '2026-01-01']) {
      const params = paramsAt(book, city, date, scenario);
      for (const category of city.categories) {
        let rules: CategoryRules;
        try {
          rules = rulesFor(city, params, category);
        } catch {
          continue; // a scenario that leaves this city's rules incomplete: the engine refuses those claims
        }
        const plan = planOf(rules, params);
        const c = compileFen(plan);
        if (!('fen' in c)) continue;
        out.push({ rules, plan, fen: c.fen, city: city.id, category, date, drug: false });
        if (rules.specialDrug) out.push({ rules, plan, fen: c.fen, city: city.id, category, date, drug: true });
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

describe('the integer executor equals the decimal executor', () => {
  test('over 100,000 random claims: every city, kind and category, bases on every edge', () => {
    const rnd = mulberry32(20240605);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    let claims = 0;
    let capHits = 0;
    let zeroPays = 0;
    let basicGiven = 0;
    let changed = 0;
    let warnings = 0;
    const seen = new Map<string, number>(); // city/kind and city/category → claims
    const count = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
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
          const kind: ClaimKind = c.drug ? 'special_drug' : rnd() < 0.5 ? 'inpatient' : 'chronic_outpatient';
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
            claim_id: `c${claims}`, person_id: 'p', category: c.category, city: c.city, date: c.date, kind,
            hospital_level: LEVEL_CODES[level], total: d(total), compliant: d(compliant), basic_paid: basicPaid < 0 ? undefined : d(basicPaid), seq: claims,
          };
          const want = settleClaim(claim, c.plan, dec);
          const ok = settleFen(c.fen, KIND_CODES.indexOf(kind), level, compliant, basicPaid, state, out);
          // plain comparisons, not expect(): each expect() builds an error with its stack, and 100,000
          // claims of them took half of this test's time
          const differs = (what: string, fen: unknown, decimal: unknown) => {
            throw new Error(`claim ${claims} (${c.city}/${c.category}/${kind}, scenario ${scenario?.name ?? 'none'}): ${what}: fen ${String(fen)} decimal ${String(decimal)}`);
          };
          if (!ok) differs('base past the bound', ok, true);
          const got = [out[0], out[1], out[2], out[3]];
          const exp = [fenOf(want.basic), fenOf(want.critical), fenOf(want.assistance), fenOf(want.reassist)];
          if (got.some((g, i) => g !== exp[i])) differs('payments', got, exp);
          const oopTotal = total - got[0] - got[1] - got[2] - got[3];
          if (fenOf(want.oop_total) !== oopTotal) differs('oop_total', oopTotal, fenOf(want.oop_total));
          const warned = c.fen.warning < 0 ? null : oopTotal > c.fen.warning;
          if (want.warning !== warned) differs('warning', warned, want.warning);
          // the notes the bulk path writes beside the fen results: the plan's, after the category change
          const planNotes = JSON.stringify(c.plan.chains[KIND_CODES.indexOf(kind)]!.notes);
          const notes = JSON.stringify(want.notes.slice(want.notes[0] === CATEGORY_CHANGED ? 1 : 0));
          if (notes !== planNotes) differs('notes', planNotes, notes);
          if (want.steps.some((s) => s.cap_reached)) capHits++;
          if (want.steps.some((s) => s.paid.isZero() && !s.given)) zeroPays++;
          if (basicPaid >= 0) basicGiven++;
          if (want.notes[0] === CATEGORY_CHANGED) changed++;
          if (want.warning) warnings++;
          count(`${c.city}/${kind}`);
          count(`${c.city}/${c.category}`);
          if (c.rules.lapsed.assistance) count('lapsed'); // a transitional tier after transition.end
          else if (c.city === 'linyi' && c.category === 'dibao_marginal' && c.date === '2025-12-31') count('inTransition');
          critBase += compliant - got[0];
          claims++;
        }
      }
    }
    expect(claims).toBeGreaterThanOrEqual(100_000);
    expect(capHits).toBeGreaterThan(5_000);
    expect(zeroPays).toBeGreaterThan(5_000);
    expect(basicGiven).toBeGreaterThan(20_000);
    expect(claims - basicGiven).toBeGreaterThan(20_000);
    expect(changed).toBeGreaterThan(1_000);
    expect(warnings).toBeGreaterThan(1_000);
    expect(seen.get('lapsed') ?? 0).toBeGreaterThan(500);
    expect(seen.get('inTransition') ?? 0).toBeGreaterThan(50);
    // every city with each kind it has, and every category it accepts
    for (const city of book.cities.values()) {
      const kinds: ClaimKind[] = city.id === 'linyi' ? ['inpatient', 'chronic_outpatient', 'special_drug'] : ['inpatient', 'chronic_outpatient'];
      for (const k of kinds) expect(seen.get(`${city.id}/${k}`) ?? 0).toBeGreaterThan(500);
      for (const cat of city.categories) expect(seen.get(`${city.id}/${cat}`) ?? 0).toBeGreaterThan(100);
    }
  });

  test('rules with values that have no integer form are not compiled (decimal path), and say why', () => {
    const city = book.cities.get('linyi')!;
    const fenOfRules = (sc: Scenario, cat: CategoryId) => {
      const params = paramsAt(book, city, '2023-01-01', sc);
      return compileFen(planOf(rulesFor(city, params, cat), params));
    };
    const sc = parseScenario(book, JSON.stringify({ name: 's', overrides: { 'assistance.dibao.rate': '0.12345' } }));
    expect(fenOfRules(sc, 'dibao')).toEqual({ unsupported: expect.stringMatching(/assistance rate 0.12345 has more than 4 decimals/) });
    const sc2 = parseScenario(book, JSON.stringify({ name: 's2', overrides: { 'critical.deductible': '12000.005' } }));
    expect(fenOfRules(sc2, 'ordinary')).toEqual({ unsupported: expect.stringMatching(/critical deductible 12000.005 is not a whole number of fen/) });
    const sc3 = parseScenario(book, JSON.stringify({ name: 's3', overrides: { 'critical.tilt.deductibleFactor': '0.123456' } }));
    expect(fenOfRules(sc3, 'dibao')).toEqual({ unsupported: expect.stringMatching(/critical deductible 1481.472 is not a whole number of fen/) });
  });

  test('a base past the integer bound is refused, not approximated', () => {
    const city = book.cities.get('linyi')!;
    const params = paramsAt(book, city, '2023-01-01');
    const c = compileFen(planOf(rulesFor(city, params, 'dibao'), params));
    if (!('fen' in c)) throw new Error('linyi dibao should compile');
    const state = new Float64Array(STATE_SIZE);
    const out = new Float64Array(4);
    let ok = true;
    let n = 0;
    while (ok) { ok = settleFen(c.fen, 0, 0, 10_000_000_000, -1, state, out); n++; }
    expect(n * 10_000_000_000).toBeGreaterThan(BASE_LIMIT);
    expect((n - 1) * 10_000_000_000).toBeLessThanOrEqual(BASE_LIMIT);
  });
});

describe('the plan', () => {
  const city = book.cities.get('linyi')!;
  const params: Params = paramsAt(book, city, '2023-06-30');

  test('refuses a rule field it does not know, naming it, and takes the same rules without it', () => {
    const rules = rulesFor(city, params, 'dibao');
    expect(() => compilePlan({ ...rules, copayment: { deductible: new Decimal(0) } } as CategoryRules, params)).toThrow(/rule field copayment/);
    expect(() => compilePlan({ ...rules, assistance: { ...rules.assistance!, floor: new Decimal(1) } } as CategoryRules, params)).toThrow(/rule field assistance\.floor/);
    expect(() => compilePlan({ ...rules, critical: { ...rules.critical, perClaimCap: null } } as CategoryRules, params)).toThrow(/rule field critical\.perClaimCap/);
    const plan = compilePlan({ ...rules }, params);
    expect(plan.steps.map((s) => `${s.tier}:${s.kind}:${s.track}`)).toEqual([
      'basic:basic:ordinary', 'critical:banded:ordinary', 'critical:linear:special_drug',
      'assistance:linear:ordinary', 'assistance:none:special_drug', 'reassist:linear:ordinary', 'reassist:none:special_drug',
    ]);
  });

  test('an executor that does not handle every step kind does not compile', () => {
    // Both executors end their switch over step kinds with unhandled(step), which takes only `never`:
    // a step kind added to the plan leaves a kind unhandled, and the call fails to type-check.
    const step = planOf(rulesFor(city, params, 'dibao'), params).steps[0];
    // @ts-expect-error a Step is not `never`: only a switch that handled every kind may call unhandled
    expect(() => unhandled(step)).toThrow(/unhandled step/);
  });

  test('each kind takes one step per tier; assistance and re-assistance only for stays and chronic outpatient', () => {
    const plan = planOf(rulesFor(city, params, 'dibao'), params);
    const shape = (k: ClaimKind) => plan.chains[KIND_CODES.indexOf(k)]!.steps.map((s) => `${s.tier}:${s.kind}`);
    expect(shape('inpatient')).toEqual(['basic:basic', 'critical:banded', 'assistance:linear', 'reassist:linear']);
    expect(shape('chronic_outpatient')).toEqual(shape('inpatient'));
    expect(shape('special_drug')).toEqual(['basic:basic', 'critical:linear', 'assistance:none', 'reassist:none']);
    // Lu'an has no special-drug track: no chain for special drugs (validateClaim refuses them)
    const luan = book.cities.get('luan')!;
    const lp = paramsAt(book, luan, '2023-06-30');
    expect(planOf(rulesFor(luan, lp, 'dibao'), lp).chains[KIND_CODES.indexOf('special_drug')]).toBeNull();
  });

  test('a category whose assistance is "to be formulated" carries the pending note on stays, not on special drugs', () => {
    let found = false;
    for (const c of book.cities.values()) {
      const p = paramsAt(book, c, '2023-06-30');
      for (const cat of c.categories) {
        const rules = rulesFor(c, p, cat);
        if (!rules.assistancePending || rules.assistance) continue;
        found = true;
        const plan = planOf(rules, p);
        expect(plan.chains[KIND_CODES.indexOf('inpatient')]!.notes).toEqual([expect.objectContaining({ zh: expect.stringContaining('另行制定') })]);
        const drug = plan.chains[KIND_CODES.indexOf('special_drug')];
        if (drug) expect(drug.notes).toEqual([]);
      }
    }
    expect(found).toBe(true);
  });
});
