// `npm start`: the Functions app on one machine with no cloud account and no Core Tools.
//  1. Azurite (the official storage emulator, npm `azurite`) on 127.0.0.1, data under .azurite/;
//  2. the app loaded from package.json "main" with `@azure/functions-core` provided by ./core, which
//     captures its real registrations (name, trigger, route, methods, authLevel);
//  3. a node:http server that serves the HTTP registrations under /api with the same routes, methods
//     and auth levels (function keys enforced: a local key is printed at start), and runs a timer
//     function on POST /admin/functions/{name} as the real host's admin API does.
// Durable orchestrations (POST /api/jobs) run on the local Durable runner (./durable*.ts), which plays
// the Durable extension's part in this one process.
// Options (environment): YIBAO_PORT (7071; 0 = any free port), YIBAO_LOCAL_KEY,
// YIBAO_AZURITE=0 (do not start Azurite), YIBAO_AZURITE_BLOB_PORT / _QUEUE_PORT / _TABLE_PORT,
// YIBAO_AZURITE_DIR (its data; default .azurite/ at the repository root, which git ignores).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { installCore, registrations, type Registration } from './core';
import { TITLES } from '../problem';
import { startDurable, PREFIX, type LocalDurable } from './durable-api';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

interface Options { port: number; key: string; azurite: boolean; blobPort: number; queuePort: number; tablePort: number }

