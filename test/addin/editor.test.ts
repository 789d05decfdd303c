// The officers' editor without a browser: Chinese labels for every parameter (policy/labels.json,
// read through the engine's parameterTable), the bands table of critical.segments, years outside
// the packs, and the rows' HTML (status, source, quote on demand).
import { library } from '../../policy';
import { parameterTable } from '../../engine';
import { baseRows, bandsOf, bandsText, checkEdits, yearNotice, type EditorRow } from '../../addin/src/taskpane/editor';
import { editorRowHtml, statusLabel, sourceText } from '../../addin/src/taskpane/rowhtml';

describe('labels', () => {
  test('every parameter of every pack, and the contribution standard, has a Chinese and an English label', () => {
    const labels = library.labels.data as Record<string, unknown>;
    const names = new Set<string>(['contribution.individual']);
    for (const p of library.packs) for (const n of Object.keys((p.data as { parameters: object }).parameters)) names.add(n);
    const missing = [...names].filter((n) => {
      const l = labels[n] as { zh?: unknown; en?: unknown } | undefined;
      return !(l && typeof l.zh === 'string' && /[\u4e00-\u9fff]/.test(l.zh) && typeof l.en === 'string' && l.en.length > 0);
    });
    expect(missing).toEqual([]);
    // and no label for a parameter no pack has (a misspelt key would never show)
    expect(Object.keys(labels).filter((k) => k !== '_about' && !names.has(k))).toEqual([]);
  });

  test('the editor rows carry them; the command line and the service table stay without', () => {
    const rate = baseRows('linyi', '2022-12-31').find((r) => r.name === 'assistance.dibao.rate')!;
    expect(rate.label).toEqual({ zh: '低保对象医疗救助比例', en: 'medical assistance rate, minimum-living-allowance (dibao)' });
    expect(baseRows('luan', '2022-12-31').every((r) => r.label && r.label.zh.length > 0)).toBe(true);
    expect(parameterTable('linyi', '2022-12-31').some((r) => r.label !== undefined)).toBe(false);
  });
});

describe('statuses', () => {
  test('the three statuses a pack gives, and an unknown one as the engine gives it', () => {
    expect(statusLabel('published')).toBe('已公布 published');
    expect(statusLabel('derived')).toBe('推算 derived');
    expect(statusLabel('assumed')).toBe('假设值 assumed');
    expect(statusLabel('rumoured')).toBe('rumoured');
  });
});

describe('bands as a table', () => {
  test("Linyi's critical.segments as four rows of from and rate", () => {
    const seg = baseRows('linyi', '2022-12-31').find((r) => r.name === 'critical.segments')!;
    expect(bandsOf(seg.base)).toEqual([
      { from: 'deductible', rate: '0.6' },
      { from: '100000', rate: '0.65' },
      { from: '200000', rate: '0.7' },
      { from: '300000', rate: '0.75' },
    ]);
    expect(bandsOf('0.7')).toBeUndefined();
    expect(bandsOf('dibao, extremely_poor')).toBeUndefined();
  });

  test('the table back to the text the engine reads: blank rows dropped, half rows kept for the engine to refuse', () => {
    const text = bandsText([{ from: 'deductible', rate: '0.6' }, { from: '', rate: '' }, { from: ' 150000', rate: '0.8 ' }]);
    expect(text).toBe('deductible:0.6; 150000:0.8');
    const ok = checkEdits('linyi', '2022-12-31', 's', { 'critical.segments': text });
    expect(ok.rowErrors.size).toBe(0);
    expect(ok.overrides['critical.segments']).toEqual([{ from: 'deductible', rate: '0.6' }, { from: '150000', rate: '0.8' }]);
    expect(bandsText([{ from: '起付线', rate: '0.6' }, { from: '100000', rate: '0.65' }])).toBe('deductible:0.6; 100000:0.65');
    const half = bandsText([{ from: 'deductible', rate: '0.6' }, { from: '150000', rate: '' }]);
    expect(half).toBe('deductible:0.6; 150000:');
    expect(checkEdits('linyi', '2022-12-31', 's', { 'critical.segments': half }).rowErrors.get('critical.segments')).toMatch(/^情景参数 critical\.segments/);
  });
});

