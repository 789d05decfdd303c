// Structured logs: one JSON object a line, so an operator can filter by request id or status with
// any log tool. What is logged is chosen here, once: route templates (never the path a client sent,
// which may hold a person's id number), never a body, never a function key.
import { randomUUID } from 'node:crypto';
// the web stream of node:stream/web, named: the global one is the DOM's when a browser test shares the type checker
import { ReadableStream } from 'node:stream/web';
import { HttpResponse, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

export type Level = 'info' | 'warn' | 'error';

/** One access line: what an operator needs to see traffic, and nothing of the request's data. */
export interface Access {
  type: 'access';
  method: string;
  /** The registered route template ("policies/{city?}"), or null for a path no function serves. */
  route: string | null;
  status: number;
  bytes: number;
  ms: number;
  requestId: string;
  /** The client went away before the whole answer was written. */
  aborted?: boolean;
}

/** A log line as text: time first, then level, then the fields given. */
export function logLine(level: Level, fields: Record<string, unknown>): string {
  return JSON.stringify({ time: new Date().toISOString(), level, ...fields });
}

/**
 * A message logged through the Functions context: a JSON object stays an object (the local host
 * merges it into its line), anything else becomes `msg`.
 */
export function fieldsOf(args: unknown[]): Record<string, unknown> {
  if (args.length === 1 && typeof args[0] === 'string' && args[0].startsWith('{')) {
    try {
      const o = JSON.parse(args[0]) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o)) return o as Record<string, unknown>;
    } catch { /* plain text that starts with a brace */ }
  }
  return { msg: args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' ') };
}

/**
 * The request id of an incoming request: the client's own `x-request-id` when it is sane (1 to 128
 * characters of letters, digits and . _ : -), so a caller can follow its call through the logs;
 * otherwise a new UUID.
 */
export function requestIdOf(given: string | string[] | null | undefined): string {
  const v = Array.isArray(given) ? given[0] : given;
  return v && /^[A-Za-z0-9._:-]{1,128}$/.test(v) ? v : randomUUID();
}

/**
 * A handler that logs one access line when its answer has been written (or the client went away):
 * bytes of the body as sent, milliseconds to the last byte. Pass-through: the answer's stream is
 * pulled only as the client reads, and a client's cancel reaches the handler's stream.
 */
export function accessLogged(route: string, handler: HttpHandler): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext) => {
    const t0 = performance.now();
    const out = await handler(request, context);
    const response = out instanceof HttpResponse ? out : new HttpResponse((out ?? {}) as HttpResponseInit);
    const line = (bytes: number, aborted: boolean) => {
      const access: Access = { type: 'access', method: request.method, route, status: response.status, bytes, ms: Math.round(performance.now() - t0), requestId: context.invocationId };
      if (aborted) access.aborted = true;
      (response.status >= 500 ? context.error : context.log).call(context, JSON.stringify(access));
    };
    const body = response.body as ReadableStream<Uint8Array> | null;
    if (!body) { line(0, false); return response; }
    const reader = body.getReader();
    let bytes = 0;
    const counted = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) { line(bytes, false); controller.close(); return; }
        bytes += value.byteLength;
        controller.enqueue(value);
      },
      async cancel(reason) {
        line(bytes, true);
        await reader.cancel(reason);
      },
    }, { highWaterMark: 0 });
    return new HttpResponse({ status: response.status, headers: response.headers, body: counted });
  };
}
