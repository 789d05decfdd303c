// CORS on the local host, from a real browser: headless Chromium (the add-in test's helper finds it:
// Debian's, or the one of the npm package) opens a page served by a small server of the test on
// another port (another origin, configured in YIBAO_CORS_ORIGINS beside the default) and calls the
// host from it. (A page the browser is handed by request interception has no address, and
// Chromium's local-network checks then refuse its calls to 127.0.0.1 whatever CORS says.) The keyed
// POST needs a preflight (x-functions-key is not a simple header); the script can read the request
// id and the x-yibao-* headers; a page on an origin not configured is refused by the browser.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { chromiumLaunch } from '../addin/chromium';
import { ROOT, freePort } from './helpers';
import { startHost, until, type LocalHost } from './local-host';

let host: LocalHost;
let browser: Browser;
const pages: http.Server[] = [];
let allowed = '';
let other = '';

/** A server of one blank page on a free port of localhost: its origin. */
async function pageServer(): Promise<string> {
  const port = await freePort();
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>pane</title>'));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  pages.push(server);
  return `http://localhost:${port}`;
}

beforeAll(async () => {
  allowed = await pageServer();
  other = await pageServer();
  host = await startHost({ YIBAO_AZURITE: '0', YIBAO_CORS_ORIGINS: `https://localhost:3000, ${allowed}` });
  const { executablePath, env } = chromiumLaunch();
  browser = await chromium.launch({
    executablePath, env, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 90000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  for (const p of pages) p.close();
});

interface Seen { ok: boolean; status?: number; requestId?: string | null; settled?: string | null; path?: string | null; firstLine?: string; error?: string }

/** Open a page on `origin` and, from it, POST the sample ledger to the host with the key. */
async function callFrom(origin: string): Promise<Seen> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/pane.html`);
    const sample = fs.readFileSync(path.join(ROOT, 'samples', 'claims.csv'), 'utf8');
    return await page.evaluate(async ({ url, key, body }) => {
      try {
        const res = await fetch(url, { method: 'POST', body, headers: { 'x-functions-key': key, 'content-type': 'text/csv' } });
        const text = await res.text();
        return { ok: true, status: res.status, requestId: res.headers.get('x-request-id'), settled: res.headers.get('x-yibao-settled'), path: res.headers.get('x-yibao-path'), firstLine: text.split('\n')[1] };
      } catch (e) {
        return { ok: false, error: String(e) };
      }
    }, { url: `${host.base}/api/settle`, key: host.key, body: sample });
  } finally {
    await context.close();
  }
}

test('a page on a configured origin calls the host: preflight answered, headers exposed', async () => {
  const seen = await callFrom(allowed);
  expect(seen).toMatchObject({ ok: true, status: 200, settled: '38', firstLine: 'LY-0001,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,' });
  expect(seen.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(seen.path).toMatch(/^(bulk|bulk-worker|ledger)$/);
  // the browser sent a preflight, and the host answered it
  await until(() => host.logs().some((l) => l.method === 'OPTIONS' && l.route === 'settle' && l.status === 204), 5000, 'the preflight\'s access line');
}, 60000);

test('a page on an origin not configured is refused by the browser', async () => {
  const seen = await callFrom(other);
  expect(seen.ok).toBe(false);
  expect(seen.error).toMatch(/Failed to fetch/);
  await until(() => host.logs().some((l) => l.method === 'OPTIONS' && l.status === 403), 5000, 'the refused preflight');
}, 60000);

test('the add-in\'s dev origin, over plain HTTP: allowed methods and headers, Vary, exposed headers', async () => {
  const pre = await fetch(`${host.base}/api/policies/linyi`, { method: 'OPTIONS', headers: { origin: 'https://localhost:3000', 'access-control-request-method': 'GET' } });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-origin')).toBe('https://localhost:3000');
  expect(pre.headers.get('access-control-allow-methods')).toBe('GET');
  expect(pre.headers.get('access-control-allow-headers')).toMatch(/x-functions-key/);
  const res = await fetch(`${host.base}/api/policies/linyi`, { headers: { origin: 'https://localhost:3000' } });
  expect(res.headers.get('access-control-allow-origin')).toBe('https://localhost:3000');
  expect(res.headers.get('vary')).toMatch(/Origin/);
  expect(res.headers.get('access-control-expose-headers')).toBe('x-request-id');
  const none = await fetch(`${host.base}/api/policies/linyi`);
  expect(none.headers.get('access-control-allow-origin')).toBeNull();
});
