// Exports of the national medical-insurance information platform (国家医保信息平台), issue 8.
// The expectations come from the same claims under the spec's own names (fixtures/make.py writes both
// files by hand-written mapping), from spec section 9 worked by hand, and from the platform's rules.
import * as fs from 'node:fs';
import * as path from 'node:path';
import DecimalJs from 'decimal.js';
import {
  defaultBook, csvLedgerRows, tableLedgerRows, settleLedger, resultsTable, nhsaResultsTable, readCsv,
  dateOfSetlTime, kindOfMedType, maskCertno, YibaoError, type LedgerOutcome,
} from '../../engine';
import { amounts, byId } from '../helpers';

const FIX = path.join(__dirname, 'fixtures');
const exportCsv = fs.readFileSync(path.join(FIX, 'export.csv'), 'utf8');
const specCsv = fs.readFileSync(path.join(FIX, 'spec.csv'), 'utf8');
const book = defaultBook();

function settle(text: string, opts = {}): LedgerOutcome & { convention: string } {
  const t = csvLedgerRows(text, opts);
  return { ...settleLedger(book, t.rows), convention: t.convention };
}

/** The certno column of the export fixture, read with a plain split (no engine code). */
const certnos = [...new Set(exportCsv.trim().split('\n').slice(1).map((l) => l.split(',')[2]))];

const NHSA_HEAD = 'setl_id,psn_no,certno,category,city,med_type,setl_time,medfee_sumamt,inscp_scp_amt,hifp_pay';

describe('an export-shaped ledger settles exactly as the same claims under the spec names', () => {
  const nhsa = settle(exportCsv);
  const spec = settle(specCsv);

  test('the fixture is what the issue asks for', () => {
    expect(nhsa.summary.read).toBeGreaterThanOrEqual(20);
    const rows = exportCsv.trim().split('\n').slice(1).map((l) => l.split(','));
    const perPerson = new Map<string, number>();
    for (const r of rows) perPerson.set(r[1], (perPerson.get(r[1]) ?? 0) + 1);
    expect([...perPerson.values()].every((n) => n >= 2)).toBe(true);
    expect(new Set(nhsa.results.map((r) => r.city))).toEqual(new Set(['linyi', 'luan', 'xixiu']));
    expect(certnos.length).toBe(perPerson.size);
  });

  test('conventions are recognised from the header', () => {
    expect(nhsa.convention).toBe('nhsa');
    expect(spec.convention).toBe('spec');
  });

  test('every claim, every amount, in the same order', () => {
    expect(nhsa.summary.rejected).toBe(0);
    expect(spec.summary.rejected).toBe(0);
    expect(nhsa.results.map((r) => r.claim_id)).toEqual(spec.results.map((r) => r.claim_id));
    const s = byId(spec);
    for (const r of nhsa.results) {
      const t = s.get(r.claim_id)!;
      expect({ id: r.claim_id, ...amounts(r), warning: r.warning, kind: r.kind, date: r.date, city: r.city, category: r.category })
        .toEqual({ id: t.claim_id, ...amounts(t), warning: t.warning, kind: t.kind, date: t.date, city: t.city, category: t.category });
    }
    for (const k of Object.keys(spec.summary.totals) as (keyof typeof spec.summary.totals)[]) {
      expect(nhsa.summary.totals[k].toFixed(2)).toBe(spec.summary.totals[k].toFixed(2));
    }
  });

  test('the date part of setl_time orders a person’s claims (March chronic before May stay)', () => {
    const r = byId(nhsa);
    expect(r.get('S2023000002')!.date).toBe('2023-03-14');
    expect(r.get('S2023000001')!.date).toBe('2023-05-01');
    // The March claim's oop1 (3,000.25 − 1,800.15 = 1,200.10) counts toward the May stay's critical base.
    const alone = settle(`${NHSA_HEAD}\nS1,P1,,低保对象,临沂,21,2023-05-01 10:22:33,60000,50000,30000\n`);
    expect(r.get('S2023000001')!.critical.gt(alone.results[0].critical)).toBe(true);
  });

  test('med_type codes become the spec kinds', () => {
    const r = byId(nhsa);
    expect(r.get('S2023000002')!.kind).toBe('chronic_outpatient'); // 14
    expect(r.get('S2023000005')!.kind).toBe('chronic_outpatient'); // 140104
    expect(r.get('S2023000015')!.kind).toBe('chronic_outpatient'); // 140201
    for (const id of ['S2023000001', 'S2023000003', 'S2023000007', 'S2023000006', 'S2023000017', 'S2023000010', 'S2023000013', 'S2023000021']) {
      expect(r.get(id)!.kind).toBe('inpatient'); // 21, 22, 23, 24, 25, 26, 28, 52
    }
  });
});

