// How the local host answers one HTTP request: the app's captured HTTP registrations under /api
// (same routes, methods and auth levels as on Azure), timer functions on POST /admin/functions/{name}
// as the real host's admin API, and everything the Functions platform does around a function on
// Azure: function keys, CORS, request ids, problem answers for a client's mistakes (never Node's bare
// 400, never a stack trace), an access line for what the host answers itself, and the stall limits
// (./limits). Requests the app answers are logged by the app (functions/app.ts).
import * as http from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type * as net from 'node:net';
import type { Registration } from './core';
import { problemBody, PROBLEM_TYPE } from '../problem';
import { logLine, fieldsOf, requestIdOf, type Access, type Level } from '../log';
import { corsOrigins, type HostLimits } from '../settings';
import { watchStalls, BodyReads } from './limits';

export interface Route { reg: Registration; route: string; methods: string[]; match: (p: string) => Record<string, string> | null }

/**
 * The local Durable runner, when it runs: the functions that need Durable Functions are served as any
 * other (it gives them their durable client), and it answers the extension's management API under
 * `prefix` (with a function key). Without it those functions answer 501.
 */
export type DurableServe = () => { prefix: string; serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL, reads: BodyReads): Promise<void> } | undefined;

export interface ServeOptions { key: string; routes: Route[]; timers: Registration[]; limits: HostLimits; durable?: DurableServe }

export function log(level: Level, fields: Record<string, unknown>): void {
  (level === 'info' ? process.stdout : process.stderr).write(logLine(level, fields) + '\n');
}

class BadPath extends Error {}

/** A route template ("policies/{city?}") as a matcher of the path after /api/. */
export function matcher(route: string): (p: string) => Record<string, string> | null {
  const parts = route.replace(/^\/+|\/+$/g, '').split('/');
  return (p: string) => {
    const segs = p.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '');
    const params: Record<string, string> = {};
    let i = 0;
    for (const part of parts) {
      const m = /^\{([A-Za-z_][\w]*)(?::[^}?]+)?(\?)?\}$/.exec(part);
      if (m) {
        if (i < segs.length) {
          try { params[m[1]] = decodeURIComponent(segs[i++]); } catch { throw new BadPath(); }
        } else if (!m[2]) return null;
      } else if (segs[i++]?.toLowerCase() !== part.toLowerCase()) return null;
    }
    return i === segs.length ? params : null;
  };
}

export const methodsOf = (reg: Registration) => (reg.trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase());
export const needsDurable = (reg: Registration) => Object.values(reg.bindings).some((b) => b.type === 'durableClient' || b.type === 'orchestrationClient');

function keyOk(req: http.IncomingMessage, url: URL, key: string): boolean {
  const given = (req.headers['x-functions-key'] as string | undefined) ?? url.searchParams.get('code') ?? '';
  const a = Buffer.from(given), b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The allowed origin of a request, or undefined (no Origin, or one not configured). */
function allowedOrigin(req: http.IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (!origin) return undefined;
  const allowed = corsOrigins();
  return allowed.includes('*') || allowed.includes(origin) ? origin : undefined;
}

/** Headers a browser script may read from an answer: the request id and every x-yibao-*. */
function exposed(names: Iterable<string>): string {
  return ['x-request-id', ...[...names].filter((n) => n.toLowerCase().startsWith('x-yibao-'))].join(', ');
}

function contextFor(reg: Registration, requestId: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { InvocationContext } = require('@azure/functions') as typeof import('@azure/functions');
  const extraInputs = Object.entries(reg.bindings).filter(([, b]) => b.direction === 'in' && b !== reg.trigger).map(([name, b]) => ({ ...b, name }));
  return new InvocationContext({
    invocationId: requestId,
    functionName: reg.name,
    options: { trigger: { ...reg.trigger, name: reg.trigger.name ?? 'trigger' } as never, extraInputs: extraInputs as never, extraOutputs: [] },
    logHandler: (level, ...args) => log(level === 'error' || level === 'critical' ? 'error' : level === 'warning' ? 'warn' : 'info', { requestId, function: reg.name, ...fieldsOf(args) }),
  });
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'expect', 'proxy-connection', 'te', 'trailer']);

