// `npm start`: the Functions app on one machine with no cloud account and no Core Tools.
//  1. Azurite (the official storage emulator, npm `azurite`) on 127.0.0.1, data under .azurite/,
//     started, recorded and stopped by ./azurite (one this host did not start is used, never stopped);
//  2. the app loaded from package.json "main" with `@azure/functions-core` provided by ./core, which
//     captures its real registrations (name, trigger, route, methods, authLevel);
//  3. a node:http server (./serve) that serves the HTTP registrations under /api with the same
//     routes, methods and auth levels (function keys enforced: a local key is printed at start), CORS,
//     request ids and stall limits, and runs a timer function on POST /admin/functions/{name} as the
//     real host's admin API does.
// Durable orchestrations (POST /api/jobs, the monthly run) run on the local Durable runner
// (./durable*.ts), which plays the Durable extension's part in this one process. Options (environment): YIBAO_PORT (7071; 0 = any free port), YIBAO_LOCAL_KEY,
// YIBAO_AZURITE=0 (do not start Azurite), YIBAO_AZURITE_BLOB_PORT / _QUEUE_PORT / _TABLE_PORT,
// YIBAO_AZURITE_DIR (its data; default .azurite/ at the repository root, which git ignores), and the
// limits of functions/settings.ts hostLimits.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { installCore, registrations } from './core';
import { startAzurite, type Azurite } from './azurite';
import { listener, onClientError, matcher, methodsOf, needsDurable, log, type Route } from './serve';
import { hostLimits } from '../settings';
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

function connectionString(o: Options): string {
  if (o.blobPort === 10000 && o.queuePort === 10001 && o.tablePort === 10002) return 'UseDevelopmentStorage=true';
  const ep = (kind: string, port: number) => `${kind}Endpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
  return `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_KEY};${ep('Blob', o.blobPort)}${ep('Queue', o.queuePort)}${ep('Table', o.tablePort)}`;
}

export async function main(): Promise<void> {
  const o = options();
  const limits = hostLimits();
  const location = process.env.YIBAO_AZURITE_DIR || path.join(ROOT, '.azurite');
  let azurite: Azurite | undefined;
  if (o.azurite) azurite = await startAzurite(ROOT, location, o, (msg) => log('warn', { msg }));
  const stopAzurite = async () => { if (azurite?.kind === 'started') await azurite.stop(); };
  process.env.AzureWebJobsStorage ??= connectionString(o);
  process.env.FUNCTIONS_WORKER_RUNTIME ??= 'node';

  installCore();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main) throw new Error('package.json has no "main": the host cannot find the app');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(ROOT, pkg.main));

  const routes: Route[] = registrations.filter((r) => r.trigger.type.toLowerCase() === 'httptrigger').map((reg) => {
    const route = String(reg.trigger.route ?? reg.name);
    return { reg, route, methods: methodsOf(reg), match: matcher(route) };
  });
  const timers = registrations.filter((r) => r.trigger.type.toLowerCase() === 'timertrigger');

  let durable: LocalDurable | undefined; // the local Durable runner, once the port is known
  const server = http.createServer({
    requestTimeout: 0, // a large body may take minutes: ./limits drops only a stalled one
    headersTimeout: limits.headersMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersMs),
  }, listener({ key: o.key, routes, timers, limits, durable: () => durable && { prefix: PREFIX, serve: (req, res, url, reads) => durable!.serve(req, res, url, reads) } }));
  server.on('clientError', onClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  }).catch(async (e: NodeJS.ErrnoException) => {
    await stopAzurite();
    if (e.code === 'EADDRINUSE') {
      console.error(`端口 ${o.port} 已被占用；请设置 YIBAO_PORT (port ${o.port} is in use: set YIBAO_PORT)`);
      process.exit(1);
    }
    throw e;
  });
  const port = (server.address() as net.AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  durable = await startDurable(registrations, ROOT, base, o.key).catch((e: Error) => void log('error', { msg: `Durable 本地运行器未启动 local Durable runner not started: ${e.message}` }));

  // Ctrl-C or SIGTERM: refuse new connections, close every open one (which cancels running work:
  // bodies error, answer streams are cancelled, worker threads end with the process), stop our
  // Azurite, exit; after limits.stopMs the host exits whatever is still running (its Azurite's
  // watchdog then ends that too).
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', { msg: `${signal}: 停止 stopping` });
    setTimeout(() => process.exit(1), limits.stopMs).unref();
    server.close();
    server.closeAllConnections();
    void stopAzurite().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const lines: string[] = [];
  lines.push('易保 Functions 本地主机已启动 (yibao Functions local host is running)');
  lines.push(azurite?.kind === 'started'
    ? `  存储模拟器 storage emulator: Azurite (pid ${azurite.pid}), blob 127.0.0.1:${o.blobPort}, 数据 data in ${process.env.YIBAO_AZURITE_DIR || '.azurite/'}`
    : azurite?.kind === 'foreign'
      ? `  存储模拟器 storage emulator: 127.0.0.1:${o.blobPort} 上已有一个非本主机启动的服务，直接使用；其数据位置由启动它的人决定，本主机退出时不会停止它 (something this host did not start already listens on 127.0.0.1:${o.blobPort}: used as it is; where it keeps its data is up to whoever started it; it is not stopped with this host)`
      : '  存储模拟器未启动 storage emulator not started (YIBAO_AZURITE=0)');
  lines.push(`  本地函数密钥 local function key: ${o.key}`);
  lines.push('  (authLevel function 的函数须带 x-functions-key 头或 ?code= 参数 — functions with authLevel function need the x-functions-key header or ?code=)');
  lines.push('  函数 functions:');
  for (const { reg } of routes) {
    const methods = (reg.trigger.methods ?? ['GET', 'POST']).join(',');
    const note = needsDurable(reg) ? (durable ? '  (Durable: 本地运行器 local runner)' : '  (需 Durable: 本地运行器未启动 — the local Durable runner did not start)') : '';
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