describe('spec section 9 as an export, worked by hand', () => {
  // dibao, Linyi, inpatient, total 60,000, compliant 50,000, basic 30,000: oop1 20,000;
  // critical (tilt: deductible 6,000, 65%) 14,000 × 0.65 = 9,100; oop2 10,900; assistance 70% = 7,630;
  // oop3 3,270 < 5,000 so re-assistance 0; oop_total 60,000 − 30,000 − 9,100 − 7,630 = 13,270.
  const o = settle(`${NHSA_HEAD}\nS9,P9,,dibao,linyi,21,2023-05-01 10:22:33,60000,50000,30000\n`);
  test('the spec columns', () => {
    expect(amounts(o.results[0])).toEqual({ basic: '30000.00', critical: '9100.00', assistance: '7630.00', reassist: '0.00', oop_compliant: '3270.00', oop_total: '13270.00' });
  });
  test('the platform columns', () => {
    const t = nhsaResultsTable(o);
    expect(t[0]).toEqual(['setl_id', 'hifp_pay', 'hifmi_pay', 'maf_pay', 'maf_assist_pay', 'maf_reassist_pay', 'fund_pay_sumamt', 'psn_part_amt', 'warning', 'notes']);
    // fund = 30,000 + 9,100 + 7,630 + 0 = 46,730; the person bears 13,270.
    expect(t[1].slice(0, 8)).toEqual(['S9', '30000.00', '9100.00', '7630.00', '7630.00', '0.00', '46730.00', '13270.00']);
  });
});

describe('the nhsa output columns are the spec output columns they derive from', () => {
  const o = settle(exportCsv);
  const spec = resultsTable(o);
  const nhsa = nhsaResultsTable(o);
  const col = (t: string[][], name: string) => t.slice(1).map((r) => r[t[0].indexOf(name)]);
  const D = (s: string) => new DecimalJs(s);

  test('one row per result, joinable by setl_id', () => {
    expect(nhsa.length).toBe(spec.length);
    expect(col(nhsa, 'setl_id')).toEqual(col(spec, 'claim_id'));
  });
  test('hifp_pay = basic, hifmi_pay = critical, psn_part_amt = oop_total, the two maf parts as they are', () => {
    expect(col(nhsa, 'hifp_pay')).toEqual(col(spec, 'basic'));
    expect(col(nhsa, 'hifmi_pay')).toEqual(col(spec, 'critical'));
    expect(col(nhsa, 'maf_assist_pay')).toEqual(col(spec, 'assistance'));
    expect(col(nhsa, 'maf_reassist_pay')).toEqual(col(spec, 'reassist'));
    expect(col(nhsa, 'psn_part_amt')).toEqual(col(spec, 'oop_total'));
    expect(col(nhsa, 'warning')).toEqual(col(spec, 'warning'));
    expect(col(nhsa, 'notes')).toEqual(col(spec, 'notes'));
  });
  test('maf_pay = assistance + reassist; fund_pay_sumamt = basic + critical + assistance + reassist', () => {
    const a = col(spec, 'assistance'), re = col(spec, 'reassist'), b = col(spec, 'basic'), c = col(spec, 'critical'), tot = col(spec, 'oop_total');
    col(nhsa, 'maf_pay').forEach((v, i) => expect(v).toBe(D(a[i]).plus(re[i]).toFixed(2)));
    col(nhsa, 'fund_pay_sumamt').forEach((v, i) => expect(v).toBe(D(b[i]).plus(c[i]).plus(a[i]).plus(re[i]).toFixed(2)));
    expect(re.some((x) => x !== '0.00')).toBe(true); // the fixture exercises re-assistance
    // and the platform's identity: fund + person = the medical total of the claim
    const totals = new Map(exportCsv.trim().split('\n').slice(1).map((l) => l.split(',')).map((r) => [r[0], r[7]]));
    col(nhsa, 'fund_pay_sumamt').forEach((v, i) => expect(D(v).plus(tot[i]).toFixed(2)).toBe(D(totals.get(col(nhsa, 'setl_id')[i])!).toFixed(2)));
  });
});

