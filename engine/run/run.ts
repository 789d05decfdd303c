// One run of a ledger on the bulk path, whatever its size and surface (yibao settle, POST
// /api/settle, /api/scenarios/compare, the monthly run): the main run, its results written to a
// sink, then each what-if run, and the comparison of them. One function, runPlan, decides whether the
// ledger is settled in memory at once or in partitions (engine/run/partitioned.ts).
import { BulkLedger, type BulkRoster } from '../ledger/bulk';
import { comparisonOf, type LedgerComparison, type SettledRun } from '../compare';
import type { Book } from '../policy/load';
import type { Scenario } from '../scenario';
import type { GroupKey } from '../summary';
import { settleHalves, settlePartitioned, type BatchReader, type ChunkSource, type Halves, type LedgerInput, type MergedRun, type PartHelper, type PartJob } from './partitioned';
import type { PartStorage } from './storage';

export interface RunLimits {
  /**
   * Up to this many rows a ledger is settled in memory at once (faster: nothing is written but the
   * results; about 300 MB at most, on one settling thread or two).
   */
  memoryRows: number;
  /** Else in partitions of about this many rows each (about 250 MB whatever the ledger's size). */
  partRows: number;
}

export const DEFAULT_LIMITS: RunLimits = { memoryRows: 2_200_000, partRows: 250_000 };

/** Bytes a row takes on average in a ledger CSV (to estimate rows from a size). */
const ROW_BYTES = 80;

/**
 * How many partitions a ledger of `bytes` needs: 0 when it is settled in memory at once (its size
 * unknown: in memory), else enough for about limits.partRows rows each, at most 1,024 (the merge keeps
 * a read buffer per partition).
 */
export function runPlan(bytes: number | undefined, limits: RunLimits = DEFAULT_LIMITS): number {
  if (bytes === undefined) return 0;
  const rows = bytes / ROW_BYTES;
  if (rows <= limits.memoryRows) return 0;
  return Math.min(1024, Math.ceil(rows / limits.partRows));
}

/** Rows to expect from a size in bytes (sizes hash tables once). */
export function rowsHintOf(bytes: number | undefined): number {
  return bytes === undefined ? 0 : Math.min(50_000_000, Math.round(bytes / ROW_BYTES));
}

export interface RunRequest {
  /** The ledger's bytes, read afresh by each call (the main run, then each what-if run in memory). */
  source: ChunkSource;
  /** The ledger's size in bytes if known (the plan, hash table sizes, progress). */
  bytes?: number;
  scenario?: Scenario;
  /** Settled again under each of these for the comparison (no results written). */
  whatIf?: Scenario[];
  /** Totals per group for the main run and each what-if run. */
  groups?: GroupKey[];
  /** How the header is read and the results written (an export's city and category column, spec or platform names). */
  input?: LedgerInput;
  /** Categories from a roster; its differences reported by the main run only. */
  roster?: BulkRoster;
  /** List the main run's claims with a warning (its outcome's claimWarnings: the monthly run's early-warning list). */
  claimWarnings?: boolean;
  /** Where the main run's results CSV goes, in pieces valid during the call (none: not written). */
  sink?: (bytes: Uint8Array) => void;
  limits?: RunLimits;
  /** Where the parts go when the ledger is partitioned (each call: a fresh, empty storage); without it, in memory whatever the size. */
  storage?: () => PartStorage & { dispose(): void };
  /** A reader thread, by what it is asked for: the whole read of a run in memory, or the split. */
  reader?: (mode: 'memory' | 'split') => BatchReader | undefined;
  /** A second thread for the partitions' dedupe and settle steps. */
  helper?: (storage: PartStorage) => PartHelper | undefined;
  /**
   * In memory, a reader thread and a second settling thread (each settles half of the persons as the
   * file is read; their results go through `storage`): preferred to `reader` when given.
   */
  halves?: (storage: PartStorage, job: PartJob, rowsHint: number) => Halves | undefined;
  progress?: (phase: 'read' | 'settle', done: number, total: number) => void;
}

export interface RunOutcome {
  main: MergedRun;
  whatIf: MergedRun[];
  /** Readable rows whose person is not on the roster. */
  notOnRoster: number;
  /** Partitions the ledger was cut into (0: in memory). */
  parts: number;
  /** With what-if scenarios: the comparison (engine/compare.ts) of each with the main run. */
  comparison?: LedgerComparison;
}

