// What a settle job's steps, its handler and the one-text jobs share: where its blobs are, its
// summary, and the floors broken as the summary lists them.
import type { Violation } from '../../engine';
import type { LedgerFormat } from '../body';

export const inputBlob = (jobId: string, format: LedgerFormat) => `${jobId}/input.${format === 'ndjson' ? 'ndjson' : 'csv'}`;
export const resultsBlob = (jobId: string) => `${jobId}/results.csv`;
export const rejectedBlob = (jobId: string) => `${jobId}/rejected.csv`;

/** A city and year settled, with the first input line of its claims (the order settleLedger checks floors in). */
export interface SettledYear { city: string; year: string; line: number }

/** Each city and year once, at its first line over all partitions, in line order (as settleLedger meets them). */
export function firstYears(parts: { years?: SettledYear[] }[]): SettledYear[] {
  const first = new Map<string, SettledYear>();
  for (const p of parts) {
    for (const y of p.years ?? []) {
      const key = `${y.city}:${y.year}`;
      const had = first.get(key);
      if (!had || y.line < had.line) first.set(key, y);
    }
  }
  return [...first.values()].sort((a, b) => a.line - b.line);
}

/** A floor the policy in force breaks, as the job's summary lists it. */
export function violationText(v: Violation): string {
  return `${v.city}${v.category ? `/${v.category}` : ''}: ${v.zh} (${v.en})`;
}

/** The job's summary: counts, the eight totals in yuan, the floors broken. */
export interface JobSummary {
  read: number;
  settled: number;
  rejected: number;
  warnings: number;
  totals: Record<string, string>;
  violations: string[];
}

/** A job that answers one text (kind=budget, compare, summary): its blob, by the format asked for. */
export const answerBlob = (jobId: string, answer: 'json' | 'csv') => `${jobId}/results.${answer}`;

/** The last step of such a job: the answer's blob, its format and the x-yibao-* counts of its answer. */
export interface AnswerOutput { results: string; answer: 'json' | 'csv'; counts: Record<string, number> }

/** The x-yibao-* headers of an answer as the job's counts (read, settled or persons, rejected). */
export function countsOf(headers: Record<string, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace(/^x-yibao-/, ''), Number(v)]));
}
