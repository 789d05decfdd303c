// The task pane's logic without a browser: the scenario editor's checks, the HTTP run's request and
// answer, and the totals behind the chart. Expected numbers are worked by hand from the spec.
import { checkEdits, namesInViolation, baseRows } from '../../addin/src/taskpane/editor';
import { parseValueText } from '../../addin/src/whatif';
import { rangeToCsv, responseRows, settleRemote, settleUrl, problemText, unreachableText } from '../../addin/src/taskpane/remote';
import { addUp, localTotals, totalsTable, chartSvg, categoryByClaim } from '../../addin/src/taskpane/chart';

const HEADER = ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'];

describe('scenario editor', () => {
  test('text typed in a cell becomes the scenario JSON the engine reads', () => {
    expect(parseValueText('0.75')).toBe('0.75');
    expect(parseValueText('none')).toBeNull();
    expect(parseValueText('不封顶')).toBeNull();
    expect(parseValueText('true')).toBe(true);
    expect(parseValueText('dibao, extremely_poor')).toEqual(['dibao', 'extremely_poor']);
    expect(parseValueText('deductible:0.6; 100000:0.65')).toEqual([{ from: 'deductible', rate: '0.6' }, { from: '100000', rate: '0.65' }]);
  });

  test('every parameter is listed with value, status and source', () => {
    const rows = baseRows('linyi', '2022-12-31');
    const rate = rows.find((r) => r.name === 'assistance.dibao.rate')!;
    expect(rate.value).toBe('0.7');
    expect(rate.status).toBe('published');
    expect(rate.source).toContain('临医保发〔2022〕13号');
    expect(rows.find((r) => r.name === 'critical.cap')!.status).toBe('assumed');
    // The national contribution standard the subsidies depend on (spec section 7: 2022 → 320, assumed).
    expect(rows.filter((r) => r.name === 'contribution.individual')).toEqual([expect.objectContaining({ value: '320', status: 'assumed' })]);
  });

  test('a dibao assistance rate below 70% breaks the national floor, and the row is named', () => {
    const base = checkEdits('linyi', '2022-12-31', 's', {});
    const names = baseRows('linyi', '2022-12-31').map((r) => r.name);
    const low = checkEdits('linyi', '2022-12-31', 's', { 'assistance.dibao.rate': '0.6' });
    expect(low.rowErrors.size).toBe(0);
    expect(low.violations.length).toBeGreaterThan(base.violations.length);
    const flagged = low.violations.flatMap((v) => namesInViolation(v, names));
    expect(flagged).toContain('assistance.dibao.rate');
    expect(low.violations.some((v) => v.scenario === 's')).toBe(true);
    const ok = checkEdits('linyi', '2022-12-31', 's', { 'assistance.dibao.rate': '0.75' });
    expect(ok.violations.flatMap((v) => namesInViolation(v, names))).not.toContain('assistance.dibao.rate');
    expect(ok.overrides).toEqual({ 'assistance.dibao.rate': '0.75' });
  });

  test('a value the engine refuses is an error on its row, in Chinese first', () => {
    const bad = checkEdits('linyi', '2022-12-31', 's', { 'assistance.dibao.rate': '1.5', 'critical.deductible': 'abc', 'critical.cap': 'none' });
    expect(bad.rowErrors.get('assistance.dibao.rate')).toMatch(/^情景参数 assistance\.dibao\.rate 须为 0 到 1 之间的小数/);
    expect(bad.rowErrors.get('critical.deductible')).toMatch(/^情景参数 critical\.deductible/);
    expect(bad.rowErrors.has('critical.cap')).toBe(false);
    expect(bad.scenario).toBeUndefined();
  });
});

