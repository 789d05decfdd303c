// Fuzzing the readers users feed (issue 6): whatever arrives, no crash, no hang, every row accounted for.
import fc from 'fast-check';
import { readCsv, csvLine, csvLedgerRows, settleLedger, defaultBook, parseScenario, scenarioFrom, YibaoError } from '../../engine';
import { HEADER } from '../helpers';

const book = defaultBook();
const csvChars = fc.constantFrom('a', '1', '.', ',', '"', '\n', '\r', ' ', '低', '保', '\ufeff', '-', '=', '０');
const csvText = fc.array(csvChars, { maxLength: 400 }).map((cs) => cs.join(''));

test('readCsv terminates on any text and every character lands in some record', () => {
  fc.assert(
    fc.property(csvText, (text) => {
      const records = [...readCsv(text)];
      // line numbers never go backwards
      for (let i = 1; i < records.length; i++) expect(records[i].line).toBeGreaterThanOrEqual(records[i - 1].line);
      const cellChars = records.reduce((n, r) => n + r.cells.join('').length, 0);
      expect(cellChars).toBeLessThanOrEqual(text.length);
    }),
    { numRuns: 2000 },
  );
});

test('csvLine then readCsv gives back the same cells', () => {
  const cell = fc.string({ maxLength: 20 }).filter((s) => !/^[=+\-@]/.test(s));
  fc.assert(
    fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 10 }), (rows) => {
      const text = rows.map((r) => csvLine(r)).join('');
      expect([...readCsv(text)].map((r) => r.cells)).toEqual(rows);
    }),
    { numRuns: 1000 },
  );
});

test('cells that a spreadsheet would run as a formula are neutralised on output', () => {
  expect(csvLine(['=HYPERLINK("http://x")', '+1', '-2.5', '@a'])).toBe(`"'=HYPERLINK(""http://x"")",'+1,-2.5,'@a\n`);
});

test('a ledger of random rows: no crash, read = settled + rejected, only YibaoErrors', () => {
  const field = fc.oneof(fc.constantFrom('', 'dibao', '低保', '2', 'linyi', '临沂', '2023-05-01', '2023-02-30', 'inpatient', 'special_drug', '100', '1e3', '-0', 'NaN', '１２３', '0.005', '"', ','), fc.string({ maxLength: 8 }));
  const row = fc.array(field, { minLength: 8, maxLength: 11 }).map((cells) => cells.join(','));
  fc.assert(
    fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
      const outcome = settleLedger(book, csvLedgerRows([HEADER, ...rows].join('\n')).rows);
      expect(outcome.summary.read).toBe(outcome.summary.settled + outcome.summary.rejected);
      for (const r of outcome.rejections) expect(r.line).toBeGreaterThan(1);
    }),
    { numRuns: 500 },
  );
});

test('the scenario parser: any JSON is a scenario or a YibaoError, and nothing reaches Object.prototype', () => {
  const names = fc.constantFrom('assistance.dibao.rate', 'critical.deductible', 'critical.segments', 'critical.tilt.categories', 'subsidy.dibao.amount', '__proto__', 'constructor', 'prototype', 'x', 'assistance.__proto__.rate');
  const scenario = fc.record({ name: fc.option(fc.string(), { nil: undefined }), city: fc.option(fc.constantFrom('linyi', '六安', 'x', ''), { nil: undefined }), overrides: fc.dictionary(names, fc.jsonValue()) });
  fc.assert(
    fc.property(fc.oneof(scenario, fc.jsonValue()), (value) => {
      const text = JSON.stringify(value);
      try {
        const s = parseScenario(book, text);
        expect(s.overrides).toBeInstanceOf(Map);
      } catch (e) {
        expect(e).toBeInstanceOf(YibaoError);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }),
    { numRuns: 1000 },
  );
  // a literal __proto__ key in the text is refused, even where JSON.parse would make it an own property
  expect(() => parseScenario(book, '{"overrides": {}, "__proto__": {"polluted": 1}}')).toThrow(/__proto__/);
  expect(() => scenarioFrom(book, JSON.parse('{"overrides": {"__proto__": 1}}'))).toThrow(YibaoError);
});

test('an ID number in the wrong column is never quoted back unmasked', () => {
  const id = '110105194912310025';
  const o = settleLedger(book, csvLedgerRows(`${HEADER}\nc1,p1,${id},linyi,2023-05-01,inpatient,,1,1,\nc2,p1,dibao,linyi,${id},inpatient,,1,1,\nc3,p1,dibao,${id},2023-05-01,inpatient,,1,1,`).rows);
  expect(o.rejections).toHaveLength(3);
  for (const r of o.rejections) {
    expect(JSON.stringify(r)).not.toContain(id);
    expect(r.reason.zh).toContain('110105********0025');
  }
});
