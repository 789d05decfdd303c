// The monthly run as a Durable orchestration: one instance per month (its id from the month, so that a
// second trigger for the same month finds the one running), one activity per configured ledger or
// roster (functions/handlers/monthly.ts monthlyItem), then the run's report. Deterministic: the
// items, the month and the start time come in its input.
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';

export const MONTHLY_ORCHESTRATOR = 'yibaoMonthlyRun';
export const MONTHLY_ITEM = 'yibaoMonthlyItem';
export const MONTHLY_REPORT = 'yibaoMonthlyReport';

export const monthlyInstance = (month: string) => `monthly-${month}`;

export interface MonthlyItem { blob: string; kind: 'ledger' | 'roster'; ok: boolean; written: string[]; removed?: string[]; read?: number; settled?: number; rejected?: number; warnings?: number; persons?: number; problem?: { zh: string; en: string } }
export interface MonthlyReport {
  month: string;
  started: string;
  container: string;
  /** done: every item ok; failed: some item failed; warning: nothing was configured, nothing ran. */
  status: 'done' | 'failed' | 'warning';
  warning?: { zh: string; en: string };
  items: MonthlyItem[];
}

/** `scenario`: the blob of the scenario the roster budgets are computed under (YIBAO_MONTHLY_SCENARIO). */
export interface MonthlyInput { month: string; started: string; container: string; scenario?: string; items: { blob: string; kind: 'ledger' | 'roster' }[] }
export interface MonthlyItemInput { month: string; container: string; scenario?: string; blob: string; kind: 'ledger' | 'roster' }

export const NOTHING_CONFIGURED = {
  zh: '未配置任何台账或花名册（应用设置 YIBAO_MONTHLY_LEDGERS、YIBAO_MONTHLY_ROSTERS），本月没有重算',
  en: 'no ledger or roster is configured (app settings YIBAO_MONTHLY_LEDGERS, YIBAO_MONTHLY_ROSTERS): nothing was recalculated this month',
};

/** The report of the items' outcomes (the same for the orchestration and a direct run). */
export function monthlyReport(input: MonthlyInput, items: MonthlyItem[]): MonthlyReport {
  const base = { month: input.month, started: input.started, container: input.container, items };
  if (!items.length) return { ...base, status: 'warning', warning: NOTHING_CONFIGURED };
  return { ...base, status: items.every((i) => i.ok) ? 'done' : 'failed' };
}

export function* monthlyJob(context: OrchestrationContext): Generator<Task, MonthlyReport, unknown> {
  const input = context.df.getInput<MonthlyInput>();
  const items: MonthlyItem[] = [];
  // one at a time, as the timer ran them: each item may be a large ledger on the worker pool
  for (const [i, it] of input.items.entries()) {
    context.df.setCustomStatus({ stage: 'items', done: i, total: input.items.length });
    items.push((yield context.df.callActivity(MONTHLY_ITEM, { month: input.month, container: input.container, scenario: input.scenario, blob: it.blob, kind: it.kind } satisfies MonthlyItemInput)) as MonthlyItem);
  }
  const report = monthlyReport(input, items);
  yield context.df.callActivity(MONTHLY_REPORT, report);
  context.df.setCustomStatus({ stage: 'done', done: items.length, total: input.items.length });
  return report;
}

export const monthlyJobHandler: OrchestrationHandler = monthlyJob;
