/// <reference lib="dom" />
// The built bundle in headless Chromium (Debian's /usr/bin/chromium, or the one from the npm package
// @sparticuz/chromium where Debian's is absent: see chromium.ts; driven by playwright-core), outside Excel: the task pane renders, Office.onReady resolves (host null), the functions registered
// through CustomFunctions.associate compute the spec's section 9 example, and a screenshot is saved
// to out/addin-taskpane.png. office.js comes from the built folder (office-js/, copied from the
// package): every request outside https://localhost:3000 is refused, the CDN included (no network).
import { existsSync, mkdirSync, readFileSync } from 'fs';
import { join, normalize } from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureBuilt, ROOT, DIST } from './build';
import { chromiumLaunch } from './chromium';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.css': 'text/css', '.png': 'image/png', '.xml': 'application/xml' };

const OFFICE_ULS_FRAME = 'https://telemetryservice.firstpartyapps.oaspapps.com/telemetryservice/telemetryproxy.html';
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const refused: string[] = [];
const UNREACHABLE = 'https://yibao-unreachable.example.cn/';
const serviceCalls: string[] = [];

function serveFrom(dir: string, rel: string) {
  const file = normalize(join(dir, decodeURIComponent(rel.split('?')[0])));
  if (!file.startsWith(dir) || !existsSync(file)) return { status: 404, body: 'not found' };
  const ext = /\.[a-z]+$/.exec(file)?.[0] ?? '';
  return { status: 200, contentType: TYPES[ext] ?? 'application/octet-stream', body: readFileSync(file) };
}

beforeAll(async () => {
  ensureBuilt();
  const { executablePath, env } = chromiumLaunch();
  browser = await chromium.launch({
    executablePath,
    env,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 420, height: 900 }, locale: 'zh-CN' });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('https://localhost:3000/')) return route.fulfill(serveFrom(DIST, url.slice('https://localhost:3000/'.length)));
    // A Functions app the browser gets no answer from. A refusal by CORS is not reproduced here
    // (Playwright answers the preflight of a fulfilled request itself), but the page sees the same:
    // fetch rejects with "Failed to fetch" and nothing more.
    if (url.startsWith(UNREACHABLE)) {
      serviceCalls.push(route.request().method());
      return route.abort('failed');
    }
    // Outside Office, office.js loads its O15 helper (o15apptofilemappingtable.js, from our folder),
    // which opens Microsoft's logging frame 3 s later, whatever the page does: refused like any
    // outside request, but not counted, or the test would fail whenever the machine is slow.
    if (url !== OFFICE_ULS_FRAME) refused.push(url);
    return route.abort();
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto('https://localhost:3000/taskpane.html');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

test('Office.onReady resolves outside Excel (host null) and the pane says so', async () => {
  const info = await page.evaluate(() => (window as unknown as { Office: { onReady(): Promise<{ host: unknown }> } }).Office.onReady());
  expect(info.host).toBeNull();
  expect(await page.textContent('#status')).toContain('未在 Excel 中运行');
  expect(await page.textContent('h1')).toBe('医保三重保障测算');
  expect(pageErrors).toEqual([]);
});

test('the registered functions compute the spec section 9 example', async () => {
  const ids = await page.evaluate(() => Object.keys((window as unknown as { __YIBAO_FUNCTIONS__: object }).__YIBAO_FUNCTIONS__).sort());
  expect(ids).toEqual(['ASSIST', 'BUDGET', 'CATEGORIES', 'COMPARE', 'CRITICAL', 'EXPLAIN', 'LEDGER', 'PARAM', 'REASSIST', 'SETTLE', 'SUBSIDY', 'WARN']);
  const out = await page.evaluate(async () => {
    const f = (window as unknown as { __YIBAO_FUNCTIONS__: Record<string, (...a: unknown[]) => unknown> }).__YIBAO_FUNCTIONS__;
    const settle = await f.SETTLE(50000, '低保', '临沂', 30000, 60000, '2022-06-01', null);
    const ledger = (await f.LEDGER([
      ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'],
      ['C1', 'P1', '低保', '临沂', 44713, '住院', '', 60000, 50000, 30000],
      ['C1', 'P1', '低保', '临沂', 44714, '住院', '', 1, 1, ''],
      ['=C3', 'P2', '低保', '临沂', 44713, '住院', '', 100, 200, ''],
    ], null)) as unknown[][];
    const assist = await f.ASSIST(10900, 'dibao', 371300, '2022-06-01', null);
    let error: { code?: string; message?: string } = {};
    try {
      await f.ASSIST(1000, '监测人口', '临沂', '2022-06-01', null);
    } catch (e) {
      error = { code: (e as { code?: string }).code, message: (e as Error).message };
    }
    return { settle, ledger: ledger[1].slice(0, 7), rejected: [ledger[2][8], ledger[3][0], ledger[3][8]], assist, error };
  });
  expect(out.settle).toEqual([[30000, 9100, 7630, 0, 3270, 13270]]);
  expect(out.ledger).toEqual(['C1', 30000, 9100, 7630, 0, 3270, 13270]);
  // the columnar ledger in the browser: a repeated id and a bad row rejected in place, the id as typed
  expect(out.rejected).toEqual([expect.stringMatching(/^拒绝：claim_id C1 重复/), '=C3', expect.stringContaining('合规费用 200.00 大于医疗总费用 100.00')]);
  expect(out.assist).toBe(7630);
  expect(out.error.code).toBe('#N/A');
  expect(out.error.message).toMatch(/^临沂市没有“监测人口”/);
});

