// The monthly run (timer): on the 1st at 08:00 China time by default (app setting
// YIBAO_MONTHLY_SCHEDULE), after the month's roster update, recalculate the configured ledgers and
// rosters in Blob Storage and write beside each one the month's results, early-warning list and
// rejected rows (ledgers) or the budget report (rosters), plus a run report. A ledger is settled by
// the engine's run on a worker thread of the pool (functions/body-job.ts, pool-jobs.ts: the files of
// `yibao settle --out`, in memory or in partitions by its size, the host's event loop free); a ledger
// the bulk path cannot take (the national platform's names, …) by settleLedger here, as before.
//   ledger  claims/2024.csv → claims/2024.csv.2024-05.results.csv, .warnings.csv, .rejected.csv
//   roster  roster.csv      → roster.csv.2024-05.budget.csv, .budget.json
//   report  monthly/2024-05.json
import * as fs from 'node:fs';
import type { InvocationContext, Timer } from '@azure/functions';
import type { ContainerClient } from '@azure/storage-blob';
import {
  defaultBook, settleLedger, resultCells, RESULT_COLUMNS, REJECTED_COLUMNS, csvLine, budgetStream, budgetCsv,
  budgetDocument, fmt, todayInChina, YibaoError, readCsvStream, type Book, type LedgerRow, type ClaimResult,
} from '../../engine';
import { pipeCsvRows, utf8Checked, utf8Text } from '../body';
import { runBodyJob } from '../body-job';
import { WARNING_COLUMNS } from '../pool-jobs';
import { blobChunks, container, BlobWriter, writeText } from '../storage';
import { monthlyContainer, monthlyList, runLimits } from '../settings';


export interface MonthlyItem { blob: string; kind: 'ledger' | 'roster'; ok: boolean; written: string[]; read?: number; settled?: number; rejected?: number; warnings?: number; persons?: number; problem?: { zh: string; en: string } }
export interface MonthlyReport { month: string; started: string; container: string; items: MonthlyItem[] }

function warningRow(r: ClaimResult): string[] {
  return [r.claim_id, r.city, r.category, r.date, r.kind, fmt(r.oop_compliant), fmt(r.oop_total)];
}

/** One month's run. `now` is the run time; the month is the China-time month of it. */
export async function monthlyRun(now: Date, context: InvocationContext): Promise<MonthlyReport> {
  const book = defaultBook();
  const today = todayInChina(now);
  const month = today.slice(0, 7);
  const year = Number(today.slice(0, 4));
  const c = await container(monthlyContainer());
  const report: MonthlyReport = { month, started: now.toISOString(), container: monthlyContainer(), items: [] };

  for (const blob of monthlyList('YIBAO_MONTHLY_LEDGERS')) {
    const item: MonthlyItem = { blob, kind: 'ledger', ok: false, written: [] };
    report.items.push(item);
    try {
      const what = { zh: `blob ${blob} `, en: `blob ${blob}` };
      const done = await runBodyJob(utf8Checked(blobChunks(c, blob), what), { kind: 'ledger', limits: runLimits() }, () => new YibaoError('台账为空', 'the ledger is empty', 'fatal'));
      const base = `${blob}.${month}`;
      if (Symbol.asyncIterator in done) await ordinaryLedger(book, done, c, base, item, what);
      else {
        if (done.t !== 'files') throw new Error('monthly run: a ledger job answered no files');
        try {
          await upload(c, `${base}.results.csv`, done.results);
          await upload(c, `${base}.warnings.csv`, done.warnings);
          item.written.push(`${base}.results.csv`, `${base}.warnings.csv`);
          if (done.rejected) {
            await upload(c, `${base}.rejected.csv`, done.rejected);
            item.written.push(`${base}.rejected.csv`);
          }
        } finally {
          fs.rmSync(done.dir, { recursive: true, force: true });
        }
        Object.assign(item, { ok: true, ...done.summary });
      }
    } catch (e) {
      item.problem = problemOf(e);
      context.error(`monthly run: ledger ${blob} failed: ${item.problem.en}`);
    }
  }

  for (const blob of monthlyList('YIBAO_MONTHLY_ROSTERS')) {
    const item: MonthlyItem = { blob, kind: 'roster', ok: false, written: [] };
    report.items.push(item);
    try {
      // The roster in force on the 1st of the month (China time), for that year's contribution; streamed.
      const o = await budgetStream(book, readCsvStream(utf8Text(blobChunks(c, blob), true, { zh: `blob ${blob} `, en: `blob ${blob}` })), { year, date: `${month}-01` });
      const base = `${blob}.${month}`;
      await writeText(c, `${base}.budget.csv`, budgetCsv(o));
      await writeText(c, `${base}.budget.json`, JSON.stringify(budgetDocument(o), null, 2) + '\n', 'application/json; charset=utf-8');
      item.written.push(`${base}.budget.csv`, `${base}.budget.json`);
      Object.assign(item, { ok: true, read: o.read, persons: o.persons, rejected: o.rejections.length });
    } catch (e) {
      item.problem = problemOf(e);
      context.error(`monthly run: roster ${blob} failed: ${item.problem.en}`);
    }
  }

  await writeText(c, `monthly/${month}.json`, JSON.stringify(report, null, 2) + '\n', 'application/json; charset=utf-8');
  context.log(`monthly run ${month}: ${report.items.filter((i) => i.ok).length} of ${report.items.length} done`);
  return report;
}

