// App settings (environment variables on Azure, local.settings.json under Core Tools, the
// environment under the local host). Read on each call so that tests and offices can change them.
import * as os from 'node:os';
import { DEFAULT_LIMITS, type RunLimits } from '../engine';

/** Bytes a synchronous request body may have before it is refused with 413 (default 200 MB). */
export function maxBodyBytes(): number {
  return positiveInt('YIBAO_MAX_BODY_BYTES', 200 * 1024 * 1024);
}

/**
 * POST /api/settle: a CSV body larger than this (bytes; default 1 MB) is settled on a worker thread
 * (functions/settle-pool.ts), so the event loop stays free for the other requests; smaller bodies
 * are settled on the request's own thread, where starting a thread would cost more than it saves.
 */
export function settleWorkerBytes(): number {
  return positiveInt('YIBAO_SETTLE_WORKER_BYTES', 1024 * 1024);
}

/**
 * POST /api/settle: a CSV body smaller than this (bytes; default 4 KB, about 60 claims) takes the
 * ordinary path even where the bulk path could take it. BulkLedger sets up about 14 MB of columns and
 * tables whatever the ledger's size, which costs more than settling a few dozen claims the ordinary
 * way (measured: 5 claims 3.7 ms against 0.3 ms; 50 claims 0.8 ms against 1.4 ms). 0: every body
 * the bulk path can take.
 */
export function settleBulkMinBytes(): number {
  return process.env.YIBAO_SETTLE_BULK_MIN_BYTES?.trim() === '0' ? 0 : positiveInt('YIBAO_SETTLE_BULK_MIN_BYTES', 4096);
}

/**
 * Worker threads that settle large bodies of POST /api/settle (0: none, every body is settled on the
 * request's thread). Default: one less than the cores, at least 1 and at most 2 (each holds a ledger's
 * columns in memory while it works).
 */
export function settleWorkers(): number {
  const raw = process.env.YIBAO_SETTLE_WORKERS?.trim();
  if (raw === '0') return 0;
  const cores = os.availableParallelism();
  return Math.min(8, positiveInt('YIBAO_SETTLE_WORKERS', Math.min(2, Math.max(1, cores - 1))));
}

/**
 * Whether POST /api/settle may take the bulk path (engine/bulk, integer fen) for the bodies it can
 * (default yes). YIBAO_SETTLE_BULK=0 sends every body through readLedger + settleLedger, as before
 * issue 5: a switch for operators, and what the tests compare the bulk path's bytes with.
 */
export function settleBulkEnabled(): boolean {
  const raw = process.env.YIBAO_SETTLE_BULK?.trim();
  if (raw === undefined || raw === '' || raw === '1') return true;
  if (raw === '0') return false;
  throw new Error(`app setting YIBAO_SETTLE_BULK must be 0 or 1, not "${raw}"`);
}

/** Bytes a POST /api/jobs body may have (default 2 GB): it goes to Blob Storage, not memory. */
export function maxJobBytes(): number {
  return positiveInt('YIBAO_MAX_JOB_BYTES', 2 * 1024 * 1024 * 1024);
}

/** Shards of a large job (persons are spread over them by a hash of person_id); default 8. */
export function jobShards(): number {
  return Math.min(256, positiveInt('YIBAO_JOB_SHARDS', 8));
}

/** NCRONTAB of the monthly run (six fields, UTC): 00:00 UTC on the 1st = 08:00 China time. */
export const DEFAULT_MONTHLY_SCHEDULE = '0 0 0 1 * *';
export function monthlySchedule(): string {
  const s = process.env.YIBAO_MONTHLY_SCHEDULE?.trim();
  return s ? s : DEFAULT_MONTHLY_SCHEDULE;
}

/** The storage connection: YIBAO_STORAGE, else the Functions host's own AzureWebJobsStorage. */
export function storageConnection(): string | undefined {
  return process.env.YIBAO_STORAGE?.trim() || process.env.AzureWebJobsStorage?.trim() || undefined;
}

/** Container for job inputs, shards and results (default yibao-jobs). */
export function jobsContainer(): string {
  return process.env.YIBAO_JOBS_CONTAINER?.trim() || 'yibao-jobs';
}

/** Container holding the ledgers and rosters of the monthly run (default yibao-monthly). */
export function monthlyContainer(): string {
  return process.env.YIBAO_MONTHLY_CONTAINER?.trim() || 'yibao-monthly';
}

/**
 * A scenario file (blob name in the monthly container) the monthly run's roster budgets are computed
 * under beside the policy packs, e.g. next year's contribution standard (contribution.individual@2027);
 * none by default. The ledgers are always settled under the packs.
 */
export function monthlyScenario(): string | undefined {
  return process.env.YIBAO_MONTHLY_SCENARIO?.trim() || undefined;
}

/** Comma-separated blob names of the ledgers and rosters the monthly run recalculates. */
export function monthlyList(name: 'YIBAO_MONTHLY_LEDGERS' | 'YIBAO_MONTHLY_ROSTERS'): string[] {
  return (process.env[name] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Origins a browser may call the app from (CORS), comma-separated; `*` for any. Default: the
 * add-in's development origin. The local host answers preflights and marks answers itself; on Azure
 * the platform's CORS setting does it instead (docs/functions.md).
 */
export const DEFAULT_CORS_ORIGINS = 'https://localhost:3000';
export function corsOrigins(): string[] {
  const raw = process.env.YIBAO_CORS_ORIGINS ?? DEFAULT_CORS_ORIGINS;
  return raw.split(',').map((s) => s.trim().replace(/\/+$/, '')).filter((s) => s !== '');
}

/** Limits of the local host (milliseconds): see docs/functions.md, "For operators". */
export interface HostLimits {
  /** The request line and headers must arrive within this (default 20 s). */
  headersMs: number;
  /** A request body that receives nothing for this long is dropped with a 408 (default 15 s). */
  bodyIdleMs: number;
  /** An answer the client stops reading for this long is dropped (default 30 s). */
  answerIdleMs: number;
  /** Ctrl-C or SIGTERM: the host exits within this even if something hangs (default 5 s). */
  stopMs: number;
}
export function hostLimits(): HostLimits {
  return {
    headersMs: positiveInt('YIBAO_HEADERS_TIMEOUT_MS', 20_000),
    bodyIdleMs: positiveInt('YIBAO_BODY_IDLE_MS', 15_000),
    answerIdleMs: positiveInt('YIBAO_ANSWER_IDLE_MS', 30_000),
    stopMs: positiveInt('YIBAO_STOP_MS', 5_000),
  };
}

/** GET /api/health waits this long for the storage to answer (milliseconds, default 2000). */
export function healthStorageMs(): number {
  return positiveInt('YIBAO_HEALTH_STORAGE_MS', 2000);
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`app setting ${name} must be a positive integer, not "${raw}"`);
  return n;
}

/**
 * When the engine's run settles a ledger in partitions (engine/run runPlan): above YIBAO_MEMORY_ROWS
 * rows (2,200,000), in partitions of about YIBAO_PART_ROWS rows (250,000), as on the command line.
 */
export function runLimits(): RunLimits {
  const count = (name: string, fallback: number) => {
    const n = Number(process.env[name]);
    return Number.isInteger(n) && n > 0 ? n : fallback;
  };
  return { memoryRows: count('YIBAO_MEMORY_ROWS', DEFAULT_LIMITS.memoryRows), partRows: count('YIBAO_PART_ROWS', DEFAULT_LIMITS.partRows) };
}
