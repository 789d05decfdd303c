// The monthly run (timer): on the 1st at 08:00 China time by default (app setting
// YIBAO_MONTHLY_SCHEDULE), after the month's roster update, recalculate the configured ledgers and
// rosters in Blob Storage and write beside each one the month's results, early-warning list and
// rejected rows (ledgers) or the budget report (rosters), plus a run report. Every ledger, under the
// spec's names or the national platform's, is settled by the engine's run on a worker thread of the
// pool (functions/body-job.ts, pool-jobs.ts: the files of `yibao settle --format spec --out`, in
// memory or in partitions by its size, memory bounded, the host's event loop free). A ledger the
// engine cannot partition (an id over 4,096 bytes) is the item's problem in the report, as a job says it.
//   ledger  claims/2024.csv → claims/2024.csv.2024-05.results.csv, .warnings.csv, .rejected.csv
//   roster  roster.csv      → roster.csv.2024-05.budget.csv, .budget.json
//   report  monthly/2024-05.json
// The timer (and POST /api/monthly) starts the month's orchestration (functions/jobs/monthly.ts: one
// instance per month, an activity per item); GET /api/monthly/{month} answers its status and report.
// Each file is committed whole when written (a block list); an item's files of an earlier run that
// this run did not write (a .rejected.csv after a clean re-run) are removed, so that what is beside a
// blob for a month is one run's.
import * as fs from 'node:fs';
import { HttpResponse, type HttpRequest, type InvocationContext, type Timer } from '@azure/functions';
import type { ContainerClient } from '@azure/storage-blob';
import {
  defaultBook, budgetStream, budgetCsv, budgetDocument, parseScenario, todayInChina, YibaoError, readCsvStream, type Book,
} from '../../engine';
import { utf8Checked, utf8Text } from '../body';
import { runBodyJob } from '../body-job';
import { unsupportedProblem } from '../jobs/bulk';
import { blobChunks, container, BlobWriter, writeText } from '../storage';
import { monthlyContainer, monthlyList, monthlyScenario, runLimits } from '../settings';
import { CONTENT_TYPE } from '../http';
import { guarded, HttpProblem } from '../problem';
import { durableClients } from './jobs';
import { MONTHLY_ORCHESTRATOR, monthlyInstance, monthlyReport, NOTHING_CONFIGURED, type MonthlyInput, type MonthlyItem, type MonthlyItemInput, type MonthlyReport } from '../jobs/monthly';

export type { MonthlyItem, MonthlyReport };

/** The files an item of each kind may leave beside its blob for a month. */
const OUTPUTS = { ledger: ['results.csv', 'warnings.csv', 'rejected.csv', 'monthly-warnings.csv'], roster: ['budget.csv', 'budget.json'] } as const;
/** Who cannot partition a ledger, in an item's problem (unsupportedProblem). */
const MONTHLY_RUN = { zh: '每月重算', en: 'the monthly run' };

/** The month (China time) of a run at `now`, and the items configured. */
export function monthlyInput(now: Date): MonthlyInput {
  const month = todayInChina(now).slice(0, 7);
  const items = [
    ...monthlyList('YIBAO_MONTHLY_LEDGERS').map((blob) => ({ blob, kind: 'ledger' as const })),
    ...monthlyList('YIBAO_MONTHLY_ROSTERS').map((blob) => ({ blob, kind: 'roster' as const })),
  ];
  return { month, started: now.toISOString(), container: monthlyContainer(), scenario: monthlyScenario(), items };
}

/** One month's run on this thread, item after item (the orchestration runs the same steps as activities). */
export async function monthlyRun(now: Date, context: InvocationContext): Promise<MonthlyReport> {
  const input = monthlyInput(now);
  const items: MonthlyItem[] = [];
  for (const it of input.items) items.push(await monthlyItem({ month: input.month, container: input.container, scenario: input.scenario, ...it }, context));
  const report = monthlyReport(input, items);
  await writeMonthlyReport(report, context);
  return report;
}

/** The run's report, monthly/{month}.json. */
export async function writeMonthlyReport(report: MonthlyReport, context?: InvocationContext): Promise<void> {
  const c = await container(report.container);
  await writeText(c, `monthly/${report.month}.json`, JSON.stringify(report, null, 2) + '\n', 'application/json; charset=utf-8');
  if (report.status === 'warning') context?.warn(`monthly run ${report.month}: ${report.warning!.en}`);
  else context?.log(`monthly run ${report.month}: ${report.items.filter((i) => i.ok).length} of ${report.items.length} done`);
}