describe('a range through the HTTP endpoint', () => {
  const range = [HEADER, ['C1', 'P1', '低保', '临沂', 44713, '住院', '', 60000, 50000, 30000], ['', '', '', '', '', '', '', '', '', ''], ['C2', 'P1', '特困, 供养', '临沂', '2022-07-01', '住院', null, 1e-7, 0.5, '']];

  test('the body is the range as CSV: Excel dates as YYYY-MM-DD, numbers as typed, blank rows left out', () => {
    expect(rangeToCsv(range)).toBe(
      'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid\n' +
        'C1,P1,低保,临沂,2022-06-01,住院,,60000,50000,30000\n' +
        'C2,P1,"特困, 供养",临沂,2022-07-01,住院,,0.0000001,0.5,\n',
    );
  });

  test('cells go as typed: an id or amount that looks like a formula gets no quote mark in front', () => {
    expect(rangeToCsv([HEADER, ['=1+1', '-P', '@x', '临沂', '2022-06-01', '住院', '', '+5', '5', '']]).split('\n')[1]).toBe('=1+1,-P,@x,临沂,2022-06-01,住院,,+5,5,');
  });

  test('POST {endpoint}/api/settle with the key header; the CSV answer becomes rows with numbers', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fake = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response('claim_id,basic,critical,assistance,reassist,oop_compliant,oop_total,warning,notes\r\nC1,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,\r\n', { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8' } });
    }) as unknown as typeof fetch;
    const rows = await settleRemote('https://example.invalid/', 'k3y', range, fake);
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('https://example.invalid/api/settle');
    expect(calls[0].init.method).toBe('POST');
    expect((calls[0].init.headers as Record<string, string>)['x-functions-key']).toBe('k3y');
    expect(String(calls[0].init.body)).toContain('C1,P1,低保,临沂,2022-06-01');
    expect(rows[0][0]).toBe('claim_id');
    expect(rows[1]).toEqual(['C1', 30000, 9100, 7630, 0, 3270, 13270, '', '']);
  });

  test('an error answer (problem details) is shown, not written', async () => {
    const fake = (async () => new Response(JSON.stringify({ status: 400, title: '缺少必需的列', detail: 'missing required columns' }), { status: 400, headers: { 'content-type': 'application/problem+json' } })) as unknown as typeof fetch;
    await expect(settleRemote('https://example.invalid', '', range, fake)).rejects.toThrow('HTTP 400: 缺少必需的列 — missing required columns');
    expect(problemText(418, 'text/plain', 'boom')).toBe('HTTP 418: boom');
  });

  const ORIGIN = 'https://addins.example.cn';
  const answering = (status: number, body: string, type = 'text/plain') => (async () => new Response(body, { status, headers: { 'content-type': type } })) as unknown as typeof fetch;
  const failing = (async () => {
    throw new TypeError('Failed to fetch');
  }) as unknown as typeof fetch;
  const errorOf = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error) => e.message);

  test('no answer at all (CORS refused, network, wrong address): Chinese first, naming the origin and YIBAO_CORS_ORIGINS', async () => {
    const m = await errorOf(settleRemote('https://yibao.example.cn', 'k', range, failing, ORIGIN));
    expect(m).toMatch(/^无法连接 https:\/\/yibao\.example\.cn\/api\/settle（Failed to fetch）/);
    expect(m).toContain(`请管理员把 ${ORIGIN} 加入服务的应用设置 YIBAO_CORS_ORIGINS`);
    expect(m).toMatch(/\(cannot reach the endpoint: the service must list https:\/\/addins\.example\.cn in its YIBAO_CORS_ORIGINS setting \(CORS\)/);
    expect(unreachableText('u', '', 'x')).toContain('本加载项的地址');
  });

  test('401, 404, 413 and 5xx say what they mean and what to do; the service\'s own problem text follows', async () => {
    const m401 = await errorOf(settleRemote('https://yibao.example.cn', '', range, answering(401, ''), ORIGIN));
    expect(m401).toMatch(/^HTTP 401: 函数密钥缺失或无效/);
    expect(m401).toContain('(the function key is missing or wrong');
    const body413 = JSON.stringify({ status: 413, title: '请求体过大 Payload Too Large', detail: '请求体超过上限 200 MB（应用设置 YIBAO_MAX_BODY_BYTES） (the body exceeds the limit of 200 MB)' });
    const m413 = await errorOf(settleRemote('https://yibao.example.cn', 'k', range, answering(413, body413, 'application/problem+json'), ORIGIN));
    expect(m413).toMatch(/^HTTP 413: 所选区域超过服务允许的请求大小/);
    expect(m413).toContain('服务的应答 the service said: 请求体过大 Payload Too Large — 请求体超过上限 200 MB');
    const m404 = await errorOf(settleRemote('https://yibao.example.cn/api', 'k', range, answering(404, 'Not Found'), ORIGIN));
    expect(m404).toMatch(/^HTTP 404: 地址 https:\/\/yibao\.example\.cn\/api\/api\/settle 不存在/);
    expect(problemText(502, 'text/html', '<html>Bad Gateway</html>')).toMatch(/^HTTP 502: 服务出错或暂时不可用.*\n服务的应答 the service said: <html>Bad Gateway<\/html>$/s);
  });

  test('an https pane cannot call plain http (the browser would block it silently), except this computer', async () => {
    expect(() => settleUrl('http://yibao.example.cn', ORIGIN)).toThrow(/^端点须为 https:\/\/：本加载项通过 https 加载/);
    expect(settleUrl('http://localhost:7071', ORIGIN)).toBe('http://localhost:7071/api/settle');
    expect(settleUrl('http://127.0.0.1:7071/', ORIGIN)).toBe('http://127.0.0.1:7071/api/settle');
    expect(settleUrl('http://yibao.example.cn', '')).toBe('http://yibao.example.cn/api/settle');
  });

  test('an answer that is not the service\'s (a sign-in page with 200, broken JSON) is said so, not written', async () => {
    const page = await errorOf(settleRemote('https://yibao.example.cn', 'k', range, answering(200, '<html><body>登录 Sign in</body></html>', 'text/html; charset=utf-8'), ORIGIN));
    expect(page).toMatch(/^服务的应答是网页而不是测算结果/);
    const m = await errorOf(settleRemote('https://yibao.example.cn', 'k', range, answering(200, '{"broken', 'application/json'), ORIGIN));
    expect(m).toMatch(/^服务的应答无法读取/);
  });

  test('NDJSON answers become rows too; the endpoint must be http(s)', () => {
    expect(responseRows('application/x-ndjson', '{"claim_id":"C1","basic":"30000.00"}\n{"claim_id":"C2","basic":"1.50"}\n')).toEqual([['claim_id', 'basic'], ['C1', 30000], ['C2', 1.5]]);
    expect(() => settleUrl('localhost:7071')).toThrow(/^端点须以 https:\/\/ 开头/);
  });
});

