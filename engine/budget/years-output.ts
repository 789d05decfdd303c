// A multi-year budget's outputs: JSON, CSV (a header block of `#` rows, then one long table: a row
// per year, scenario and group, a total per year and scenario) and a small self-contained SVG chart
// of the funds by year. With a claims ledger: `#fund` rows in the header block (year, scenario, read,
// settled, rejected, claims factor, assistance, re-assistance, fund need = subsidies + assistance +
// re-assistance) and fundTable, written beside the CSV.
import { fmt } from '../money';
import { csvLine } from '../csv';
import { assumptionJson, rosterCountJson, rosterCountRows, notesOf } from './output';
import type { Assumption, FundAmounts } from '../budget';
import type { YearsOutcome, YearBudget } from './years';
import type { FundRun } from './fund';

function fundJson(f: FundRun, subsidyFund: FundAmounts['assistance_fund'], base?: FundRun) {
  return {
    factor: f.factor.toString(), read: f.read, settled: f.settled, rejected: f.rejected,
    assistance: fmt(f.assistance), reassist: fmt(f.reassist),
    // what the medical-assistance fund pays in the year: enrolment subsidies, assistance, re-assistance
    fund_need: fmt(subsidyFund.plus(f.assistance).plus(f.reassist)),
    ...(base ? { assistance_diff: fmt(f.assistance.minus(base.assistance)), reassist_diff: fmt(f.reassist.minus(base.reassist)) } : {}),
    rows: f.rows.map((r) => ({ city: r.city, county: r.county, claims: r.claims, assistance: fmt(r.assistance), reassist: fmt(r.reassist) })),
  };
}

/** The year's re-settled ledger as JSON (null without --claims). */
function yearFund(y: YearBudget) {
  if (!y.fund) return null;
  return {
    basis: fundJson(y.fund.basis, y.totals.assistance_fund),
    scenarios: y.fund.scenarios.map((f, i) => ({ name: y.scenarios[i].name, ...fundJson(f, y.scenarios[i].totals.assistance_fund, y.fund!.basis) })),
  };
}

/** The re-settled ledgers as a table: a row per year, scenario (empty: the basis), city and county. */
export function fundTable(o: YearsOutcome): string[][] {
  const out = [['year', 'scenario', 'city', 'county', 'claims', 'assistance', 'reassist', 'claims_factor']];
  for (const y of o.years) {
    if (!y.fund) continue;
    const runs: [string, FundRun][] = [['', y.fund.basis], ...y.fund.scenarios.map((f, i): [string, FundRun] => [y.scenarios[i].name, f])];
    for (const [name, f] of runs) {
      for (const r of f.rows) out.push([String(y.year), name, r.city, r.county, String(r.claims), fmt(r.assistance), fmt(r.reassist), f.factor.toString()]);
      out.push([String(y.year), name, '合计 total', '', String(f.settled), fmt(f.assistance), fmt(f.reassist), f.factor.toString()]);
    }
  }
  return out;
}

const FUNDS = ['assistance_fund', 'county_finance', 'individual'] as const;

function amounts(a: FundAmounts) {
  return { persons: a.persons, assistance_fund: fmt(a.assistance_fund), county_finance: fmt(a.county_finance), individual: fmt(a.individual) };
}

export function yearsDocument(o: YearsOutcome) {
  return {
    from: o.from,
    to: o.to,
    date: o.date,
    years: o.years.map((y) => ({
      year: y.year,
      rules_date: y.rulesDate ?? null,
      basis: y.basis ?? null,
      assumptions: y.assumptions.map(assumptionJson),
      notes: notesOf(y.rows),
      totals: amounts(y.totals),
      rows: y.rows.map((r) => ({ city: r.city, county: r.county, category: r.category, ...amounts(r) })),
      violations: y.violations,
      fund: yearFund(y),
      scenarios: y.scenarios.map((s) => ({
        name: s.name, city: s.city ?? null, growth: s.growth, assumptions: s.assumptions.filter((a) => a.scenario).map(assumptionJson),
        totals: amounts(s.totals), totals_diff: amounts(s.totalsDiff),
        rows: s.rows.map((r, i) => ({ city: r.city, county: r.county, category: r.category, ...amounts(r), diff: amounts(s.diff[i]) })),
        violations: s.violations,
      })),
    })),
    ...rosterCountJson(o),
  };
}

export const YEARS_COLUMNS = ['year', 'scenario', 'city', 'county', 'category', 'persons', ...FUNDS, 'persons_diff', ...FUNDS.map((f) => `${f}_diff`)];

/** The long table: per year the basis's rows and total (scenario empty), then each scenario's with its differences. */
export function yearsTable(o: YearsOutcome): string[][] {
  const out: string[][] = [YEARS_COLUMNS];
  const cells = (a: FundAmounts) => [String(a.persons), ...FUNDS.map((f) => fmt(a[f]))];
  const none = ['', '', '', ''];
  for (const y of o.years) {
    const Y = String(y.year);
    for (const r of y.rows) out.push([Y, '', r.city, r.county, r.category, ...cells(r), ...none]);
    out.push([Y, '', '合计 total', '', '', ...cells(y.totals), ...none]);
    for (const s of y.scenarios) {
      s.rows.forEach((r, i) => out.push([Y, s.name, r.city, r.county, r.category, ...cells(r), ...cells(s.diff[i])]));
      out.push([Y, s.name, '合计 total', '', '', ...cells(s.totals), ...cells(s.totalsDiff)]);
    }
  }
  return out;
}

