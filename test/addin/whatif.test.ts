// What-if in cells: every function's `scenario` argument as "name=value; …" text or a range of
// (parameter, value) rows, as a Data Table, Goal Seek or the Scenario Manager would feed it; checked
// by the engine's scenarioFrom with its messages; a saved scenario of another city refused.
import { excelErrorOf, chineseFirst, type ExcelCalls } from './shim';
import * as Functions from '../../addin/src/functions';
import { saveScenario, resetScenarios } from '../../addin/src/scenarios';
import { overridesFromText, CELL_SCENARIO } from '../../addin/src/whatif';
import { defaultBook, scenarioFrom, YibaoError } from '../../engine';

const F = Functions as unknown as ExcelCalls<typeof Functions>;

const D = '2022-06-01';
const HEADER = ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'];

afterEach(() => resetScenarios());

/** The message the engine gives for these overrides on Linyi, as an Excel error carries it. */
function engineMessage(overrides: Record<string, unknown>): string {
  try {
    scenarioFrom(defaultBook(), { name: 'x', city: 'linyi', overrides });
  } catch (e) {
    if (e instanceof YibaoError) return `${e.zh} (${e.en})`;
    throw e;
  }
  throw new Error('the engine accepted it');
}

describe('a scenario written as text', () => {
  test('one parameter: section 9 assistance at 75% (10,900 × 75% = 8,175)', async () => {
    expect(await F.assist(10900, '低保', '临沂', D, 'assistance.dibao.rate=0.75')).toBe(8175);
    expect(await F.assist(10900, '低保', '临沂', D, ' assistance.dibao.rate ＝ 0.75 ')).toBe(8175);
    const [row] = await F.param('临沂', 'assistance.dibao.rate', D, 'assistance.dibao.rate=0.75');
    expect(row.slice(0, 2)).toEqual([0.75, `情景值 scenario“${CELL_SCENARIO}”`]);
  });

  test('several parameters; bands keep their own ";" (a piece without "=" continues the value)', async () => {
    const text = 'critical.segments=deductible:0.6; 100000:0.7；assistance.dibao.cap=5000\nassistance.dibao.rate=0.8';
    expect(overridesFromText(text)).toEqual({
      'critical.segments': [{ from: 'deductible', rate: '0.6' }, { from: '100000', rate: '0.7' }],
      'assistance.dibao.cap': '5000',
      'assistance.dibao.rate': '0.8',
    });
    // 10,900 × 80% = 8,720, capped at 5,000.
    expect(await F.assist(10900, '低保', '临沂', D, text)).toBe(5000);
    const [seg] = await F.param('临沂', 'critical.segments', D, text);
    expect(String(seg[0])).toMatch(/0\.6.*100000.*0\.7/);
  });

  test('SETTLE, SUBSIDY and LEDGER take it too', async () => {
    // Section 9 at 75%: assistance 8,175; oop_compliant 10,900 − 8,175 = 2,725; oop_total 12,725.
    expect(await F.settle(50000, '低保', '临沂', 30000, 60000, D, 'assistance.dibao.rate=0.75')).toEqual([[30000, 9100, 8175, 0, 2725, 12725]]);
    expect(await F.subsidy('低保', '临沂', 2022, 'assistance', 'subsidy.dibao.assistanceFund=200')).toBe(200);
    const out = await F.ledger([HEADER, ['C1', 'P1', '低保', '临沂', D, '住院', '', 60000, 50000, 30000]], 'assistance.dibao.rate=0.75');
    expect(out[1].slice(0, 7)).toEqual(['C1', 30000, 9100, 8175, 0, 2725, 12725]);
  });

  test('refused with the engine\'s own messages', async () => {
    for (const [text, overrides] of [
      ['assistance.dibao.rate=1.5', { 'assistance.dibao.rate': '1.5' }],
      ['assistance.dibao.rat=0.7', { 'assistance.dibao.rat': '0.7' }],
      ['__proto__=1', JSON.parse('{"__proto__": "1"}')],
      ['critical.segments=100000:0.7', { 'critical.segments': [{ from: '100000', rate: '0.7' }] }],
    ] as const) {
      const e = await excelErrorOf(() => F.assist(10900, '低保', '临沂', D, text));
      expect([text, e.code, e.message]).toEqual([text, '#VALUE!', engineMessage(overrides)]);
    }
  });

  test('malformed text, a parameter twice', async () => {
    for (const [text, re] of [
      ['assistance.dibao.rate=', /^情景“assistance\.dibao\.rate=”须写成 参数=值/],
      ['=0.7', /^情景“=0\.7”须写成/],
      ['assistance.dibao.rate=0.7; assistance.dibao.rate=0.8', /^情景中参数 assistance\.dibao\.rate 出现了两次/],
    ] as const) {
      const e = await excelErrorOf(() => F.assist(10900, '低保', '临沂', D, text));
      expect(e.code).toBe('#VALUE!');
      expect(e.message).toMatch(re);
      expect(chineseFirst(e.message)).toBe(true);
    }
    // Without "=" it is a saved scenario's name.
    expect((await excelErrorOf(() => F.assist(10900, '低保', '临沂', D, 'assistance.dibao.rate'))).message).toMatch(/^未找到情景“assistance\.dibao\.rate”/);
  });
});