test('the scenario editor lists every parameter with status and source, and checks floors as you type', async () => {
  expect(await page.inputValue('#city')).toBe('linyi');
  const rows = await page.$$eval('#params > tbody > tr', (trs) => trs.map((tr) => ({ name: (tr as HTMLElement).dataset.name, status: tr.querySelector('.status')!.textContent, source: tr.querySelector('.source')!.textContent })));
  expect(rows.length).toBeGreaterThan(20);
  const rate = rows.find((r) => r.name === 'assistance.dibao.rate')!;
  expect(rate.status).toContain('已公布 published');
  expect(rate.source).toContain('临医保发〔2022〕13号');
  expect(rows.find((r) => r.name === 'critical.cap')!.status).toContain('假设值 assumed');

  const input = page.locator('input[data-name="assistance.dibao.rate"]');
  await input.fill('0.6');
  const tr = page.locator('tr[data-name="assistance.dibao.rate"]');
  await expect_(async () => (await tr.getAttribute('class'))!.includes('breaks'));
  expect(await tr.locator('.status').textContent()).toContain('情景值 scenario');
  expect(await page.textContent('#violations')).toContain('底线检查');

  await input.fill('1.5');
  await expect_(async () => (await tr.getAttribute('class'))!.includes('invalid'));
  expect(await tr.locator('.row-error').textContent()).toMatch(/^情景参数 assistance\.dibao\.rate 须为 0 到 1 之间的小数/);
  expect(await page.isDisabled('#scenario-save')).toBe(true);

  await input.fill('0.75');
  await page.fill('#scenario-name', '低保75');
  await expect_(async () => !(await page.isDisabled('#scenario-save')));
  await page.click('#scenario-save');
  await expect_(async () => (await page.textContent('#scenario-message'))!.includes('已保存情景“低保75”'));
  // The saved scenario is what the functions read.
  const assist = await page.evaluate(() => (window as unknown as { __YIBAO_FUNCTIONS__: Record<string, (...a: unknown[]) => unknown> }).__YIBAO_FUNCTIONS__.ASSIST(10900, '低保', '临沂', '2022-06-01', '低保75'));
  expect(assist).toBe(8175);
});

