// The whole medical-assistance fund (issue 14): last year's claims ledger re-settled under a target
// year's rules and scenario, beside the enrolment subsidies. The ledger is moved to the target year
// (each claim's date to the same day of that year; 29 February to the 28th where the year has none)
// and its amounts (total, compliant, basic_paid) scaled by the scenario's growth.claims factor
// (the product of 1 + rate over the years after the first, each amount rounded to the fen, half up);
// then settled by the engine's run (engine/run runLedger: the bulk path `yibao settle` takes), with
// totals per city and county. A cell that is not a valid date or amount is left as it is, so the
// ledger rejects the row as it would have.
import type DecimalBase from 'decimal.js';
import { YibaoError } from '../errors';
import { Decimal, round2 } from '../money';
import { csvLine, readCsvStream } from '../csv';
import { normalizeName } from '../catalog';
import { isIsoDate, type Book } from '../policy/load';
import { runLedger, type ChunkSource, type RunRequest } from '../run';
import type { Scenario } from '../scenario';
import type { Totals } from '../ledger';
import { BulkUnsupported } from '../ledger/unsupported';

/** The growth.claims factor of a year: the product of (1 + rate) over the years after the first up to it. */
export function claimsFactor(s: Scenario | undefined, from: number, year: number): DecimalBase {
  let f = new Decimal(1);
  for (let y = from + 1; y <= year; y++) f = f.times(s?.growth?.claims.get(y)?.plus(1) ?? 1);
  return f;
}

const AMOUNT = /^\d+(\.\d*)?$|^\.\d+$/;
const SCALED = ['total', 'compliant', 'basic_paid'];

/** A date moved to a year: same month and day (29 February to the 28th in a common year). */
export function moveDate(date: string, year: number): string {
  const md = date.slice(5);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return `${year}-${md === '02-29' && !leap ? '02-28' : md}`;
}

/** The ledger's text, each claim moved to the year and its amounts scaled (CSV text chunks). */
export async function* movedLedger(source: ChunkSource, year: number, factor: DecimalBase): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  let dateIx = -1;
  let scaled: number[] = [];
  let first = true;
  let batch = '';
  for await (const rec of readCsvStream(source())) {
    if (first) {
      first = false;
      const cols = rec.cells.map((c) => normalizeName(c).toLowerCase());
      dateIx = cols.indexOf('date');
      scaled = SCALED.map((c) => cols.indexOf(c)).filter((i) => i >= 0);
      batch += csvLine(rec.cells);
      continue;
    }
    const cells = rec.cells.slice();
    const d = cells[dateIx]?.trim();
    if (d !== undefined && isIsoDate(d)) cells[dateIx] = moveDate(d, year);
    if (!factor.eq(1)) {
      for (const i of scaled) {
        const v = cells[i]?.trim();
        if (v !== undefined && AMOUNT.test(v)) cells[i] = round2(new Decimal(v).times(factor)).toFixed(2);
      }
    }
    batch += csvLine(cells);
    if (batch.length > 1 << 16) { yield enc.encode(batch); batch = ''; }
  }
  if (batch) yield enc.encode(batch);
}

export interface FundRow { city: string; county: string; claims: number; assistance: DecimalBase; reassist: DecimalBase }
export interface FundRun { read: number; settled: number; rejected: number; rows: FundRow[]; assistance: DecimalBase; reassist: DecimalBase; factor: DecimalBase }

/** The moved ledger settled under a scenario by the engine's run, with its totals per city and county. */
export async function fundRun(book: Book, source: ChunkSource, year: number, factor: DecimalBase, scenario: Scenario | undefined, run: Pick<RunRequest, 'storage' | 'limits' | 'bytes'> = {}): Promise<FundRun> {
  let r;
  try {
    r = await runLedger(book, { ...run, source: () => movedLedger(source, year, factor), scenario, groups: ['city', 'county'] });
  } catch (e) {
    if (!(e instanceof BulkUnsupported)) throw e;
    throw new YibaoError(`该台账无法按年度重新结算（${e.message}）：请先用 yibao settle 转为规范列名`, `this ledger cannot be re-settled for a year (${e.message}): convert it to the spec's column names with yibao settle first`, 'fatal');
  }
  const s = r.main.outcome.summary;
  const g = r.main.groups!;
  const t: Totals = s.totals;
  return {
    read: s.read, settled: s.settled, rejected: s.rejected, factor,
    rows: g.rows.map((x) => ({ city: x.key.city ?? '', county: x.key.county ?? '', claims: x.claims, assistance: x.totals.assistance, reassist: x.totals.reassist })),
    assistance: t.assistance, reassist: t.reassist,
  };
}
