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

/** Hosts a browser lets an https page call over plain http (the local host of `npm start`). */
const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/i;

/**
 * The settle URL of an endpoint. The pane is served over https, and a browser blocks its requests
 * to plain http (mixed content) with nothing but "Failed to fetch": refused here with the reason,
 * except for this computer's own local host.
 */
export function settleUrl(endpoint: string, origin = ''): string {
  const base = endpoint.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(base)) throw new Error(`端点须以 https:// 开头：“${endpoint}” (the endpoint must start with https://)`);
  if (/^https:/i.test(origin) && /^http:/i.test(base) && !LOOPBACK.test(base)) {
    throw new Error(`端点须为 https://：本加载项通过 https 加载，浏览器会拦截发往 http 地址的请求（${base}）(the endpoint must be https: the browser blocks requests from this https page to plain http)`);
  }
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

/** What the server said in problem details (RFC 9457: title, detail), as one line; undefined if it did not. */
function problemSaid(contentType: string, body: string): string | undefined {
  if (!contentType.includes('json')) return undefined;
  try {
    const p = JSON.parse(body);
    const parts = [p.title, p.detail, p.detail_en ?? p.detailEn].filter((x) => typeof x === 'string' && x);
    return parts.length ? parts.join(' — ') : undefined;
  } catch {
    return undefined; // not JSON after all: the text is shown
  }
}

/** What a status means for an officer running a selection, and what to do about it. */
function statusHint(status: number, url: string): string | undefined {
  if (status === 401 || status === 403) return '函数密钥缺失或无效：请在“函数密钥”中填写服务的密钥（管理员可在 Azure 门户的函数应用 → 应用密钥中查到）(the function key is missing or wrong: enter the service\'s key)';
  if (status === 404) return `地址 ${url} 不存在：端点应为函数应用的根地址，如 https://<应用名>.azurewebsites.net (no such address: the endpoint is the function app's root URL)`;
  if (status === 413) return '所选区域超过服务允许的请求大小（应用设置 YIBAO_MAX_BODY_BYTES）：请分批选择运行，更大的台账请用批量作业 POST /api/jobs 或命令行 (the selection is larger than the service accepts: run it in parts, or as a job)';
  if (status === 429) return '请求过于频繁，请稍后再试 (too many requests: try again later)';
  if (status >= 500) return '服务出错或暂时不可用，请稍后重试；仍然出错请联系管理员 (the service failed or is unavailable: try again later, then ask the administrator)';
  return undefined;
}

/** An error answer as one line: the status, what it means (where known), and what the server said. */
export function problemText(status: number, contentType: string, body: string, url = ''): string {
  const said = problemSaid(contentType, body);
  const hint = statusHint(status, url);
  const text = said ?? body.trim().slice(0, 300);
  if (!hint) return `HTTP ${status}: ${text}`;
  return text ? `HTTP ${status}: ${hint}\n服务的应答 the service said: ${text}` : `HTTP ${status}: ${hint}`;
}

/**
 * The request failed before any answer (fetch rejected). A browser does not say why: a service that
 * does not allow this page's origin (CORS), a wrong address, a service that is down and a network
 * that blocks it all look alike, so each is named with what to do.
 */
export function unreachableText(url: string, origin: string, cause: string): string {
  const from = origin || '本加载项的地址';
  const fromEn = origin || "the add-in's address";
  return (
    `无法连接 ${url}（${cause}）。请检查：① 服务须允许本加载项的来源 ${from} 跨域访问：请管理员把 ${from} 加入服务的应用设置 YIBAO_CORS_ORIGINS；② 端点地址是否正确、服务是否在运行；③ 网络或代理是否拦截。` +
    ` (cannot reach the endpoint: the service must list ${fromEn} in its YIBAO_CORS_ORIGINS setting (CORS); or the address is wrong or the service is down; or the network blocks it)`
  );
}

export async function settleRemote(endpoint: string, key: string, values: unknown[][], fetchImpl: typeof fetch = fetch, origin: string = (globalThis as { location?: { origin?: string } }).location?.origin ?? ''): Promise<(string | number | boolean)[][]> {
  const url = settleUrl(endpoint, origin);
  const headers: Record<string, string> = { 'Content-Type': 'text/csv; charset=utf-8', Accept: 'text/csv' };
  if (key.trim()) headers['x-functions-key'] = key.trim();
  let res: Response;
  try {
    res = await fetchImpl(url, { method: 'POST', headers, body: rangeToCsv(values) });
  } catch (e) {
    throw new Error(unreachableText(url, origin, (e as Error).message));
  }
  const type = res.headers.get('content-type') ?? '';
  const body = await res.text();
  if (!res.ok) throw new Error(problemText(res.status, type, body, url));
  if (type.toLowerCase().includes('text/html')) {
    // a sign-in page, a proxy's notice or a web site at that address: never rows for a sheet
    throw new Error(`服务的应答是网页而不是测算结果：可能需要登录，或端点地址有误（${url}）(the answer is a web page, not results: a sign-in page or a wrong address)`);
  }
  try {
    return responseRows(type, body);
  } catch (e) {
    throw new Error(`服务的应答无法读取（${(e as Error).message}）：端点是否为 YIBAO 服务？ (the answer could not be read: is this the YIBAO service?)`);
  }
}