test("the officers' editor: Chinese labels, quotes on demand, bands as a table, a year outside the packs warned", async () => {
  await page.click('#scenario-reset');
  const tr = page.locator('#params > tbody > tr[data-name="assistance.dibao.rate"]');
  expect(await tr.locator('.label').textContent()).toBe('低保对象医疗救助比例');
  // the quote is there, folded until asked for
  const quote = tr.locator('details.quote blockquote');
  expect(await quote.isVisible()).toBe(false);
  await tr.locator('details.quote summary').click();
  expect(await quote.isVisible()).toBe(true);
  expect((await quote.textContent())!.length).toBeGreaterThan(5);

  // critical.segments: four bands as rows; change the second band's rate, add a band, remove it
  const seg = page.locator('#params > tbody > tr[data-name="critical.segments"]');
  expect(await seg.locator('table.bands tbody tr').count()).toBe(4);
  await seg.locator('input[data-band="1"][data-part="rate"]').fill('0.66');
  await expect_(async () => (await seg.getAttribute('class'))!.includes('edited'));
  expect(await seg.locator('.status').textContent()).toContain('原 was: deductible:0.6; 100000:0.65');
  await seg.locator('button.band-add').click();
  const added = page.locator('#params > tbody > tr[data-name="critical.segments"]');
  expect(await added.locator('table.bands tbody tr').count()).toBe(5);
  expect(await added.getAttribute('class')).not.toContain('invalid'); // an empty new band is no error yet
  expect(await added.locator('input[data-band="0"][data-part="from"]').inputValue()).toBe('起付线');
  await added.locator('input[data-band="4"][data-part="from"]').fill('400000');
  await added.locator('input[data-band="4"][data-part="rate"]').fill('0.9');
  // a band with no rate is the engine's error on the row, and nothing can be saved
  await added.locator('input[data-band="4"][data-part="rate"]').fill('');
  await expect_(async () => (await added.getAttribute('class'))!.includes('invalid'));
  expect(await added.locator('.row-error').textContent()).toMatch(/^情景参数 critical\.segments/);
  expect(await page.isDisabled('#scenario-save')).toBe(true);
  await added.locator('button.band-remove[data-band="4"]').click();
  const back = page.locator('#params > tbody > tr[data-name="critical.segments"]');
  expect(await back.locator('table.bands tbody tr').count()).toBe(4);
  await expect_(async () => !(await back.getAttribute('class'))!.includes('invalid'));
  expect(await back.locator('input[data-band="1"][data-part="rate"]').inputValue()).toBe('0.66');
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  await back.screenshot({ path: join(ROOT, 'out', 'addin-editor-bands.png') });
  await tr.screenshot({ path: join(ROOT, 'out', 'addin-editor-row.png') });

  // years: 2019 precedes Linyi's first policy (no parameters, said so); 2024 is after its latest document
  await page.fill('#year', '2019');
  await page.dispatchEvent('#year', 'change');
  await expect_(async () => (await page.textContent('#year-notice'))!.startsWith('2019 年早于临沂市最早的政策'));
  expect(await page.locator('#params > tbody > tr').count()).toBe(0);
  await page.fill('#year', '2024');
  await page.dispatchEvent('#year', 'change');
  await expect_(async () => (await page.textContent('#year-notice'))!.includes('2024 年晚于临沂市最新的政策文件'));
  expect(await page.locator('#params > tbody > tr').count()).toBeGreaterThan(20);
  await page.fill('#year', '2022');
  await page.dispatchEvent('#year', 'change');
  await expect_(async () => (await page.textContent('#year-notice')) === '');
  expect(pageErrors).toEqual([]);
});

test('the chart of totals by tier and category renders; screenshot saved', async () => {
  const r = await page.evaluate(() =>
    (window as unknown as { __YIBAO_PANE__: { chartFromTable(v: unknown[][]): unknown } }).__YIBAO_PANE__.chartFromTable([
      ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'],
      ['C1', 'P1', '低保', '临沂', '2022-06-01', '住院', '', 60000, 50000, 30000],
      ['C2', 'P2', '特困人员', '临沂', '2022-06-01', '住院', '', 30000, 30000, 20000],
      ['C3', 'P3', '普通居民', '临沂', '2022-06-01', '住院', '', 80000, 80000, ''],
    ]),
  );
  expect(r).toEqual({ read: 3, rejected: 0 });
  expect(await page.locator('#chart svg rect.bar').count()).toBeGreaterThanOrEqual(6);
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'out', 'addin-taskpane-full.png'), fullPage: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ROOT, 'out', 'addin-taskpane.png') });
  await page.locator('#chart-section').screenshot({ path: join(ROOT, 'out', 'addin-chart.png') });
  for (const f of ['addin-taskpane.png', 'addin-taskpane-full.png', 'addin-chart.png']) expect(existsSync(join(ROOT, 'out', f))).toBe(true);
  expect(pageErrors).toEqual([]);
  expect(refused).toEqual([]);
});

test('a service the browser gets no answer from (CORS refused, network): the pane says what to check, in Chinese', async () => {
  const out = await page.evaluate(async (endpoint) => {
    const pane = (window as unknown as { __YIBAO_PANE__: { runRange(e: string, k: string, v: unknown[][]): Promise<{ rows?: unknown[][]; error?: string }> } }).__YIBAO_PANE__;
    return pane.runRange(endpoint, 'k3y', [
      ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'],
      ['C1', 'P1', '低保', '临沂', '2022-06-01', '住院', '', 60000, 50000, 30000],
    ]);
  }, UNREACHABLE);
  expect(out.rows).toBeUndefined();
  expect(out.error).toMatch(/^无法连接 https:\/\/yibao-unreachable\.example\.cn\/api\/settle（Failed to fetch）/);
  expect(out.error).toContain('请管理员把 https://localhost:3000 加入服务的应用设置 YIBAO_CORS_ORIGINS');
  expect(serviceCalls.length).toBeGreaterThan(0);
  // plain http from the https pane is refused before any request
  const http = await page.evaluate(() => (window as unknown as { __YIBAO_PANE__: { runRange(e: string, k: string, v: unknown[][]): Promise<{ error?: string }> } }).__YIBAO_PANE__.runRange('http://yibao.example.cn', '', [['claim_id'], ['C1']]));
  expect(http.error).toMatch(/^端点须为 https:\/\//);
  expect(pageErrors).toEqual([]);
});

/** Wait (up to 5 s) for a condition in the page. */
async function expect_(cond: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