describe('a mixed header is refused, saying which convention was expected', () => {
  test('mostly platform names with spec total/compliant', () => {
    const f = () => csvLedgerRows('setl_id,psn_no,setl_time,med_type,total,compliant,category,city\n');
    expect(f).toThrow(YibaoError);
    expect(f).toThrow(/表头混用了两种列名：应使用国家医保信息平台的列名/);
    expect(f).toThrow(/expected the national platform's names/);
    expect(f).toThrow(/total（应为 should be medfee_sumamt 医疗费总额）/);
    expect(f).toThrow(/compliant（应为 should be inscp_scp_amt 符合政策范围金额）/);
  });
  test('mostly spec names with one platform name', () => {
    const f = () => csvLedgerRows('claim_id,person_id,category,city,date,kind,total,compliant,hifp_pay\n');
    expect(f).toThrow(/应使用本规范的列名/);
    expect(f).toThrow(/expected the spec's names/);
    expect(f).toThrow(/hifp_pay（应为 should be basic_paid）/);
  });
  test('the same through tableLedgerRows, as Excel and HTTP call it (two arguments)', () => {
    expect(() => tableLedgerRows(['setl_id', 'person_id', 'setl_time', 'med_type', 'medfee_sumamt', 'inscp_scp_amt', 'category', 'city'], [])).toThrow(/person_id（应为 should be psn_no 人员编号）/);
  });
});

describe('rows the platform names but this product does not settle', () => {
  function rejected(medType: string) {
    const o = settle(`${NHSA_HEAD}\nOK1,P1,,dibao,linyi,21,2023-05-01,100,100,\nS-${medType},P1,,dibao,linyi,${medType},2023-05-02 08:00:00,100,100,\n`);
    expect(o.summary.settled).toBe(1);
    expect(o.rejections).toHaveLength(1);
    expect(o.rejections[0].line).toBe(3);
    expect(o.rejections[0].claim_id).toBe(`S-${medType}`);
    return o.rejections[0].reason;
  }
  test.each(['9903', '1401', '99', 'X1', '021'])('unknown med_type %s is a rejected row naming the code', (code) => {
    const r = rejected(code);
    expect(r.zh).toContain(`“${code}”`);
    expect(r.en).toContain(`"${code}"`);
  });
  test.each([['11', '普通门诊'], ['12', '门诊挂号'], ['13', '急诊'], ['41', '定点药店购药'], ['51', '生育门诊']])('med_type %s (%s) is not a claim of this product', (code, zh) => {
    const r = rejected(code);
    expect(r.zh).toContain(`${code}（${zh}）`);
    expect(r.zh).toContain('只结算住院和门诊慢特病');
  });
  test('an empty med_type is rejected, not defaulted', () => {
    expect(rejected('').zh).toContain('医疗类别');
  });
});

describe('setl_time', () => {
  test.each([
    ['2023-05-01', '2023-05-01'],
    ['2023-05-01 10:22:33', '2023-05-01'],
    ['2023-05-01T10:22:33', '2023-05-01'],
    ['2023-05-01 10:22', '2023-05-01'],
    ['2023-05-01 23:59:59.123', '2023-05-01'],
    [' 2024-02-29 00:00:00 ', '2024-02-29'],
  ])('%s → %s', (text, date) => {
    expect(dateOfSetlTime(text)).toBe(date);
  });
  test.each([
    '2023-02-29 10:00:00', '2023-05-01 24:00:00', '2023-05-01 10:60:00', '2023-05-01 10:22:61', '2023/05/01 10:22:33',
    '20230501102233', '2023-05-01T10:22:33Z', '2023-05-01T10:22:33+08:00', '2023-5-1', '', '2023-05-01  10:22:33',
  ])('%p is a rejected row', (text) => {
    expect(() => dateOfSetlTime(text)).toThrow(/setl_time/);
    const o = settle(`${NHSA_HEAD}\nS1,P1,,dibao,linyi,21,${text},100,100,\n`);
    expect(o.summary.rejected).toBe(1);
    expect(o.rejections[0]).toMatchObject({ line: 2, claim_id: 'S1' });
    expect(o.rejections[0].reason.zh).toContain('结算时间 setl_time');
  });
});

describe('category and city come from their own columns or from options, never guessed', () => {
  const head = 'setl_id,psn_no,med_type,setl_time,medfee_sumamt,inscp_scp_amt,hifp_pay';
  test('no category at all stops the run', () => {
    const f = () => csvLedgerRows(`${head},city\nS1,P1,21,2023-05-01,100,100,\n`);
    expect(f).toThrow(/表中没有救助类别/);
    expect(f).toThrow(/"ordinary" is never assumed/);
  });
  test('a Chinese category header', () => {
    const o = settle(`${head},救助类别,城市\nS1,P1,21,2023-05-01,100,100,,特困人员,临沂\n`);
    expect(o.results[0]).toMatchObject({ category: 'extremely_poor', city: 'linyi' });
  });
  test('--category-column names any column; --city gives the whole file one city', () => {
    const o = settle(`${head},mams\nS1,P1,21,2023-05-01,100,100,,2\n`, { categoryColumn: 'MAMS', city: '临沂' });
    expect(o.results[0]).toMatchObject({ category: 'dibao', city: 'linyi' });
  });
  test('a --category-column that is not there, or two category columns, stop the run', () => {
    expect(() => csvLedgerRows(`${head},city,category\n`, { categoryColumn: 'cat' })).toThrow(/--category-column 指定的列“cat”不在表头中/);
    expect(() => csvLedgerRows(`${head},city,category,mams\n`, { categoryColumn: 'mams' })).toThrow(/类别列有两处/);
    expect(() => csvLedgerRows(`${head},city,category,人员类别\n`)).toThrow(/类别列有多处/);
  });
  test('no city, or a city twice, stops the run', () => {
    expect(() => csvLedgerRows(`${head},category\n`)).toThrow(/表中没有城市/);
    expect(() => csvLedgerRows(`${head},category,city\n`, { city: 'linyi' })).toThrow(/城市给了两处/);
  });
  test('the spec names with --city: a spec file without a city column', () => {
    const o = settle('claim_id,person_id,category,date,kind,total,compliant,basic_paid\na,p,dibao,2023-05-01,inpatient,60000,50000,30000\n', { city: 'linyi' });
    expect(o.convention).toBe('spec');
    expect(amounts(o.results[0]).oop_total).toBe('13270.00');
  });
  test('two arguments and spec names: exactly the old reader (missing columns message unchanged)', () => {
    expect(() => csvLedgerRows('claim_id,person_id,city,date,kind,total\n1,2,3,4,5,6')).toThrow(/缺少必需的列：category, compliant/);
    const t = tableLedgerRows(['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'total', 'compliant', 'extra'], [{ line: 2, cells: ['a', 'p', 'dibao', 'linyi', '2023-05-01', 'inpatient', '1', '1', 'x'] }]);
    expect(t.convention).toBe('spec');
    expect([...t.rows][0].fields).toMatchObject({ claim_id: 'a', extra: 'x' });
  });
  test('an Excel range under the platform names (tableLedgerRows, two arguments)', () => {
    const records = [...readCsv(exportCsv)];
    const t = tableLedgerRows(records[0].cells, records.slice(1));
    expect(t.convention).toBe('nhsa');
    expect(settleLedger(book, t.rows).summary.settled).toBe(records.length - 1);
  });
});

describe('certno checks the person and is never written out unmasked', () => {
  const [a, b] = certnos;
  test('masking keeps the first 6 and last 4', () => {
    expect(maskCertno('371302195803120118')).toBe('371302********0118');
    expect(maskCertno('12345')).toBe('*****');
  });
  test('one person with two ID numbers, one ID number for two persons, a bad check digit: rejected, masked', () => {
    const bad = a.slice(0, 17) + (a[17] === '0' ? '1' : '0');
    const o = settle([
      NHSA_HEAD,
      `S1,P1,${a},dibao,linyi,21,2023-05-01,100,100,`,
      `S2,P1,${b},dibao,linyi,21,2023-05-02,100,100,`,
      `S3,P2,${a},dibao,linyi,21,2023-05-03,100,100,`,
      `S4,P3,${bad},dibao,linyi,21,2023-05-04,100,100,`,
      `S5,P1,${a.toLowerCase()},dibao,linyi,21,2023-05-05,100,100,`,
    ].join('\n'));
    expect(o.results.map((r) => r.claim_id)).toEqual(['S1', 'S5']);
    expect(o.rejections.map((r) => [r.line, r.claim_id])).toEqual([[3, 'S2'], [4, 'S3'], [5, 'S4']]);
    const text = JSON.stringify(o.rejections);
    expect(text).toContain(maskCertno(a));
    expect(text).toContain(maskCertno(b));
    for (const c of [a, b, bad]) expect(text).not.toContain(c);
  });
  test('nowhere in results, rejections, explanations or the summary', () => {
    const o = settle(exportCsv + `S9,P3713001,${b},低保对象,临沂,21,2023-05-01,100,100,\n`);
    expect(o.rejections).toHaveLength(1);
    const everything = JSON.stringify([resultsTable(o, true), nhsaResultsTable(o, true), o.rejections, [...o.results.map((r) => r.notes)]]);
    for (const c of certnos) {
      expect(everything).not.toContain(c);
      expect(everything).not.toContain(c.slice(6, 14)); // not even the birth date in the middle
    }
  });
});

describe('kindOfMedType', () => {
  test('codes and exact names', () => {
    expect(kindOfMedType('21')).toBe('inpatient');
    expect(kindOfMedType('普通住院')).toBe('inpatient');
    expect(kindOfMedType('１４')).toBe('chronic_outpatient'); // full-width digits pasted from other systems
    expect(() => kindOfMedType('住院')).toThrow(/不在可识别的代码表中/);
  });
});
