// A claims range settled on the engine's columnar ledger (BulkLedger), the one every other surface
// settles on: the range's records become CSV bytes, the ledger reads and settles them, and its results
// CSV (what `yibao settle` writes) comes back as cells, one answer per record in input order.
//
// A range under the national platform's column names is settled there too, answered under the spec's
// columns (its setl_id as claim_id). A range the columnar ledger does not take (an id longer than its
// key limit …: it throws BulkUnsupported) is settled by settleLedger instead; resultCells gives the
// same cells, so callers see one shape whichever path ran.
import {
  defaultBook, tableLedgerRows, settleLedger, summarize, resultCells, readCsv, YibaoError, BulkLedger, BulkUnsupported, NHSA_INPUT_FIELDS, normalizeName,
  type Scenario, type GroupKey, type LedgerGroups, type LedgerRow, type Rejection,
} from '../../engine';

/**
 * The platform's fields under their Chinese labels (结算ID, 人员编号, 结算时间 … as the platform's
 * interface specification and its exports in Excel name them) → the platform's field names, which the
 * engine reads. Every other header cell stays as typed (the engine already takes 类别 and 城市).
 */
const PLATFORM_LABELS = new Map(NHSA_INPUT_FIELDS.map((f) => [normalizeName(f.zh).toLowerCase(), f.nhsa]));

/** A range's header row as the engine reads it: empty cells as '', Chinese platform labels by field name. */
export function rangeHeader(row: unknown[]): string[] {
  return row.map((c) => {
    const text = c === null || c === undefined ? '' : String(c);
    return PLATFORM_LABELS.get(normalizeName(text).toLowerCase()) ?? text;
  });
}

/** One record of a range: its row number in the range (the header is row 1) and its cells as CSV text. */
export interface RangeRecord { line: number; cells: string[] }

/** A settled record: the results CSV's cells (claim_id, six amounts, warning "1"/"0"/"", notes); or why it was rejected. */
export type RecordAnswer = { cells: string[]; rejection?: undefined } | { cells?: undefined; rejection: Rejection };

export interface RangeRun {
  /** One per record, in the records' order. */
  answers: RecordAnswer[];
  read: number;
  rejected: number;
  /** Totals by the groups asked for (as summarize gives them). */
  groups?: LedgerGroups;
}

export interface RangeOptions { scenario?: Scenario; groups?: GroupKey[] }

/**
 * A cell as CSV that reads back as exactly the same text. Not the engine's csvCell, which guards a
 * results file against formulas by writing '=x for =x: an input cell must reach the ledger as typed.
 * A leading BOM is quoted too, or the reader would take it for the file's.
 */
export function rawCsvCell(v: string): string {
  return /[",\r\n]/.test(v) || v.charCodeAt(0) === 0xfeff ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Cells as a CSV record that reads back as exactly these cells. */
export function rawCsvLine(cells: string[]): string {
  return cells.map(rawCsvCell).join(',') + '\n';
}

/** Settle the records under the header (header errors are the engine's, thrown as YibaoError). */
export function settleRange(header: string[], records: RangeRecord[], opts: RangeOptions = {}): RangeRun {
  // The engine's errors for a header it cannot use (also an empty one, which as CSV would be a blank line).
  const { convention, columns } = tableLedgerRows(header, []);
  try {
    return settleColumnar(header, records, opts, columns.lastIndexOf(convention === 'nhsa' ? 'setl_id' : 'claim_id'));
  } catch (e) {
    if (!(e instanceof BulkUnsupported)) throw e;
  }
  return settleDecimal(header, records, opts);
}

function settleColumnar(header: string[], records: RangeRecord[], opts: RangeOptions, idColumn: number): RangeRun {
  const lines = [rawCsvLine(header)];
  // The CSV line each record starts on (line breaks inside quoted cells count), to find its rejection.
  const csvLineOf = new Array<number>(records.length);
  let line = 1 + lfCount(lines[0]);
  records.forEach((r, k) => {
    const text = rawCsvLine(r.cells);
    csvLineOf[k] = line;
    line += lfCount(text);
    lines.push(text);
  });
  const ledger = new BulkLedger(defaultBook(), { scenario: opts.scenario, groups: opts.groups, rowsHint: records.length, format: 'spec' });
  ledger.push(new TextEncoder().encode(lines.join('')));
  ledger.end();
  const outcome = ledger.outcome();
  const pieces: Uint8Array[] = [];
  ledger.writeResults((bytes) => pieces.push(bytes.slice())); // each piece is only valid during the call
  const results = readCsv(new TextDecoder().decode(concat(pieces)));
  results.next(); // the header
  const rejectedAt = new Map(outcome.rejections.map((r) => [r.line, r]));
  const answers = records.map((r, k): RecordAnswer => {
    const rejection = rejectedAt.get(csvLineOf[k]);
    if (rejection) return { rejection: { ...rejection, line: r.line } };
    const next = results.next();
    if (next.done) throw mismatch();
    // The id as the engine read it: the results file writes '=x for an id =x, a guard for spreadsheets.
    const id = r.cells[idColumn].trim();
    const written = next.value.cells[0];
    if (written !== id && written !== `'${id}`) throw mismatch();
    return { cells: [id, ...next.value.cells.slice(1)] };
  });
  if (!results.next().done) throw mismatch();
  const s = outcome.summary;
  return { answers, read: s.read, rejected: s.rejected, groups: opts.groups ? ledger.groupSummary() : undefined };
}

/** The per-claim decimal path, for what the columnar ledger does not take. */
function settleDecimal(header: string[], records: RangeRecord[], opts: RangeOptions): RangeRun {
  const { rows } = tableLedgerRows(header, records);
  const outcome = settleLedger(defaultBook(), rows as Iterable<LedgerRow>, { scenario: opts.scenario });
  const rejectedAt = new Map(outcome.rejections.map((r) => [r.line, r]));
  let next = 0;
  const answers = records.map((r): RecordAnswer => {
    const rejection = rejectedAt.get(r.line);
    if (rejection) return { rejection };
    const result = outcome.results[next++];
    return { cells: resultCells(result, outcome.claimFindings.get(result.claim_id)) };
  });
  if (next !== outcome.results.length) throw mismatch();
  const s = outcome.summary;
  return { answers, read: s.read, rejected: s.rejected, groups: opts.groups ? summarize(outcome, opts.groups) : undefined };
}

function mismatch(): YibaoError {
  return new YibaoError('内部错误：结算结果与输入行数不符', 'internal error: results do not match the input rows', 'internal');
}

function lfCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