describe('years outside the packs', () => {
  test('before the first policy: an error, and no silent substitute', () => {
    const n = yearNotice('linyi', 2019)!;
    expect(n.kind).toBe('error');
    expect(n.text).toMatch(/^2019 年早于临沂市最早的政策（2022-01-01 起施行）/);
    expect(yearNotice('临沂', 2021.5)!.kind).toBe('error');
    // Xixiu's first document took effect on 3 August 2021: 2021 is covered
    expect(yearNotice('xixiu', 2021)).toBeUndefined();
  });

  test('a year the packs cover: nothing; after the latest document: a warning; a contribution standard carried forward: said', () => {
    expect(yearNotice('linyi', 2022)).toBeUndefined();
    const later = yearNotice('linyi', 2024)!;
    expect(later.kind).toBe('warn');
    expect(later.text).toContain('2024 年晚于临沂市最新的政策文件（2022-04-01 起施行）');
    const far = yearNotice('linyi', 2030)!;
    // the packs hold the standard up to 2026: 2030 uses 2026's 400 yuan, and says so (spec 10.3)
    expect(far.text).toContain('contribution.individual 2030 年未设定，沿用 2026 年 400 元（假设）');
  });
});

describe('a row of the editor after the transition', () => {
  test('a lapsed transitional rule and a carried-forward standard say so under their status (spec 10.2, 10.3)', () => {
    const rows = baseRows('linyi', '2027-03-01');
    const lapsed = rows.find((r) => r.name === 'assistance.dibao_marginal.rate')!;
    expect(editorRowHtml(lapsed, lapsed.base, false)).toMatch(/<div class="caution">[^<]*过渡期已结束（假设 2025-12-31）/);
    const standard = rows.find((r) => r.name === 'contribution.individual')!;
    expect(editorRowHtml(standard, standard.base, false)).toMatch(/<div class="caution">[^<]*2027 年未设定，沿用 2026 年 400 元（假设）/);
    const inForce = baseRows('linyi', '2025-06-30').find((r) => r.name === 'assistance.dibao_marginal.rate')!;
    expect(editorRowHtml(inForce, inForce.base, false)).not.toContain('caution');
  });
});

describe('a row of the editor', () => {
  const rows = baseRows('linyi', '2022-12-31');
  const row = (n: string): EditorRow => rows.find((r) => r.name === n)!;

  test('label, spec name, value, status, source and the quote behind details', () => {
    const html = editorRowHtml(row('assistance.dibao.rate'), '0.7', false);
    expect(html).toContain('<div class="label">低保对象医疗救助比例</div>');
    expect(html).toContain('<code>assistance.dibao.rate</code>');
    expect(html).toContain('value="0.7"');
    expect(html).toContain('<span class="badge published">已公布 published</span>');
    expect(html).toContain('临医保发〔2022〕13号');
    expect(html).toMatch(/<details class="quote"><summary>原文 quote<\/summary><blockquote>[^<]+<\/blockquote><\/details>/);
  });

  test('an edited row shows the scenario badge and what it replaces; a derived status its label', () => {
    const html = editorRowHtml(row('assistance.dibao.rate'), '0.75', true);
    expect(html).toContain('情景值 scenario');
    expect(html).toContain('原 was: 0.7 (已公布 published)');
    expect(editorRowHtml({ ...row('basic.rate'), status: 'derived' }, '0.7', false)).toContain('<span class="badge derived">推算 derived</span>');
  });

  test('bands render as a table of inputs, one row per band, with add and remove buttons', () => {
    const html = editorRowHtml(row('critical.segments'), 'deductible:0.6; 100000:0.65', true);
    expect(html.match(/data-part="from"/g)).toHaveLength(2);
    expect(html.match(/data-part="rate"/g)).toHaveLength(2);
    expect(html).toContain('data-band="1" data-part="from" value="100000"');
    expect(html).toContain('data-band="0" data-part="from" value="起付线"'); // the deductible, in Chinese
    expect(html).toContain('band-add');
    expect(html.match(/band-remove/g)).toHaveLength(2);
  });

  test('a value taken from the specification, not a document, says so', () => {
    expect(sourceText('policy.md §7')).toBe('测算规范 policy.md §7（非政策文件 not an official document）');
    expect(sourceText('临医保发〔2022〕13号 三')).toBe('临医保发〔2022〕13号 三');
    expect(editorRowHtml({ ...row('basic.cap'), source: 'policy.md §5' }, 'none', false)).toContain('测算规范 policy.md §5（非政策文件 not an official document）');
  });

  test('text is escaped', () => {
    expect(editorRowHtml({ ...row('basic.rate'), quote: '<script>' }, '"x', true)).not.toMatch(/<script>|value=""x"/);
  });
});
