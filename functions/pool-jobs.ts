// The engine jobs the worker pool runs on a body (functions/settle-pool.ts, settle-worker.ts) besides
// the streamed settle answer (settle-answer.ts): a comparison of scenarios, totals per group, a
// roster's budget (engine/budget, streamed from the spooled body). The ledger's body
// is spooled to a temporary file as it arrives (the engine's run reads a ledger once per scenario, and
// its exact size chooses memory or partitions), then settled by the engine's run (engine/run), and
// answered as one text. Used in the worker thread, or on the request's thread when no worker can be
// started, so nothing here may need @azure/functions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  budgetCsv, budgetStream, budgetDocument, budgetYears, yearsCsv, yearsDocument, rejectedTable, monthlyWarningsTable, claimWarningsTable, comparisonJson,
  comparisonTable, summaryJson, summaryTable, toCsv, readCsvStream, BulkUnsupported, runLedger,
  scenarioOfWire, type Book, type GroupKey, type Scenario, type MergedRun, type LedgerComparison, type BudgetOutcome, type LedgerInput, type PartStorage, type RunLimits, type ScenarioWire,
} from '../engine';
import { FileParts, writeAll } from '../node/part-files';
import { rejectionsJson } from './settle-answer';

/**
 * What a job is asked for (JSON-able: it is posted to the worker). `limits`: when the ledger goes in
 * partitions (the settings of the request's thread: a worker's environment is a copy from its start).
 * `input`: how the ledger's body is read (CSV or NDJSON, an export's city and category column, the
 * names its results are written under).
 */
export type BodyJobSpec = { limits?: RunLimits; input?: LedgerInput } & (
  | { kind: 'compare'; scenarios: ScenarioWire[]; groups?: GroupKey[]; answer: 'json' | 'csv' }
  | { kind: 'summary'; scenario: ScenarioWire | null; groups: GroupKey[]; answer: 'json' | 'csv' }
  | { kind: 'budget'; year: number; date?: string; scenarios: ScenarioWire[]; answer: 'json' | 'csv'; maxDuplicateReports?: number; years?: { from: number; to: number } }
  | { kind: 'ledger' }
);

/** The counts of the ledger read (the x-yibao-* headers). */
export interface Head { read: number; settled: number; rejected: number }

export function countHeaders(o: Head): Record<string, string> {
  return { 'x-yibao-read': String(o.read), 'x-yibao-settled': String(o.settled), 'x-yibao-rejected': String(o.rejected) };
}

/**
 * A job's answer: the body's text and the x-yibao-* headers of counts; or the bulk path cannot take the
 * ledger (BulkUnsupported) and the ordinary path must read the spooled body in `file` (then removes it).
 */
export type BodyJobAnswer =
  | { t: 'answer'; text: string; headers: Record<string, string> }
  | { t: 'unsupported'; reason: string; file: string }
  | LedgerFiles;

/**
 * A ledger settled as `yibao settle --out` settles it (the monthly run): its results, early warnings
 * and (if any) rejected rows as files in `dir`, which the caller removes once it has stored them.
 */
export interface LedgerFiles {
  t: 'files';
  dir: string;
  results: string;
  warnings: string;
  rejected?: string;
  /** The monthly warning list (spec 10.6: Xixiu's person-months over the line), when not empty. */
  monthlyWarnings?: string;
  summary: { read: number; settled: number; rejected: number; warnings: number };
}

const rootFor = () => fs.mkdtempSync(path.join(os.tmpdir(), `yibao-job-${process.pid}-`));

/** A folder of parts for a partitioned run, removed at the end. */
function partsStorage(): PartStorage & { dispose(): void } {
  const dir = rootFor();
  return new FileParts(dir, () => fs.rmSync(dir, { recursive: true, force: true }));
}

function* fileChunks(file: string): Generator<Uint8Array> {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) yield buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** One body job: push the body's bytes (checked as UTF-8 by the request's thread), then end(). */
export class BodyJob {
  private readonly dir = rootFor();
  private readonly file = path.join(this.dir, 'body.csv');
  private fd: number | null = fs.openSync(this.file, 'w');
  private bytes = 0;

  constructor(private readonly book: Book, private readonly spec: BodyJobSpec) {}

  push(chunk: Uint8Array): void {
    if (this.fd === null) return;
    for (let off = 0; off < chunk.length; ) off += fs.writeSync(this.fd, chunk, off);
    this.bytes += chunk.length;
  }

  /** The body is complete: settle it and answer. */
  async end(): Promise<BodyJobAnswer> {
    this.close();
    let keep = false;
    try {
      const answer = await this.answer();
      keep = answer.t === 'files';
      return answer;
    } catch (e) {
      if (!(e instanceof BulkUnsupported)) throw e;
      keep = true;
      return { t: 'unsupported', reason: e.message, file: this.file };
    } finally {
      if (!keep) this.remove();
    }
  }

  /** The request is over (refused, failed): the spooled body goes. */
  abort(): void {
    this.close();
    this.remove();
  }

