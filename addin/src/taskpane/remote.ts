// A selected range through the Functions app: POST {endpoint}/api/settle with the range as CSV,
// the function key in x-functions-key, and the answer (CSV, NDJSON or JSON) as rows for a new sheet.
import { readCsv } from '../../../engine';
import { cellText, isEmpty } from '../args';
import { rawCsvLine } from '../ledger';

/** The range (header row first) as the CSV body the endpoint reads; blank rows are left out. */
export function rangeToCsv(values: unknown[][]): string {
  if (values.length < 2) throw new Error('所选区域须含表头和至少一行费用 (the selection needs a header row and at least one claim)');
  const cols = values[0].map((c) => String(c ?? '').trim().toLowerCase());
  const lines = [rawCsvLine(values[0].map((c) => (isEmpty(c) ? '' : String(c))))];
  for (const row of values.slice(1)) {
    if (row.every(isEmpty)) continue;
    lines.push(rawCsvLine(row.map((c, j) => cellText(c, cols[j] ?? ''))));
  }
  return lines.join('');
}

export function settleUrl(endpoint: string): string {
  const base = endpoint.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(base)) throw new Error(`端点须以 https:// 开头：“${endpoint}” (the endpoint must start with https://)`);
  return `${base}/api/settle`;
}

/** Columns that hold money: written to the sheet as numbers. */
const MONEY = /^(basic|critical|assistance|reassist|oop_compliant|oop_total|total|compliant|basic_paid)$|_(pay|amt|sumfee)$/;

/** The endpoint's answer as rows for a sheet (header first). */
export function responseRows(contentType: string, body: string): (string | number | boolean)[][] {
  const type = contentType.toLowerCase();
  let rows: string[][];
  if (type.includes('ndjson') || type.includes('jsonl')) {
    rows = objectsToRows(body.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)));
  } else if (type.includes('json')) {
    const data = JSON.parse(body);
    const list = Array.isArray(data) ? data : Array.isArray(data?.results) ? data.results : [data];
    rows = objectsToRows(list);
  } else {
    rows = [...readCsv(body.replace(/^\ufeff/, ''))].map((r) => r.cells);
  }
  if (rows.length === 0) return [];
  const header = rows[0];
  const money = header.map((h) => MONEY.test(h.trim().toLowerCase()));
  return [header, ...rows.slice(1).map((r) => r.map((c, j) => (money[j] && /^-?\d+(\.\d+)?$/.test(c) ? Number(c) : c)))];
}

function objectsToRows(list: unknown[]): string[][] {
  const cols: string[] = [];
  for (const o of list) if (o && typeof o === 'object') for (const k of Object.keys(o)) if (!cols.includes(k)) cols.push(k);
  return [cols, ...list.map((o) => cols.map((c) => {
    const v = (o as Record<string, unknown>)?.[c];
    return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }))];
}

/** An error answer (problem details: title, detail in Chinese and English) as one line. */
export function problemText(status: number, contentType: string, body: string): string {
  if (contentType.includes('json')) {
    try {
      const p = JSON.parse(body);
      const parts = [p.title, p.detail, p.detail_en ?? p.detailEn].filter((x) => typeof x === 'string' && x);
      if (parts.length) return `HTTP ${status}: ${parts.join(' — ')}`;
    } catch {
      /* not JSON after all: show the text */
    }
  }
  return `HTTP ${status}: ${body.slice(0, 300)}`;
}

export async function settleRemote(endpoint: string, key: string, values: unknown[][], fetchImpl: typeof fetch = fetch): Promise<(string | number | boolean)[][]> {
  const url = settleUrl(endpoint);
  const headers: Record<string, string> = { 'Content-Type': 'text/csv; charset=utf-8', Accept: 'text/csv' };
  if (key.trim()) headers['x-functions-key'] = key.trim();
  let res: Response;
  try {
    res = await fetchImpl(url, { method: 'POST', headers, body: rangeToCsv(values) });
  } catch (e) {
    throw new Error(`无法连接 ${url}：${(e as Error).message} (cannot reach the endpoint)`);
  }
  const type = res.headers.get('content-type') ?? '';
  const body = await res.text();
  if (!res.ok) throw new Error(problemText(res.status, type, body));
  return responseRows(type, body);
}