/** One ledger or roster of the month: its files written, those of an earlier run it did not write removed. */
export async function monthlyItem(input: MonthlyItemInput, context?: InvocationContext): Promise<MonthlyItem> {
  const book = defaultBook();
  const { month, blob } = input;
  const c = await container(input.container);
  const item: MonthlyItem = { blob, kind: input.kind, ok: false, written: [] };
  const base = `${blob}.${month}`;
  try {
    if (input.kind === 'ledger') await ledgerItem(c, blob, base, item);
    else await rosterItem(book, c, blob, base, Number(month.slice(0, 4)), `${month}-01`, item, input.scenario);
  } catch (e) {
    item.problem = problemOf(e);
    context?.error(`monthly run: ${input.kind} ${blob} failed: ${item.problem.en}`);
  }
  const stale = OUTPUTS[input.kind].map((o) => `${base}.${o}`).filter((n) => !item.written.includes(n));
  item.removed = [];
  for (const name of stale) if (await c.deleteBlob(name).then(() => true, (e: { statusCode?: number }) => { if (e.statusCode === 404) return false; throw e; })) item.removed.push(name);
  return item;
}

async function ledgerItem(c: ContainerClient, blob: string, base: string, item: MonthlyItem): Promise<void> {
  const what = { zh: `blob ${blob} `, en: `blob ${blob}` };
  // the files under the spec's names, whatever the ledger's (an export's results as yibao settle --format spec writes them)
  const done = await runBodyJob(utf8Checked(blobChunks(c, blob), what), { kind: 'ledger', limits: runLimits(), input: { format: 'spec' } }, () => new YibaoError('台账为空', 'the ledger is empty', 'fatal'));
  if (Symbol.asyncIterator in done) {
    for await (const _ of done) void _; // the spooled copy removed
    const why = unsupportedProblem(done.reason, MONTHLY_RUN);
    throw new YibaoError(why.zh, why.en, 'unsupported'); // the item's problem in the report
  }
  if (done.t !== 'files') throw new Error('monthly run: a ledger job answered no files');
  try {
    await upload(c, `${base}.results.csv`, done.results);
    await upload(c, `${base}.warnings.csv`, done.warnings);
    item.written.push(`${base}.results.csv`, `${base}.warnings.csv`);
    if (done.rejected) {
      await upload(c, `${base}.rejected.csv`, done.rejected);
      item.written.push(`${base}.rejected.csv`);
    }
    if (done.monthlyWarnings) {
      await upload(c, `${base}.monthly-warnings.csv`, done.monthlyWarnings);
      item.written.push(`${base}.monthly-warnings.csv`);
    }
  } finally {
    fs.rmSync(done.dir, { recursive: true, force: true });
  }
  Object.assign(item, { ok: true, ...done.summary });
}

/**
 * The roster in force on the 1st of the month (China time), for that year's contribution; streamed.
 * With a scenario blob, the budget under it beside the packs' (engine/budget.ts scenarios).
 */
async function rosterItem(book: Book, c: ContainerClient, blob: string, base: string, year: number, date: string, item: MonthlyItem, scenarioBlob?: string): Promise<void> {
  const scenarios = scenarioBlob === undefined ? [] : [parseScenario(book, await blobText(c, scenarioBlob), scenarioBlob)];
  const o = await budgetStream(book, readCsvStream(utf8Text(blobChunks(c, blob), true, { zh: `blob ${blob} `, en: `blob ${blob}` })), { year, date, scenarios });
  await writeText(c, `${base}.budget.csv`, budgetCsv(o));
  await writeText(c, `${base}.budget.json`, JSON.stringify(budgetDocument(o), null, 2) + '\n', 'application/json; charset=utf-8');
  item.written.push(`${base}.budget.csv`, `${base}.budget.json`);
  Object.assign(item, { ok: true, read: o.read, persons: o.persons, rejected: o.rejections.length });
}

