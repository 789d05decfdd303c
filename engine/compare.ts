// What-if on a ledger (issue 7): settle the same rows under the baseline and under each scenario,
// and give each scenario's totals, its differences from the baseline (per tier, and per group when
// groups are asked for) and the floors and ceilings it breaks (spec section 8).
import type DecimalBase from 'decimal.js';
import { fmt } from './money';
import { settleLedger, emptyTotals, type LedgerSummary, type Totals } from './ledger';
import type { LedgerRow } from './claims';
import { summarize, subTotals, groupId, totalsJson, TOTAL_FIELDS, type GroupKey, type SummaryMeta, type LedgerGroups } from './summary';
import type { Violation } from './floors';
import type { Book } from './policy/load';
import type { Scenario } from './scenario';

export interface GroupDiff {
  key: Partial<Record<GroupKey, string>>;
  baseline: Totals;
  scenario: Totals;
  /** scenario − baseline, per tier */
  diff: Totals;
  claims: number;
}

export interface ScenarioResult {
  name: string;
  city?: string;
  summary: LedgerSummary;
  /** scenario − baseline, per tier, over the whole ledger */
  diff: Totals;
  groups?: GroupDiff[];
  /** Floors and ceilings broken under the scenario (those marked `scenario` are the scenario's doing). */
  violations: Violation[];
  /** Claims with a claim-level finding (Shandong's no-zero-OOP) under the scenario. */
  findings: number;
}

export interface LedgerComparison {
  groups: GroupKey[];
  baseline: { summary: LedgerSummary; violations: Violation[]; findings: number; groups?: LedgerGroups };
  scenarios: ScenarioResult[];
}

export interface CompareOptions { groups?: GroupKey[]; meta?: SummaryMeta }

/**
 * `rows` is read once per run (baseline + each scenario): give an array, or a function that returns
 * the rows afresh each time.
 */
export function compareLedger(book: Book, rows: LedgerRow[] | (() => Iterable<LedgerRow>), scenarios: Scenario[], opts: CompareOptions = {}): LedgerComparison {
  const read = () => (typeof rows === 'function' ? rows() : rows);
  const groups = opts.groups ?? [];
  const run = (scenario?: Scenario): SettledRun => {
    const o = settleLedger(book, read(), { scenario });
    return { summary: o.summary, violations: o.policyViolations, findings: o.claimFindings.size, groups: groups.length ? summarize(o, groups, opts.meta) : undefined };
  };
  const base = run();
  return comparisonOf(groups, base, scenarios.map((scenario) => ({ scenario, run: run(scenario) })));
}

/** What a comparison needs of one settled run (the bulk path gives the same without result objects). */
export interface SettledRun {
  summary: LedgerSummary;
  violations: Violation[];
  /** Claims with at least one claim-level finding. */
  findings: number;
  /** Totals per group (when the comparison is by group). */
  groups?: LedgerGroups;
}

/** The comparison of runs already settled: the baseline and each scenario's (compareLedger settles them). */
export function comparisonOf(groups: GroupKey[], base: SettledRun, scenarios: { scenario: Scenario; run: SettledRun }[]): LedgerComparison {
  const baseGroups = groups.length ? base.groups : undefined;
  const out: ScenarioResult[] = scenarios.map(({ scenario, run: o }) => {
    const result: ScenarioResult = {
      name: scenario.name,
      city: scenario.city,
      summary: o.summary,
      diff: subTotals(o.summary.totals, base.summary.totals),
      violations: o.violations,
      findings: o.findings,
    };
    if (baseGroups) {
      const sg = o.groups!;
      const merged = new Map<string, GroupDiff>();
      for (const r of baseGroups.rows) merged.set(groupId(r.key, groups), { key: r.key, baseline: r.totals, scenario: emptyTotals(), diff: emptyTotals(), claims: r.claims });
      for (const r of sg.rows) {
        const id = groupId(r.key, groups);
        const m = merged.get(id);
        if (m) m.scenario = r.totals;
        else merged.set(id, { key: r.key, baseline: emptyTotals(), scenario: r.totals, diff: emptyTotals(), claims: r.claims });
      }
      result.groups = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => ({ ...g, diff: subTotals(g.scenario, g.baseline) }));
    }
    return result;
  });
  return { groups, baseline: { summary: base.summary, violations: base.violations, findings: base.findings, groups: baseGroups }, scenarios: out };
}

/** A difference with its sign for people to read: +545.00, -12.30, 0.00 (tables for files use plain numbers: a leading + would be quoted as a formula guard). */
export function signed(x: DecimalBase): string {
  return x.isZero() ? '0.00' : x.isNeg() ? `-${fmt(x.abs())}` : `+${fmt(x)}`;
}

/** Tier by tier: baseline, then each scenario and its difference — ready to paste into a what-if sheet. */
export function comparisonTable(c: LedgerComparison): string[][] {
  const header = ['tier', 'baseline', ...c.scenarios.flatMap((s) => [s.name, `${s.name} − baseline`])];
  const rows = TOTAL_FIELDS.map((f) => [f, fmt(c.baseline.summary.totals[f]), ...c.scenarios.flatMap((s) => [fmt(s.summary.totals[f]), fmt(s.diff[f])])]);
  return [header, ...rows];
}

/** Per group and tier, for one scenario: the group cells, then baseline / scenario / difference of each tier. */
export function comparisonGroupTable(c: LedgerComparison, s: ScenarioResult): string[][] {
  const header = [...c.groups, 'claims', ...TOTAL_FIELDS.flatMap((f) => [`${f}_baseline`, `${f}_scenario`, `${f}_diff`])];
  return [header, ...(s.groups ?? []).map((g) => [...c.groups.map((k) => g.key[k] ?? ''), String(g.claims), ...TOTAL_FIELDS.flatMap((f) => [fmt(g.baseline[f]), fmt(g.scenario[f]), fmt(g.diff[f])])])];
}

/** A JSON-ready comparison: amounts as strings with two decimals. */
export function comparisonJson(c: LedgerComparison) {
  return {
    groups: c.groups,
    baseline: { read: c.baseline.summary.read, settled: c.baseline.summary.settled, rejected: c.baseline.summary.rejected, totals: totalsJson(c.baseline.summary.totals), violations: c.baseline.violations },
    scenarios: c.scenarios.map((s) => ({
      name: s.name,
      city: s.city ?? null,
      read: s.summary.read,
      settled: s.summary.settled,
      rejected: s.summary.rejected,
      totals: totalsJson(s.summary.totals),
      diff: totalsJson(s.diff),
      violations: s.violations,
      groups: s.groups?.map((g) => ({ ...g.key, claims: g.claims, baseline: totalsJson(g.baseline), scenario: totalsJson(g.scenario), diff: totalsJson(g.diff) })),
    })),
  };
}