/** A file the ledger job wrote, stored as a blob (streamed in blocks, as BlobWriter writes). */
async function upload(c: ContainerClient, name: string, file: string): Promise<void> {
  const w = new BlobWriter(c, name);
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) await w.write(decoder.decode(chunk as Buffer, { stream: true }));
  await w.write(decoder.decode());
  await w.close();
}

/**
 * A ledger the bulk path cannot take (the national platform's names, …): read whole and settled by
 * settleLedger on this thread, as before (memory not bounded).
 */
async function ordinaryLedger(book: Book, chunks: AsyncIterable<Uint8Array>, c: ContainerClient, base: string, item: MonthlyItem, what: { zh: string; en: string }): Promise<void> {
  const rows: LedgerRow[] = [];
  const convention = await pipeCsvRows(readCsvStream(utf8Text(chunks, true, what)), {}, (r) => { rows.push(r); });
  if (convention === undefined) throw new YibaoError('台账为空', 'the ledger is empty', 'fatal');
  const o = settleLedger(book, rows);
  const results = new BlobWriter(c, `${base}.results.csv`);
  await results.write(csvLine([...RESULT_COLUMNS]));
  for (const r of o.results) await results.write(csvLine(resultCells(r, o.claimFindings.get(r.claim_id))));
  await results.close();
  const warnings = new BlobWriter(c, `${base}.warnings.csv`);
  await warnings.write(csvLine([...WARNING_COLUMNS]));
  for (const r of o.results) if (r.warning) await warnings.write(csvLine(warningRow(r)));
  await warnings.close();
  item.written.push(`${base}.results.csv`, `${base}.warnings.csv`);
  if (o.rejections.length) {
    const rej = new BlobWriter(c, `${base}.rejected.csv`);
    await rej.write(csvLine([...REJECTED_COLUMNS]));
    for (const r of o.rejections) await rej.write(csvLine([String(r.line), r.claim_id ?? '', r.reason.zh, r.reason.en]));
    await rej.close();
    item.written.push(`${base}.rejected.csv`);
  }
  Object.assign(item, { ok: true, read: o.summary.read, settled: o.summary.settled, rejected: o.summary.rejected, warnings: o.summary.warnings });
}

function problemOf(e: unknown): { zh: string; en: string } {
  if (e instanceof YibaoError) return e.reason;
  const status = (e as { statusCode?: number }).statusCode;
  if (status === 404) return { zh: '找不到该 blob', en: 'blob not found' };
  return { zh: '处理失败（详见日志）', en: `failed (${e instanceof Error ? e.name : 'error'}; see the log)` };
}

/** The timer handler. A failed item fails the run (shown in the portal); the report is written first. */
export async function monthlyHandler(timer: Timer, context: InvocationContext): Promise<void> {
  if (timer.isPastDue) context.warn('monthly run is past due (the app was not running at the scheduled time)');
  const report = await monthlyRun(new Date(Date.now()), context);
  const failed = report.items.filter((i) => !i.ok);
  if (failed.length) throw new Error(`monthly run ${report.month}: ${failed.length} of ${report.items.length} items failed (see monthly/${report.month}.json)`);
}