async function serveHttp(reg: Registration, params: Record<string, string>, req: http.IncomingMessage, reads: BodyReads, res: http.ServerResponse, url: URL, requestId: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HttpRequest, HttpResponse } = require('@azure/functions') as typeof import('@azure/functions');
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (HOP.has(k) || v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const nativeRequest = new Request(url, {
    method,
    headers,
    body: hasBody ? reads.stream() : undefined,
    duplex: 'half',
  } as RequestInit);
  const request = new HttpRequest({ nativeRequest, params } as never);
  const out = await reg.handler(request, contextFor(reg, requestId));
  const response = out instanceof HttpResponse ? out : new HttpResponse((out ?? {}) as never);
  // the host already answered (a stalled body): drop what the function made
  if (res.headersSent || res.destroyed) { await response.body?.cancel().catch(() => undefined); return; }
  const h: Record<string, string> = {};
  response.headers.forEach((v, k) => (h[k] = v));
  if (res.hasHeader('access-control-allow-origin')) h['access-control-expose-headers'] = exposed(Object.keys(h));
  res.writeHead(response.status, h);
  if (!response.body) { res.end(); return; }
  const body = Readable.fromWeb(response.body as never);
  body.on('error', () => res.destroy()).pipe(res);
  // a client gone before the end: cancel the answer's stream (a worker thread writing it stops)
  res.on('close', () => { if (!res.writableFinished) body.destroy(); });
}