describe('totals by tier and category', () => {
  test('a sheet of claims is settled locally and totalled per category', () => {
    const values = [
      HEADER,
      ['C1', 'P1', '低保', '临沂', '2022-06-01', '住院', '', 60000, 50000, 30000],
      ['C2', 'P2', '普通居民', '临沂', '2022-06-01', '住院', '', 22000, 22000, ''],
      ['C3', 'P3', '监测人口', '临沂', '2022-06-01', '住院', '', 100, 100, ''],
    ];
    const r = localTotals(values);
    expect(r.read).toBe(3);
    expect(r.rejected).toBe(1);
    // C2: basic 22,000 × 70% = 15,400 (assumed defaults: deductible 0, rate 0.70); oop1 6,600 < 12,000: no critical.
    const table = totalsTable(r.totals);
    expect(table[0]).toEqual(['类别 category', '笔数 claims', '基本医保 basic', '大病保险 critical', '医疗救助 assistance', '再救助 reassist']);
    expect(table).toContainEqual(['低保对象', 1, 30000, 9100, 7630, 0]);
    expect(table).toContainEqual(['普通居民', 1, 15400, 0, 0, 0]);
    expect(table[table.length - 1]).toEqual(['合计 total', 2, 45400, 9100, 7630, 0]);
  });

  test('results from the server are joined to the input by claim_id for their category', () => {
    const cats = categoryByClaim([HEADER, ['C1', 'P1', '2', '临沂', '2022-06-01', '住院', '', 1, 1, ''], ['C9', 'P1', '火星人', '临沂', '2022-06-01', '住院', '', 1, 1, '']]);
    expect(cats.get('C1')).toEqual({ category: 'dibao', label: '低保对象' });
    expect(cats.get('C9')).toEqual({ category: '火星人', label: '火星人' });
    const totals = addUp([{ category: 'dibao', label: '低保对象', amounts: { basic: 0.1, critical: '0.2' } }, { category: 'dibao', label: '低保对象', amounts: { basic: 0.2 } }]);
    expect(totals[0].amounts.basic.toFixed(2)).toBe('0.30'); // exact decimals, not 0.30000000000000004
    expect(totals[0].claims).toBe(2);
  });

  test('the chart has one stacked bar per category with a segment per paying tier', () => {
    const svg = chartSvg(localTotals([HEADER, ['C1', 'P1', '低保', '临沂', '2022-06-01', '住院', '', 60000, 50000, 30000]]).totals);
    expect(svg.match(/class="bar bar-/g)).toHaveLength(3); // basic, critical, assistance (reassist is 0)
    expect(svg).toContain('低保对象');
    expect(svg).toContain('7630.00');
  });
});