describe('a scenario written as a range', () => {
  test('(parameter, value) rows under a header: a Data Table over the dibao rate', async () => {
    const table: number[] = [];
    for (const rate of [0.7, 0.75, 0.8, 0.9]) {
      table.push(await F.assist(10900, '低保', '临沂', D, [['参数', '值'], ['assistance.dibao.rate', rate]]));
    }
    expect(table).toEqual([7630, 8175, 8720, 9810]);
    // Text values and blank rows, as a range typed by hand holds them.
    expect(await F.assist(10900, '低保', '临沂', D, [['assistance.dibao.rate', '0.8'], [null, null], ['assistance.dibao.cap', 5000]])).toBe(5000);
    // One column of name=value cells.
    expect(await F.assist(10900, '低保', '临沂', D, [['assistance.dibao.rate=0.8'], ['assistance.dibao.cap=5000']])).toBe(5000);
  });

  test('a single cell is its value; an empty range is no scenario', async () => {
    await saveScenario({ name: '低保75', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.75 } });
    expect(await F.assist(10900, '低保', '临沂', D, [['低保75']])).toBe(8175);
    expect(await F.assist(10900, '低保', '临沂', D, [['assistance.dibao.rate=0.8']])).toBe(8720);
    expect(await F.assist(10900, '低保', '临沂', D, [[null, '']])).toBe(7630);
  });

  test('refused: a value missing, a name missing, three columns, a bad value (the engine\'s message)', async () => {
    const cases: [unknown[][], RegExp | string][] = [
      [[['assistance.dibao.rate', null]], /^情景区域第 1 行参数 assistance\.dibao\.rate 的值为空/],
      [[['assistance.dibao.rate', 0.7], [0.5, 0.8]], /^情景区域第 2 行的参数名须为文本/],
      [[['assistance.dibao.rate', 0.7, 'x']], /^情景区域须为两列（参数、值），不能是 3 列/],
      [[['assistance.dibao.rate', 1.5]], engineMessage({ 'assistance.dibao.rate': 1.5 })],
      [[['assistance.dibao.rate', true]], engineMessage({ 'assistance.dibao.rate': true })],
    ];
    for (const [range, expected] of cases) {
      const e = await excelErrorOf(() => F.assist(10900, '低保', '临沂', D, range));
      expect(e.code).toBe('#VALUE!');
      if (typeof expected === 'string') expect(e.message).toBe(expected);
      else expect(e.message).toMatch(expected);
    }
  });
});

describe('a saved scenario of another city', () => {
  test('is an error naming both cities, not a silent no-op', async () => {
    await saveScenario({ name: '低保75', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.75 } });
    for (const call of [
      () => F.assist(10900, '低保', '六安', D, '低保75'),
      () => F.settle(50000, '低保', 'luan', 30000, 60000, D, '低保75'),
      () => F.param('六安市', 'assistance.dibao.rate', D, '低保75'),
      () => F.subsidy('低保', '六安', 2022, null, '低保75'),
    ]) {
      const e = await excelErrorOf(call);
      expect(e.code).toBe('#VALUE!');
      expect(e.message).toMatch(/^情景“低保75”是为临沂市设的，本公式的城市是六安市/);
      expect(chineseFirst(e.message)).toBe(true);
    }
    // A scenario for no city in particular applies anywhere.
    await saveScenario({ name: 'all', overrides: { 'assistance.dibao.rate': 0.75 } });
    expect(await F.assist(10900, '低保', '临沂', D, 'all')).toBe(8175);
  });
});