function options(): Options {
  const int = (name: string, d: number) => {
    const v = process.env[name];
    if (v === undefined || v === '') return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number`);
    return n;
  };
  return {
    port: int('YIBAO_PORT', 7071),
    key: process.env.YIBAO_LOCAL_KEY || randomBytes(24).toString('base64url'),
    azurite: process.env.YIBAO_AZURITE !== '0',
    blobPort: int('YIBAO_AZURITE_BLOB_PORT', 10000),
    queuePort: int('YIBAO_AZURITE_QUEUE_PORT', 10001),
    tablePort: int('YIBAO_AZURITE_TABLE_PORT', 10002),
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function startAzurite(o: Options): Promise<ChildProcess | undefined> {
  if (await listening(o.blobPort)) {
    console.log(`存储模拟器已在运行 storage emulator already listening on 127.0.0.1:${o.blobPort}: using it`);
    return undefined;
  }
  const bin = path.join(ROOT, 'node_modules', 'azurite', 'dist', 'src', 'azurite.js');
  const location = process.env.YIBAO_AZURITE_DIR || path.join(ROOT, '.azurite');
  fs.mkdirSync(location, { recursive: true });
  const child = spawn(process.execPath, [bin,
    '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--location', location, '--debug', path.join(location, 'debug.log'),
    '--blobHost', '127.0.0.1', '--blobPort', String(o.blobPort),
    '--queueHost', '127.0.0.1', '--queuePort', String(o.queuePort),
    '--tableHost', '127.0.0.1', '--tablePort', String(o.tablePort),
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 30_000;
  while (!(await listening(o.blobPort))) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode}`);
    if (Date.now() > deadline) { child.kill(); throw new Error('Azurite did not start within 30 s'); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return child;
}

function connectionString(o: Options): string {
  if (o.blobPort === 10000 && o.queuePort === 10001 && o.tablePort === 10002) return 'UseDevelopmentStorage=true';
  const ep = (kind: string, port: number) => `${kind}Endpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
  return `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_KEY};${ep('Blob', o.blobPort)}${ep('Queue', o.queuePort)}${ep('Table', o.tablePort)}`;
}

/** A route template ("policies/{city?}") as a matcher of the path after /api/. */
function matcher(route: string): (p: string) => Record<string, string> | null {
  const parts = route.replace(/^\/+|\/+$/g, '').split('/');
  return (p: string) => {
    const segs = p.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '');
    const params: Record<string, string> = {};
    let i = 0;
    for (const part of parts) {
      const m = /^\{([A-Za-z_][\w]*)(?::[^}?]+)?(\?)?\}$/.exec(part);
      if (m) {
        if (i < segs.length) params[m[1]] = decodeURIComponent(segs[i++]);
        else if (!m[2]) return null;
      } else if (segs[i++]?.toLowerCase() !== part.toLowerCase()) return null;
    }
    return i === segs.length ? params : null;
  };
}

function send(res: http.ServerResponse, status: number, zh: string, en: string, code: string) {
  const body = JSON.stringify({ type: 'about:blank', status, title: TITLES[status] ?? `HTTP ${status}`, detail: `${zh} (${en})`, zh, en, code });
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8' });
  res.end(body);
}

function keyOk(req: http.IncomingMessage, url: URL, key: string): boolean {
  const given = (req.headers['x-functions-key'] as string | undefined) ?? url.searchParams.get('code') ?? '';
  const a = Buffer.from(given), b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'expect', 'proxy-connection', 'te', 'trailer']);

function contextFor(reg: Registration) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { InvocationContext } = require('@azure/functions') as typeof import('@azure/functions');
  const extraInputs = Object.entries(reg.bindings).filter(([, b]) => b.direction === 'in' && b !== reg.trigger).map(([name, b]) => ({ ...b, name }));
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName: reg.name,
    options: { trigger: { ...reg.trigger, name: reg.trigger.name ?? 'trigger' } as never, extraInputs: extraInputs as never, extraOutputs: [] },
    logHandler: (level, ...args) => console.log(`[${new Date().toISOString()}] ${reg.name} ${level}: ${args.map(String).join(' ')}`),
  });
}

const needsDurable = (reg: Registration) => Object.values(reg.bindings).some((b) => b.type === 'durableClient' || b.type === 'orchestrationClient');

async function serveHttp(reg: Registration, params: Record<string, string>, req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
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
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    duplex: 'half',
  } as RequestInit);
  const request = new HttpRequest({ nativeRequest, params } as never);
  const out = await reg.handler(request, contextFor(reg));
  const response = out instanceof HttpResponse ? out : new HttpResponse((out ?? {}) as never);
  const h: Record<string, string> = {};
  response.headers.forEach((v, k) => (h[k] = v));
  res.writeHead(response.status, h);
  if (!response.body) { res.end(); return; }
  const body = Readable.fromWeb(response.body as never);
  body.on('error', () => res.destroy()).pipe(res);
  // a client gone before the end: cancel the answer's stream (a worker thread writing it stops)
  res.on('close', () => { if (!res.writableFinished) body.destroy(); });
}

export async function main(): Promise<void> {
  const o = options();
  let azurite: ChildProcess | undefined;
  if (o.azurite) azurite = await startAzurite(o);
  process.env.AzureWebJobsStorage ??= connectionString(o);
  process.env.FUNCTIONS_WORKER_RUNTIME ??= 'node';

  installCore();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main) throw new Error('package.json has no "main": the host cannot find the app');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(ROOT, pkg.main));

  const http_ = registrations.filter((r) => r.trigger.type.toLowerCase() === 'httptrigger').map((r) => ({ reg: r, match: matcher(String(r.trigger.route ?? r.name)) }));
  const timers = registrations.filter((r) => r.trigger.type.toLowerCase() === 'timertrigger');

  let durable: LocalDurable | undefined; // the local Durable runner, once the port is known
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const run = async () => {
      if (durable && url.pathname.startsWith(PREFIX)) return keyOk(req, url, o.key) ? durable.serve(req, res, url) : send(res, 401, '缺少或错误的函数密钥', 'missing or wrong function key', 'key');
      const admin = /^\/admin\/functions\/([^/]+)\/?$/.exec(url.pathname);
      if (admin && req.method === 'POST') {
        if (!keyOk(req, url, o.key)) return send(res, 401, '缺少或错误的函数密钥', 'missing or wrong function key', 'key');
        const t = timers.find((r) => r.name === admin[1]);
        if (!t) return send(res, 404, `没有定时函数 ${admin[1]}`, `no timer function ${admin[1]}`, 'not_found');
        req.resume();
        res.writeHead(202).end();
        const now = new Date().toISOString();
        try {
          await t.handler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: now, next: now, lastUpdated: now } }, contextFor(t));
          console.log(`${t.name}: 完成 done`);
        } catch (e) {
          console.error(`${t.name}: 失败 failed: ${(e as Error).message}`);
        }
        return;
      }
      if (!url.pathname.startsWith('/api/')) return send(res, 404, '未找到', 'not found', 'not_found');
      const rest = url.pathname.slice('/api/'.length);
      const hits = http_.map((h) => ({ ...h, params: h.match(rest) })).filter((h) => h.params);
      if (!hits.length) return send(res, 404, '未找到该路径', 'no function at this path', 'not_found');
      const method = (req.method ?? 'GET').toUpperCase();
      const hit = hits.find((h) => (h.reg.trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()).includes(method));
      if (!hit) return send(res, 405, `不支持 ${method}`, `${method} is not allowed here`, 'method');
      const auth = String(hit.reg.trigger.authLevel ?? 'anonymous').toLowerCase();
      if (auth !== 'anonymous' && !keyOk(req, url, o.key)) return send(res, 401, '缺少或错误的函数密钥（x-functions-key 头或 code 参数）', 'missing or wrong function key (x-functions-key header or code parameter)', 'key');
      if (needsDurable(hit.reg) && !durable) {
        req.resume();
        return send(res, 501, '本地主机不运行 Durable Functions：大批量作业请在装有 Core Tools 的机器上用 npm run start:func，或部署到 Azure', 'the local host does not run Durable Functions: run large jobs under npm run start:func where Core Tools are installed, or on Azure', 'durable');
      }
      await serveHttp(hit.reg, hit.params!, req, res, url);
    };
    run().catch((e) => {
      console.error(`host error: ${(e as Error).name}: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, '本地主机内部错误', 'local host internal error', 'internal');
      else res.destroy();
    });
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  }).catch((e: NodeJS.ErrnoException) => {
    azurite?.kill();
    if (e.code === 'EADDRINUSE') {
      console.error(`端口 ${o.port} 已被占用；请设置 YIBAO_PORT (port ${o.port} is in use: set YIBAO_PORT)`);
      process.exit(1);
    }
    throw e;
  });
  const port = (server.address() as net.AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  durable = await startDurable(registrations, ROOT, base, o.key).catch((e: Error) => void console.error(`Durable 本地运行器未启动 local Durable runner not started: ${e.message}`));

  const stop = () => {
    server.close();
    if (azurite && azurite.exitCode === null) azurite.kill();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const lines: string[] = [];
  lines.push('易保 Functions 本地主机已启动 (yibao Functions local host is running)');
  lines.push(o.azurite ? `  存储模拟器 storage emulator: Azurite, blob 127.0.0.1:${o.blobPort}, 数据 data in ${process.env.YIBAO_AZURITE_DIR || '.azurite/'}` : '  存储模拟器未启动 storage emulator not started (YIBAO_AZURITE=0)');
  lines.push(`  本地函数密钥 local function key: ${o.key}`);
  lines.push('  (authLevel function 的函数须带 x-functions-key 头或 ?code= 参数 — functions with authLevel function need the x-functions-key header or ?code=)');
  lines.push('  函数 functions:');
  for (const { reg } of http_) {
    const methods = (reg.trigger.methods ?? ['GET', 'POST']).join(',');
    const note = needsDurable(reg) ? '  (Durable: 本地运行器 local runner)' : '';
    lines.push(`    ${methods.padEnd(5)} ${base}/api/${String(reg.trigger.route ?? reg.name)}  [${reg.trigger.authLevel ?? 'anonymous'}] ${reg.name}${note}`);
  }
  for (const t of timers) lines.push(`    timer ${t.name} schedule "${t.trigger.schedule}" (UTC) — 立即运行 run now: curl -X POST -H "x-functions-key: ${o.key}" ${base}/admin/functions/${t.name}`);
  const others = registrations.filter((r) => !['httptrigger', 'timertrigger', 'orchestrationtrigger', 'activitytrigger'].includes(r.trigger.type.toLowerCase()));
  if (others.length) lines.push(`    ${others.map((r) => `${r.trigger.type} ${r.name}`).join(', ')} — 需 Functions 主机 (need the Functions host)`);
  const sample = path.relative(process.cwd(), path.join(ROOT, 'samples', 'claims.csv')) || 'samples/claims.csv';
  lines.push('  结算示例台账 settle the sample ledger:');
  lines.push(`curl -sS -X POST -H "x-functions-key: ${o.key}" -H "Content-Type: text/csv" --data-binary @${sample} ${base}/api/settle`);
  console.log(lines.join('\n'));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`本地主机无法启动 the local host could not start: ${(e as Error).message}`);
    process.exit(1);
  });
}
