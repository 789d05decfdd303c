// functions/problem.ts: every answer of a guarded handler carries the request id (x-request-id, and
// requestId in a problem); a body cut short is the client's mistake (400, one warning, no stack);
// an unexpected error is a 500 whose stack goes to the log only.
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import { guarded, HttpProblem } from '../../functions/problem';
import { context, request } from './helpers';

const req = () => request({ path: '/api/x', body: 'a' });
/** A handler of the Functions shape that does `fn`. */
const handler = (fn: () => Promise<HttpResponse>) => guarded(async (_r: HttpRequest, _c: InvocationContext) => fn());

test('an answer and a problem both carry the request id', async () => {
  const ok = await handler(async () => new HttpResponse({ status: 200, body: 'fine' }))(req(), context());
  expect(ok.headers.get('x-request-id')).toBe('test-invocation');
  const bad = await handler(async () => { throw new HttpProblem(404, '没有', 'none', 'not_found'); })(req(), context());
  expect(bad.status).toBe(404);
  expect(bad.headers.get('x-request-id')).toBe('test-invocation');
  expect(((await bad.json()) as { requestId: string }).requestId).toBe('test-invocation');
});

test('a body cut short: 400 aborted, one warning without a stack', async () => {
  const ctx = context();
  const cut = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
  const res = await handler(async () => { throw new TypeError('terminated', { cause: cut }); })(req(), ctx);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { code: string }).code).toBe('aborted');
  expect(ctx.logs).toEqual(['warning: answered 400: TypeError']);
});

test('the same connection error on a GET (no body to cut short: storage, say) is the service\'s: 500, logged', async () => {
  const ctx = context();
  const reset = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
  const res = await handler(async () => { throw new TypeError('terminated', { cause: reset }); })(request({ method: 'GET', path: '/api/jobs/x' }), ctx);
  expect(res.status).toBe(500);
  expect(((await res.json()) as { code: string }).code).toBe('internal');
  expect(ctx.logs[0]).toMatch(/^error: unexpected error: TypeError: terminated/);
});

test('an unexpected error: 500 without detail, its stack in the log', async () => {
  const ctx = context();
  const res = await handler(async () => { throw new RangeError('index 7 out of range'); })(req(), ctx);
  expect(res.status).toBe(500);
  const body = (await res.json()) as { en: string; requestId: string };
  expect(body.en).not.toContain('index 7');
  expect(body.requestId).toBe('test-invocation');
  expect(ctx.logs).toHaveLength(1);
  expect(ctx.logs[0]).toMatch(/^error: unexpected error: RangeError: index 7 out of range\n[\s\S]*\n\s+at /);
});