/** A small blob's text (a scenario file), checked as UTF-8. */
async function blobText(c: ContainerClient, name: string): Promise<string> {
  let text = '';
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of utf8Checked(blobChunks(c, name), { zh: `blob ${name} `, en: `blob ${name}` })) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** A file the ledger job wrote, stored as a blob (streamed in blocks, as BlobWriter writes). */
async function upload(c: ContainerClient, name: string, file: string): Promise<void> {
  const w = new BlobWriter(c, name);
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) await w.write(decoder.decode(chunk as Buffer, { stream: true }));
  await w.write(decoder.decode());
  await w.close();
}

function problemOf(e: unknown): { zh: string; en: string } {
  if (e instanceof YibaoError) return e.reason;
  const status = (e as { statusCode?: number }).statusCode;
  if (status === 404) return { zh: '找不到该 blob', en: 'blob not found' };
  return { zh: '处理失败（详见日志）', en: `failed (${e instanceof Error ? e.name : 'error'}; see the log)` };
}

/**
 * Start the month's orchestration, or find the one running: a second trigger for a month reports it
 * rather than starting another. A finished month's instance is replaced (a re-run).
 */
export async function startMonthly(input: MonthlyInput, context: InvocationContext): Promise<{ id: string; started: boolean; runtimeStatus: string }> {
  const client = durableClients.get(context);
  const id = monthlyInstance(input.month);
  const running = await client.getStatus(id).then((s) => String(s.runtimeStatus), () => undefined);
  if (running === 'Running' || running === 'Pending') {
    context.warn(`monthly run ${input.month} is already running (instance ${id}): not started again`);
    return { id, started: false, runtimeStatus: running };
  }
  if (!input.items.length) context.warn(`monthly run ${input.month}: ${NOTHING_CONFIGURED.en}`);
  await client.startNew(MONTHLY_ORCHESTRATOR, { instanceId: id, input });
  context.log(`monthly run ${input.month} started: instance ${id}, ${input.items.length} items`);
  return { id, started: true, runtimeStatus: 'Pending' };
}

/** The timer handler: the month's orchestration started (its report: GET /api/monthly/{month}). */
export async function monthlyHandler(timer: Timer, context: InvocationContext): Promise<void> {
  if (timer.isPastDue) context.warn('monthly run is past due (the app was not running at the scheduled time)');
  await startMonthly(monthlyInput(new Date(Date.now())), context);
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * POST /api/monthly[?month=YYYY-MM]: run the month now (default: the current month in China; a past
 * month re-runs it with today's settings). GET /api/monthly/{month}: its status and, when done, its report.
 */
export async function monthly(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const month = request.params.month ?? request.query.get('month') ?? undefined;
  if (month !== undefined && !MONTH.test(month)) throw new HttpProblem(400, '月份须为 YYYY-MM', 'the month must be YYYY-MM', 'usage');
  const own = (m: string) => `${new URL(request.url).origin}/api/monthly/${m}`;
  if (request.method === 'POST') {
    const input = monthlyInput(new Date(Date.now()));
    if (month) input.month = month;
    const r = await startMonthly(input, context);
    return new HttpResponse({ status: 202, headers: { 'content-type': CONTENT_TYPE.json, location: own(input.month) }, jsonBody: { month: input.month, ...r, statusUri: own(input.month), warning: input.items.length ? null : NOTHING_CONFIGURED } });
  }
  if (!month) throw new HttpProblem(400, '请给出月份：GET /api/monthly/YYYY-MM', 'give the month: GET /api/monthly/YYYY-MM', 'usage');
  const client = durableClients.get(context);
  let status;
  try {
    status = await client.getStatus(monthlyInstance(month));
  } catch (e) {
    if (e instanceof Error && /404|not found/i.test(e.message)) throw new HttpProblem(404, `${month} 没有月度重算`, `no monthly run for ${month}`, 'not_found');
    throw e;
  }
  const running = ['Pending', 'Running'].includes(String(status.runtimeStatus));
  const report = (typeof status.output === 'object' ? status.output : null) as MonthlyReport | null;
  return new HttpResponse({
    status: running ? 202 : 200,
    headers: { 'content-type': CONTENT_TYPE.json },
    jsonBody: { month, id: monthlyInstance(month), runtimeStatus: status.runtimeStatus, progress: status.customStatus ?? null, status: report?.status ?? null, warning: report?.warning ?? null, report },
  });
}

export const monthlyHttpHandler = guarded(monthly);
