// Errors as JSON problem details (RFC 9457): status, title and detail in Chinese and English.
// Never a stack trace: unexpected errors are logged (without the request's data) and answered with
// a generic 500.
import { HttpResponse, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { YibaoError } from '../engine';

export const TITLES: Record<number, string> = {
  400: '请求无效 Bad Request',
  401: '未授权 Unauthorized',
  404: '未找到 Not Found',
  405: '方法不允许 Method Not Allowed',
  406: '无法提供所要求的格式 Not Acceptable',
  409: '冲突 Conflict',
  411: '需要长度 Length Required',
  413: '请求体过大 Payload Too Large',
  415: '不支持的内容类型 Unsupported Media Type',
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

export interface ProblemBody { type: string; status: number; title: string; detail: string; zh: string; en: string; code: string }

export function problem(status: number, zh: string, en: string, code = 'invalid'): HttpResponseInit {
  const body: ProblemBody = { type: 'about:blank', status, title: TITLES[status] ?? `HTTP ${status}`, detail: `${zh} (${en})`, zh, en, code };
  return { status, headers: { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store' }, jsonBody: body };
}

/** Status of an engine error: a fatal one (nothing could be read) is 422, the others 400. */
function statusOf(e: YibaoError): number {
  return e.code === 'fatal' ? 422 : 400;
}

/** Any thrown value as a problem answer. */
export function toProblem(e: unknown, context?: InvocationContext): HttpResponseInit {
  if (e instanceof HttpProblem) return problem(e.status, e.zh, e.en, e.code);
  if (e instanceof YibaoError) return problem(statusOf(e), e.zh, e.en, e.code);
  // Unexpected: log what the operator needs (no request data), answer without any detail of it.
  context?.error(`unexpected error: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)}`);
  return problem(500, '服务器内部错误，请联系管理员并提供调用编号', 'internal error: contact the administrator with the invocation id', 'internal');
}

/** Wrap a handler so that every error becomes a problem answer. */
export function guarded<A extends unknown[]>(fn: (...args: A) => Promise<HttpResponse>): (...args: A) => Promise<HttpResponse> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      const ctx = args.find((a): a is InvocationContext => !!a && typeof (a as InvocationContext).invocationId === 'string' && typeof (a as InvocationContext).error === 'function');
      const res = toProblem(e, ctx);
      if (ctx && e instanceof Error && res.status !== 500) ctx.warn(`answered ${res.status}: ${(e as HttpProblem).code ?? e.name}`);
      return new HttpResponse(res);
    }
  };
}
