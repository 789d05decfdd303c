// App settings (environment variables on Azure, local.settings.json under Core Tools, the
// environment under the local host). Read on each call so that tests and offices can change them.

/** Bytes a synchronous request body may have before it is refused with 413 (default 200 MB). */
export function maxBodyBytes(): number {
  return positiveInt('YIBAO_MAX_BODY_BYTES', 200 * 1024 * 1024);
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

/** Comma-separated blob names of the ledgers and rosters the monthly run recalculates. */
export function monthlyList(name: 'YIBAO_MONTHLY_LEDGERS' | 'YIBAO_MONTHLY_ROSTERS'): string[] {
  return (process.env[name] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`app setting ${name} must be a positive integer, not "${raw}"`);
  return n;
}