/** The node:http request listener of the local host. */
export function listener(o: ServeOptions): http.RequestListener {
  return (req, res) => {
    const t0 = performance.now();
    const requestId = requestIdOf(req.headers['x-request-id']);
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = allowedOrigin(req);
    res.setHeader('x-request-id', requestId);
    if (origin) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', exposed([]));
      res.setHeader('vary', 'Origin');
    }
    const sentBefore = req.socket.bytesWritten;
    let route: string | null = null;
    /** The host's own answers are logged here; the app logs those of its functions. */
    const send = (status: number, zh: string, en: string, code: string, extra: Record<string, string> = {}) => {
      const body = JSON.stringify(problemBody(status, zh, en, code, requestId));
      res.on('close', () => {
        const access: Access = { type: 'access', method, route, status, bytes: req.socket.bytesWritten - sentBefore, ms: Math.round(performance.now() - t0), requestId };
        log(status >= 500 ? 'error' : 'info', access as unknown as Record<string, unknown>);
      });
      if (!req.complete) req.resume(); // the unread body, discarded, so the answer can be read
      res.writeHead(status, { 'content-type': PROBLEM_TYPE, 'cache-control': 'no-store', ...extra });
      res.end(body);
    };
    const reads = new BodyReads(req);
    watchStalls(req, res, reads, o.limits, (kind) => {
      log('warn', { requestId, route, msg: kind === 'body' ? `request body stalled for ${o.limits.bodyIdleMs} ms: dropped` : `client stopped reading the answer for ${o.limits.answerIdleMs} ms: dropped` });
      if (kind === 'body' && !res.headersSent) {
        send(408, `请求体在 ${o.limits.bodyIdleMs} 毫秒内没有收到数据，连接已关闭`, `no part of the request body arrived for ${o.limits.bodyIdleMs} ms: the connection is closed`, 'timeout', { connection: 'close' });
        // Node stops feeding a request whose answer is finished, without an error: the function
        // reading the body (a worker thread waiting for its bytes) must be told, or it waits forever
        res.once('finish', () => req.destroy(Object.assign(new Error('request body stalled'), { code: 'ECONNABORTED' })));
        // the client may never read the answer: close the socket soon whatever happens
        setTimeout(() => req.socket.destroy(), 1000).unref();
      } else req.socket.destroy();
    });

    const run = async () => {
      // the address the client used (the status and results links a function builds from it must
      // reach this host, port included); a Host header that is not a plain host[:port] is not trusted
      const host = req.headers.host;
      const url = new URL(req.url ?? '/', `http://${host && /^[A-Za-z0-9.\-]+(:\d{1,5})?$/.test(host) ? host : `127.0.0.1:${req.socket.localPort}`}`);
      const admin = /^\/admin\/functions\/([^/]+)\/?$/.exec(url.pathname);
      if (admin && method === 'POST') {
        route = 'admin/functions/{name}';
        if (!keyOk(req, url, o.key)) return send(401, '缺少或错误的函数密钥', 'missing or wrong function key', 'key');
        const t = o.timers.find((r) => r.name === admin[1]);
        if (!t) return send(404, `没有定时函数 ${admin[1]}`, `no timer function ${admin[1]}`, 'not_found');
        req.resume();
        res.writeHead(202).end();
        const now = new Date().toISOString();
        try {
          await t.handler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: now, next: now, lastUpdated: now } }, contextFor(t, requestId));
          log('info', { requestId, function: t.name, msg: `${t.name}: 完成 done` });
        } catch (e) {
          log('error', { requestId, function: t.name, msg: `${t.name}: 失败 failed: ${(e as Error).message}` });
        }
        return;
      }
      const durable = o.durable?.();
      if (durable && url.pathname.startsWith(durable.prefix)) {
        route = 'runtime/webhooks/durabletask';
        if (!keyOk(req, url, o.key)) return send(401, '缺少或错误的函数密钥', 'missing or wrong function key', 'key');
        return durable.serve(req, res, url, reads);
      }
      if (!url.pathname.startsWith('/api/')) return send(404, '未找到', 'not found', 'not_found');
      const rest = url.pathname.slice('/api/'.length);
      let hits: (Route & { params: Record<string, string> })[];
      try {
        hits = o.routes.map((h) => ({ ...h, params: h.match(rest)! })).filter((h) => h.params);
      } catch (e) {
        if (e instanceof BadPath) return send(400, '路径中的百分号编码无效', 'malformed percent-encoding in the path', 'path');
        throw e;
      }
      if (!hits.length) return send(404, '未找到该路径', 'no function at this path', 'not_found');
      route = hits[0].route;
      const allow = [...new Set(hits.flatMap((h) => h.methods))];
      if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
        if (!origin) return send(403, `来源 ${req.headers.origin ?? '(无 none)'} 未获准跨域调用（应用设置 YIBAO_CORS_ORIGINS）`, `origin ${req.headers.origin ?? '(none)'} is not allowed (app setting YIBAO_CORS_ORIGINS)`, 'cors');
        res.writeHead(204, {
          'access-control-allow-methods': allow.join(', '),
          'access-control-allow-headers': 'content-type, accept, x-functions-key, x-request-id',
          'access-control-max-age': '600',
        });
        res.on('close', () => log('info', { type: 'access', method, route, status: 204, bytes: req.socket.bytesWritten - sentBefore, ms: Math.round(performance.now() - t0), requestId }));
        return void res.end();
      }
      const hit = hits.find((h) => h.methods.includes(method));
      if (!hit) return send(405, `此路径不支持 ${method}，可用：${allow.join(', ')}`, `${method} is not allowed here; allowed: ${allow.join(', ')}`, 'method', { allow: allow.join(', ') });
      route = hit.route;
      const auth = String(hit.reg.trigger.authLevel ?? 'anonymous').toLowerCase();
      if (auth !== 'anonymous' && !keyOk(req, url, o.key)) return send(401, '缺少或错误的函数密钥（x-functions-key 头或 code 参数）', 'missing or wrong function key (x-functions-key header or code parameter)', 'key');
      if (needsDurable(hit.reg) && !durable) {
        req.resume();
        return send(501, '本地 Durable 运行器未启动（存储模拟器不可用？见主机日志）；也可在装有 Core Tools 的机器上用 npm run start:func，或部署到 Azure', 'the local Durable runner did not start (storage emulator unavailable? see the host log); or use npm run start:func where Core Tools are installed, or Azure', 'durable');
      }
      await serveHttp(hit.reg, hit.params, req, reads, res, url, requestId);
    };
    run().catch((e) => {
      // a request whose client went away is nobody's error; anything else is the host's own
      if (req.destroyed || res.destroyed) return;
      log('error', { requestId, route, msg: `host error: ${(e as Error).name}: ${(e as Error).message}` });
      if (!res.headersSent) send(500, '本地主机内部错误，请联系管理员并提供请求编号 (requestId)', 'local host internal error: contact the administrator with the request id (requestId)', 'internal');
      else res.destroy();
    });
  };
}

/**
 * A request Node cannot parse, or whose headers come too slowly or too large: a problem answer
 * instead of Node's bare "400 Bad Request", and one log line (no stack trace: it is the client's).
 */
export function onClientError(err: NodeJS.ErrnoException, socket: net.Socket): void {
  const pending = (socket as unknown as { _httpMessage?: http.ServerResponse })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) { socket.destroy(); return; }
  const [status, zh, en, code] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, '请求头未在时限内收到', 'the request headers did not arrive in time', 'timeout'] :
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, '请求头过大', 'the request headers are too large', 'headers'] :
    [400, '无法解析的 HTTP 请求（如请求体不完整）', 'malformed HTTP request (e.g. a body cut short)', 'http'];
  // the request id of the request being read, when Node had got as far as its headers
  const given = pending?.getHeader('x-request-id');
  const requestId = typeof given === 'string' ? given : randomUUID();
  const body = JSON.stringify(problemBody(status as number, zh as string, en as string, code as string, requestId));
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status as number]}\r\ncontent-type: ${PROBLEM_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`);
  log('warn', { requestId, msg: `bad request: ${err.code ?? err.name}` });
}
