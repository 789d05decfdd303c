// Small helpers shared by the HTTP handlers: content negotiation, scenarios and groups from the
// query string, streamed answers.
import type { HttpRequest } from '@azure/functions';
// the web stream of node:stream/web, named: the global one is the DOM's when a browser test shares the type checker
import { ReadableStream } from 'node:stream/web';
import { parseScenario, parseGroups, resolveCity, YibaoError, type Book, type Scenario, type GroupKey } from '../engine';
import { HttpProblem } from './problem';

export type Answer = 'csv' | 'ndjson' | 'json';

/**
 * What the client accepts, among `offered` (first = the default for a missing Accept or star type).
 * Matching is by media type; q-values of zero exclude.
 */
export function negotiate(request: HttpRequest, offered: Answer[]): Answer {
  const raw = request.headers.get('accept');
  if (!raw || raw.trim() === '') return offered[0];
  const wants = raw.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type, q: q ? Number(q.slice(2)) : 1 };
  }).filter((w) => w.q > 0).sort((a, b) => b.q - a.q);
  const mediaOf: Record<Answer, string[]> = {
    csv: ['text/csv', 'application/csv', 'text/plain'],
    ndjson: ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'],
    json: ['application/json', 'application/problem+json'],
  };
  for (const w of wants) {
    if (w.type === '*/*') return offered[0];
    if (w.type === 'text/*' && offered.includes('csv')) return 'csv';
    if (w.type === 'application/*') return offered.find((o) => o !== 'csv') ?? offered[0];
    const hit = offered.find((o) => mediaOf[o].includes(w.type));
    if (hit) return hit;
  }
  const names = offered.map((o) => mediaOf[o][0]).join(', ');
  throw new HttpProblem(406, `无法按 Accept 提供结果；可提供：${names}`, `cannot answer in the Accept given; available: ${names}`, 'accept');
}

export const CONTENT_TYPE: Record<Answer, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** Scenarios given as `scenario` query parameters (URL-encoded JSON, as in a scenario file). */
export function scenariosOf(request: HttpRequest, book: Book): Scenario[] {
  return request.query.getAll('scenario').map((text, i) => {
    if (text.trim() === '') throw new HttpProblem(400, 'scenario 参数为空', 'the scenario parameter is empty', 'scenario');
    return parseScenario(book, text, `scenario ${i + 1}`);
  });
}

export function oneScenario(request: HttpRequest, book: Book): Scenario | undefined {
  const all = scenariosOf(request, book);
  if (all.length > 1) throw new HttpProblem(400, '只能给一个 scenario（比较多个情景请用 POST /api/scenarios/compare）', 'give one scenario only (compare several with POST /api/scenarios/compare)', 'scenario');
  return all[0];
}

export function groupsOf(request: HttpRequest): GroupKey[] | undefined {
  const s = request.query.get('summary');
  return s === null ? undefined : parseGroups(s);
}

/** The optional ledger-header options of the command line (--city, --category-column). */
export function headerOptions(request: HttpRequest, book: Book): { city?: string; categoryColumn?: string } {
  const city = request.query.get('city') ?? undefined;
  if (city !== undefined) resolveCity(book, city);
  return { city, categoryColumn: request.query.get('category_column') ?? undefined };
}

/** A lazily pulled stream of text pieces (nothing is produced before the client reads). */
export function textStream(pieces: Iterator<string>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const n = pieces.next();
      if (n.done) controller.close();
      else controller.enqueue(enc.encode(n.value));
    },
  }, { highWaterMark: 1 });
}

/** Join lines into pieces of about `size` characters. */
export function* batched(lines: Iterable<string>, size = 64 * 1024): Generator<string> {
  let piece = '';
  for (const l of lines) {
    piece += l;
    if (piece.length >= size) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

export function requiredInt(request: HttpRequest, name: string, zh: string): number {
  const raw = request.query.get(name);
  if (raw === null || raw.trim() === '') throw new HttpProblem(400, `缺少参数 ${name}（${zh}）`, `missing query parameter ${name}`, 'usage');
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new YibaoError(`参数 ${name} 须为整数`, `query parameter ${name} must be an integer`, 'usage');
  return n;
}