/** The ledger settled in memory under one scenario. */
async function inMemory(book: Book, req: RunRequest, scenario: Scenario | undefined, roster: BulkRoster | undefined): Promise<BulkLedger> {
  const rowsHint = rowsHintOf(req.bytes);
  const reader = req.input?.body === 'ndjson' ? undefined : req.reader?.('memory'); // a reader thread scans CSV
  if (reader) {
    // two threads: the reader scans and finds duplicates; this one validates and settles
    const ledger = new BulkLedger(book, { scenario, rowsHint, role: 'settler', groups: req.groups, roster, claimWarnings: req.claimWarnings, ...req.input });
    ledger.endWith(reader(true, rowsHint, (batch) => ledger.consume(batch)));
    return ledger;
  }
  const ledger = new BulkLedger(book, { scenario, rowsHint, groups: req.groups, roster, claimWarnings: req.claimWarnings, ...req.input });
  const chunks = req.source();
  if (Symbol.iterator in chunks) for (const chunk of chunks) ledger.push(chunk);
  else for await (const chunk of chunks) ledger.push(chunk);
  ledger.end();
  return ledger;
}

/**
 * A run in memory under one scenario, its results to `sink` if given (the ledger is let go before the
 * next run): on two settling threads when the request lends them (not with a roster, which is read on
 * this thread, nor an NDJSON body), else on this one.
 */
async function runInMemory(book: Book, req: RunRequest, scenario: Scenario | undefined, roster: BulkRoster | undefined, sink?: (bytes: Uint8Array) => void): Promise<{ run: MergedRun; notOnRoster: number }> {
  if (req.halves && req.storage && !roster && req.input?.body !== 'ndjson') {
    const storage = req.storage();
    try {
      const job: PartJob = { scenario, groups: req.groups, input: req.input, claimWarnings: req.claimWarnings };
      const halves = req.halves(storage, job, rowsHintOf(req.bytes));
      if (halves) return { run: await settleHalves(book, storage, halves, job, rowsHintOf(req.bytes), sink), notOnRoster: 0 };
    } finally {
      storage.dispose();
    }
  }
  const ledger = await inMemory(book, req, scenario, roster);
  const run = runOf(ledger, req.groups);
  if (sink) ledger.writeResults(sink);
  return { run, notOnRoster: ledger.notOnRoster };
}

function runOf(ledger: BulkLedger, groups: GroupKey[] | undefined): MergedRun {
  return { outcome: ledger.outcome(), groups: groups ? ledger.groupSummary() : undefined };
}

/** A run as a comparison takes it. */
export function settledRun(r: MergedRun): SettledRun {
  const findings = r.outcome.findingClaims;
  if (findings === undefined) throw new Error('settledRun: a bulk run without its count of claims with findings');
  return { summary: r.outcome.summary, violations: r.outcome.policyViolations, findings, groups: r.groups };
}

/** The comparison of each what-if run with the main run (a run of runLedger, or a job's merged partitions). */
export function comparisonOfRuns(groups: GroupKey[], main: MergedRun, scenarios: Scenario[], whatIf: MergedRun[]): LedgerComparison {
  return comparisonOf(groups, settledRun(main), scenarios.map((scenario, i) => ({ scenario, run: settledRun(whatIf[i]) })));
}

/**
 * Settle a ledger: the main run under req.scenario (its results to req.sink), then each what-if run;
 * one ledger in memory at a time, or partitions (runPlan). Throws BulkUnsupported, before anything
 * reached the sink, when the ledger needs settleLedger.
 */
export async function runLedger(book: Book, req: RunRequest): Promise<RunOutcome> {
  const whatIfScenarios = req.whatIf ?? [];
  const parts = req.storage ? runPlan(req.bytes, req.limits) : 0;
  let main: MergedRun;
  let whatIf: MergedRun[];
  let notOnRoster: number;
  if (parts > 0) {
    const storage = req.storage!();
    try {
      const run = await settlePartitioned(book, req.source, storage, parts, { scenario: req.scenario, groups: req.groups, whatIf: whatIfScenarios, input: req.input, claimWarnings: req.claimWarnings }, req.sink, {
        bytes: req.bytes, progress: req.progress, roster: req.roster, reader: () => req.reader?.('split'), helper: () => req.helper?.(storage),
      });
      ({ whatIf, notOnRoster } = run);
      main = { outcome: run.outcome, groups: run.groups };
    } finally {
      storage.dispose();
    }
  } else {
    ({ run: main, notOnRoster } = await runInMemory(book, req, req.scenario, req.roster, req.sink));
    // the roster again on each what-if run (its differences were reported on the main run's)
    whatIf = [];
    for (const s of whatIfScenarios) whatIf.push((await runInMemory(book, { ...req, claimWarnings: false }, s, req.roster && { index: req.roster.index })).run);
  }
  const comparison = whatIfScenarios.length ? comparisonOfRuns(req.groups ?? [], main, whatIfScenarios, whatIf) : undefined;
  return { main, whatIf, notOnRoster, parts, comparison };
}
