// Errors as JSON problem details (RFC 9457): status, title and detail in Chinese and English, and
// the request id (the invocation id) a user quotes to the operator. Never a stack trace: unexpected
// errors are logged (without the request's data) and answered with a generic 500; a client's
// mistake (a body cut short included) is logged as one warning line.
import { HttpRequest, HttpResponse, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { YibaoError } from '../engine';

export const TITLES: Record<number, string> = {
  400: '请求无效 Bad Request',
  401: '未授权 Unauthorized',
  404: '未找到 Not Found',
  405: '方法不允许 Method Not Allowed',
  406: '无法提供所要求的格式 Not Acceptable',
  408: '请求超时 Request Timeout',
  409: '冲突 Conflict',
  411: '需要长度 Length Required',
  413: '请求体过大 Payload Too Large',
  415: '不支持的内容类型 Unsupported Media Type',
  431: '请求头过大 Request Header Fields Too Large',
  422: '无法处理的内容 Unprocessable Content',
  500: '服务器内部错误 Internal Server Error',
  501: '尚未实现 Not Implemented',
  503: '服务不可用 Service Unavailable',
};

/** An error that already knows its HTTP status and its two messages. */
export class HttpProblem extends Error {
  constructor(readonly status: number, readonly zh: string, readonly en: string, readonly code = 'invalid') {
    super(`${zh} (${en})`);
    this.name = 'HttpProblem';
  }
}

export interface ProblemBody { type: string; status: number; title: string; detail: string; zh: string; en: string; code: string; requestId?: string }

/** The body of a problem answer (the local host writes its own answers with it too). */
export function problemBody(status: number, zh: string, en: string, code = 'invalid', requestId?: string): ProblemBody {
  const body: ProblemBody = { type: 'about:blank', status, title: TITLES[status] ?? `HTTP ${status}`, detail: `${zh} (${en})`, zh, en, code };
  if (requestId) body.requestId = requestId;
  return body;
}

export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

export function problem(status: number, zh: string, en: string, code = 'invalid', requestId?: string): HttpResponseInit {
  const headers: Record<string, string> = { 'content-type': PROBLEM_TYPE, 'cache-control': 'no-store' };
  if (requestId) headers['x-request-id'] = requestId;
  return { status, headers, jsonBody: problemBody(status, zh, en, code, requestId) };
}

/**
 * Whether an error is the client going away while its body was read (connection reset, a body
 * shorter than its Content-Length): the client's doing, answered 400 and never logged with a stack.
 */
export function clientAborted(e: unknown): boolean {
  for (let x = e, depth = 0; x && typeof x === 'object' && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    const { code, name, message } = x as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && ['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_ABORTED', 'ABORT_ERR'].includes(code)) return true;
    if (name === 'AbortError' || message === 'aborted' || message === 'terminated') return true;
  }
  return false;
}

/** Status of an engine error: a fatal one (nothing could be read) is 422, the others 400. */
function statusOf(e: YibaoError): number {
  return e.code === 'fatal' ? 422 : 400;
}

/**
 * Any thrown value as a problem answer. `body`: whether the request had a body to read (a GET has
 * none: a connection error there is the service's, e.g. its storage, not the client's).
 */
export function toProblem(e: unknown, context?: InvocationContext, body = true): HttpResponseInit {
  const id = context?.invocationId;
  if (e instanceof HttpProblem) return problem(e.status, e.zh, e.en, e.code, id);
  if (e instanceof YibaoError) return problem(statusOf(e), e.zh, e.en, e.code, id);
  if (body && clientAborted(e)) return problem(400, '请求体不完整：客户端在发送完之前中断了连接', 'the request body was cut short: the client stopped before sending all of it', 'aborted', id);
  // Unexpected: log what the operator needs (no request data), answer without any detail of it.
  context?.error(`unexpected error: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)}`);
  return problem(500, '服务器内部错误，请联系管理员并提供请求编号 (requestId)', 'internal error: contact the administrator with the request id (requestId)', 'internal', id);
}

/**
 * Wrap a handler so that every error becomes a problem answer, and every answer carries the request
 * id (`x-request-id`: the invocation id).
 */
export function guarded<A extends unknown[]>(fn: (...args: A) => Promise<HttpResponse>): (...args: A) => Promise<HttpResponse> {
  return async (...args: A) => {
    const ctx = args.find((a): a is InvocationContext => !!a && typeof (a as InvocationContext).invocationId === 'string' && typeof (a as InvocationContext).error === 'function');
    try {
      const res = await fn(...args);
      if (ctx) res.headers.set('x-request-id', ctx.invocationId);
      return res;
    } catch (e) {
      const method = (args.find((a): a is HttpRequest => a instanceof HttpRequest))?.method.toUpperCase();
      const res = toProblem(e, ctx, method !== 'GET' && method !== 'HEAD' && method !== 'DELETE');
      if (ctx && e instanceof Error && res.status !== 500) ctx.warn(`answered ${res.status}: ${(e as HttpProblem).code ?? e.name}`);
      return new HttpResponse(res);
    }
  };
}