  private close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async answer(): Promise<BodyJobAnswer> {
    const book = this.book;
    const spec = this.spec;
    const common = { source: () => fileChunks(this.file), bytes: this.bytes, storage: partsStorage, limits: spec.limits, input: spec.input };
    if (spec.kind === 'budget') return this.budget(spec);
    if (spec.kind === 'ledger') return this.ledgerFiles();
    const job = runJobOf(book, spec);
    const run = await runLedger(book, { ...common, ...job });
    return { t: 'answer', ...runAnswer(spec, job, run.main, run.comparison) };
  }

  /** The ledger settled into files beside the spooled body (LedgerFiles). */
  private async ledgerFiles(): Promise<LedgerFiles> {
    const book = this.book;
    const out = (name: string) => path.join(this.dir, name);
    const results = out('results.csv');
    const fd = fs.openSync(results, 'w');
    let run;
    try {
      run = await runLedger(book, { source: () => fileChunks(this.file), bytes: this.bytes, storage: partsStorage, limits: this.spec.limits, input: this.spec.input, claimWarnings: true, sink: (b) => writeAll(fd, b) });
    } finally {
      fs.closeSync(fd);
    }
    const o = run.main.outcome;
    let rejected: string | undefined;
    if (o.rejections.length) fs.writeFileSync((rejected = out('rejected.csv')), toCsv(rejectedTable(o)));
    let monthlyWarnings: string | undefined;
    if (o.monthlyWarnings?.length) fs.writeFileSync((monthlyWarnings = out('monthly-warnings.csv')), toCsv(monthlyWarningsTable(o)));
    const warnings = out('warnings.csv');
    fs.writeFileSync(warnings, toCsv(claimWarningsTable(o)));
    const s = o.summary;
    return { t: 'files', dir: this.dir, results, warnings, rejected, monthlyWarnings, summary: { read: s.read, settled: s.settled, rejected: s.rejected, warnings: s.warnings } };
  }

  /** The roster's enrolment-subsidy budget (engine/budget.ts; the body has a header: the request's thread saw it). */
  private async budget(spec: Extract<BodyJobSpec, { kind: 'budget' }>): Promise<BodyJobAnswer> {
    const book = this.book;
    const scenarios = spec.scenarios.map((w) => scenarioOfWire(book, w));
    // Streamed from the spooled body: memory follows the persons, not the file (issue 14).
    const common = { date: spec.date, scenarios, sizeHint: Math.ceil(this.bytes / 40), maxDuplicateReports: spec.maxDuplicateReports };
    if (spec.years) {
      const y = await budgetYears(book, readCsvStream(fileChunks(this.file)), { ...common, ...spec.years });
      const headers = { 'x-yibao-read': String(y.read), 'x-yibao-persons': String(y.persons), 'x-yibao-rejected': String(y.rejections.length) };
      return { t: 'answer', headers, text: spec.answer === 'csv' ? yearsCsv(y) : JSON.stringify(yearsDocument(y)) };
    }
    const o = await budgetStream(book, readCsvStream(fileChunks(this.file)), { ...common, year: spec.year });
    return { t: 'answer', ...budgetAnswer(o, spec.answer) };
  }
}

// ---------------------------------------------------------------------------------------------
// The answers, one way each: the HTTP functions' (above) and the jobs' (functions/jobs/answer.ts,
// from their partitions' merged runs) are these.

export type RunSpec = Extract<BodyJobSpec, { kind: 'compare' | 'summary' }>;
export type BudgetSpec = Extract<BodyJobSpec, { kind: 'budget' }>;
export interface TextAnswer { text: string; headers: Record<string, string> }

/** What the runs of a comparison or a summary are settled under (the engine's run, or a job's partitions: PartJob). */
export function runJobOf(book: Book, spec: RunSpec): { scenario?: Scenario; whatIf?: Scenario[]; groups: GroupKey[] } {
  if (spec.kind === 'compare') return { whatIf: spec.scenarios.map((w) => scenarioOfWire(book, w)), groups: spec.groups ?? [] };
  return { scenario: spec.scenario ? scenarioOfWire(book, spec.scenario) : undefined, groups: spec.groups };
}

/** The answer of a comparison (POST /api/scenarios/compare) or a summary (POST /api/settle?summary=) from its runs. */
export function runAnswer(spec: RunSpec, job: { scenario?: Scenario }, main: MergedRun, comparison: LedgerComparison | undefined): TextAnswer {
  if (spec.kind === 'compare') {
    const c = comparison!;
    return { headers: {}, text: spec.answer === 'csv' ? toCsv(comparisonTable(c)) : JSON.stringify(comparisonJson(c)) };
  }
  const o = main.outcome;
  const s = main.groups!;
  const headers = countHeaders(o.summary);
  if (spec.answer === 'csv') return { text: toCsv(summaryTable(s)), headers };
  const sm = o.summary;
  return { headers, text: JSON.stringify({ scenario: job.scenario?.name ?? null, read: sm.read, settled: sm.settled, rejected: sm.rejected, ...summaryJson(s), rejections: rejectionsJson(o) }) };
}

/** The answer of a one-year budget (POST /api/budget). */
export function budgetAnswer(o: BudgetOutcome, answer: 'json' | 'csv'): TextAnswer {
  const headers = { 'x-yibao-read': String(o.read), 'x-yibao-persons': String(o.persons), 'x-yibao-rejected': String(o.rejections.length) };
  return { headers, text: answer === 'csv' ? budgetCsv(o) : JSON.stringify(budgetDocument(o)) };
}
