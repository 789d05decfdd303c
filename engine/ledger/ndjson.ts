// NDJSON claims (one JSON object per line, the spec's column names; values text or numbers) as
// records of the columnar ledger: each object becomes a CSV record under the spec's columns, read
// by the same intake as a CSV file's, with the NDJSON line's number; a line that is not such an
// object is a rejected row. ndjsonRow is the one reading of a line, for the row path too.
import { YibaoError } from '../errors';
import { normalizeName } from '../catalog';
import { parseJsonData } from '../scenario';
import type { LedgerRow } from '../claims';
import { specHeader, specRecord } from './records';
import type { BulkLedger } from './bulk';

/**
 * One NDJSON line: its fields keyed by normalized name, or why it cannot be read (keys that could
 * reach a prototype are refused: parseJsonData). Null for a blank line (not a row).
 */
export function ndjsonRow(text: string, line: number): LedgerRow | null {
  if (text.trim() === '') return null;
  let data: unknown;
  try {
    data = parseJsonData(text, { zh: `第 ${line} 行`, en: `line ${line}` });
  } catch (e) {
    if (!(e instanceof YibaoError)) throw e;
    return { line, error: new YibaoError('该行不是有效的 JSON（或含有不允许的键）', 'the line is not valid JSON (or has a forbidden key)', 'json') };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { line, error: new YibaoError('该行须为 JSON 对象 {"claim_id": …}', 'the line must be a JSON object {"claim_id": …}', 'json') };
  }
  const fields: Record<string, string> = Object.create(null);
  let bad: string | undefined;
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const key = normalizeName(k).toLowerCase();
    if (v === null || v === undefined) fields[key] = '';
    else if (typeof v === 'string') fields[key] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) fields[key] = String(v);
    else bad ??= key;
  }
  if (bad !== undefined) {
    const claim = fields.claim_id;
    return { line, fields: claim !== undefined ? { claim_id: claim } : undefined, error: new YibaoError(`字段 ${bad.slice(0, 40)} 须为文本或数字`, `field ${bad.slice(0, 40)} must be text or a number`, 'json') };
  }
  return { line, fields };
}

/**
 * Feed NDJSON lines (their text without the line break, and their number) to a BulkLedger, in order.
 * A field absent from an object is an empty cell: validateClaim reads both alike. The header goes in
 * before the first row, so that a body without one ends as an empty ledger.
 */
export class NdjsonFeed {
  private started = false;
  constructor(private readonly ledger: BulkLedger) {}

  line(text: string, line: number): void {
    const row = ndjsonRow(text, line);
    if (row === null) return;
    if (!this.started) {
      this.started = true;
      this.ledger.push(specHeader(false));
    }
    if (row.error) this.ledger.reject(line, row.fields?.claim_id?.trim() || undefined, row.error);
    else this.ledger.pushRecord(specRecord(row.fields!), line);
  }
}