/** The header block: the account of the roster, then each year's assumptions, growth and flags. */
export function yearsHeaderBlock(o: YearsOutcome): string[][] {
  const a = (year: number, x: Assumption) => ['#assumption', String(year), x.city, x.name, x.value, x.status, x.source, x.note ?? '', x.carried?.zh ?? '', x.carried?.en ?? '', x.scenario ?? ''];
  return [
    ['#years', `${o.from}-${o.to}`],
    ['#roster_date', o.date],
    ...rosterCountRows(o),
    ...o.years.flatMap((y) => [
      ['#rules_date', String(y.year), y.rulesDate ?? ''],
      ['#basis', String(y.year), y.basis ?? ''],
      ...y.assumptions.map((x) => a(y.year, x)),
      ...notesOf(y.rows).map((n) => ['#note', String(y.year), n.city, n.category, n.zh, n.en]),
      ...y.scenarios.flatMap((s) => [
        ...s.assumptions.filter((x) => x.scenario).map((x) => a(y.year, x)),
        ...(s.growth.contribution ? [['#growth', String(y.year), s.name, 'contribution', s.growth.contribution]] : []),
        ...Object.entries(s.growth.persons).map(([c, r]) => ['#growth', String(y.year), s.name, `persons.${c}`, r]),
      ]),
      ...(y.fund ? [y.fund.basis, ...y.fund.scenarios].map((f, i) => ['#fund', String(y.year), i === 0 ? '' : y.scenarios[i - 1].name, String(f.read), String(f.settled), String(f.rejected), f.factor.toString(), fmt(f.assistance), fmt(f.reassist), fmt((i === 0 ? y.totals : y.scenarios[i - 1].totals).assistance_fund.plus(f.assistance).plus(f.reassist))]) : []),
      ...[...y.violations, ...y.scenarios.flatMap((s) => s.violations)].map((v) => ['#violation', String(y.year), v.city, v.category ?? '', v.rule, v.zh, v.en, v.check, v.left, v.right, v.scenario ?? '']),
    ]),
  ];
}

export function yearsCsv(o: YearsOutcome): string {
  return [...yearsHeaderBlock(o), ...yearsTable(o)].map(csvLine).join('');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLOURS = { assistance_fund: '#c0392b', county_finance: '#2471a3', individual: '#7d8c8d' };
const FUND_ZH = { assistance_fund: '医疗救助基金', county_finance: '县区财政', individual: '个人' };

/**
 * Funds by year, a self-contained SVG (no script, no outside reference): a line per fund for the
 * basis (solid) and each scenario (dashed), the axis in yuan, each point labelled on hover (title).
 */
export function yearsSvg(o: YearsOutcome): string {
  const W = 720, H = 360, L = 90, R = 200, T = 40, B = 40;
  const series = [
    { name: '基准 basis', dash: '', totals: o.years.map((y) => y.totals) },
    ...(o.years[0]?.scenarios ?? []).map((s, i) => ({ name: `情景 ${s.name}`, dash: i === 0 ? '6 4' : '2 3', totals: o.years.map((y) => y.scenarios[i].totals) })),
  ];
  const values = series.flatMap((s) => s.totals.flatMap((t) => FUNDS.map((f) => t[f].toNumber())));
  const max = Math.max(1, ...values);
  const n = o.years.length;
  const x = (i: number) => L + (n === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const y = (v: number) => T + (H - T - B) * (1 - v / max);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>${esc(`资助参保预算 enrolment-subsidy budget ${o.from}–${o.to}`)}</title>`);
  parts.push(`<text x="${L}" y="20" font-size="14">${esc(`资助参保预算 ${o.from}–${o.to}（元）enrolment-subsidy budget by fund (yuan)`)}</text>`);
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`);
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    parts.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${esc(v.toLocaleString('en-US', { maximumFractionDigits: 0 }))}</text>`);
  }
  o.years.forEach((yr, i) => parts.push(`<text x="${x(i)}" y="${H - B + 18}" text-anchor="middle">${yr.year}</text>`));
  series.forEach((s) => {
    for (const f of FUNDS) {
      const pts = s.totals.map((t, i) => `${x(i).toFixed(1)},${y(t[f].toNumber()).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${COLOURS[f]}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${pts}"/>`);
      s.totals.forEach((t, i) => parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(t[f].toNumber()).toFixed(1)}" r="3" fill="${COLOURS[f]}"><title>${esc(`${s.name} ${o.years[i].year} ${FUND_ZH[f]} ${f}: ${fmt(t[f])}`)}</title></circle>`));
    }
  });
  let ly = T;
  for (const f of FUNDS) {
    parts.push(`<rect x="${W - R + 16}" y="${ly - 9}" width="12" height="12" fill="${COLOURS[f]}"/><text x="${W - R + 34}" y="${ly + 1}">${esc(`${FUND_ZH[f]} ${f}`)}</text>`);
    ly += 18;
  }
  for (const s of series) {
    parts.push(`<line x1="${W - R + 16}" y1="${ly - 3}" x2="${W - R + 40}" y2="${ly - 3}" stroke="#333" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${W - R + 46}" y="${ly + 1}">${esc(s.name)}</text>`);
    ly += 18;
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
