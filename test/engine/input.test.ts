// Bad input: every row ends settled or rejected with its line number and a reason in Chinese and English.
import { settleCsv, HEADER } from '../helpers';
import { csvLedgerRows, defaultBook, resolveCity, resolveCategory, YibaoError } from '../../engine';

const good = 'ok,p0,dibao,linyi,2023-05-01,inpatient,county,100,100,';

function rejectionOf(row: string) {
  const o = settleCsv(`${good}\n${row}`);
  expect(o.summary.read).toBe(2);
  expect(o.summary.settled + o.summary.rejected).toBe(2);
  expect(o.rejections).toHaveLength(1);
  expect(o.rejections[0].line).toBe(3); // header is line 1
  return o.rejections[0].reason;
}

describe('rejected rows name the problem', () => {
  test.each([
    ['unknown city', 'x,p1,dibao,北京,2023-05-01,inpatient,,100,100,', '未知城市'],
    ['unknown category lists the valid ones', 'x,p1,贫困户,linyi,2023-05-01,inpatient,,100,100,', '低保对象(dibao, 2)'],
    ['a category the city does not define', 'x,p1,on_application,linyi,2023-05-01,inpatient,,100,100,', '临沂市没有类别'],
    ["Linyi's monitored must say which of 5, 6, 7", 'x,p1,监测人口,linyi,2023-05-01,inpatient,,100,100,', '5 脱贫不稳定户'],
    ['MAMS numbers outside Linyi/Luan rules', 'x,p1,2,xixiu,2023-05-01,inpatient,,100,100,', '不接受类别编号'],
    ['missing amount', 'x,p1,dibao,linyi,2023-05-01,inpatient,,,100,', 'total 医疗总费用 为空'],
    ['negative amount', 'x,p1,dibao,linyi,2023-05-01,inpatient,,-5,0,', '不是有效金额'],
    ['non-numeric amount', 'x,p1,dibao,linyi,2023-05-01,inpatient,,abc,0,', '不是有效金额'],
    ['thousands separator', 'x,p1,dibao,linyi,2023-05-01,inpatient,,"1,234.50",0,', '不是有效金额'],
    ['exponent', 'x,p1,dibao,linyi,2023-05-01,inpatient,,1e3,0,', '不是有效金额'],
    ['above 100,000,000', 'x,p1,dibao,linyi,2023-05-01,inpatient,,100000000.01,0,', '超过上限'],
    ['compliant > total', 'x,p1,dibao,linyi,2023-05-01,inpatient,,100,100.01,', '大于医疗总费用'],
    ['basic_paid > compliant', 'x,p1,dibao,linyi,2023-05-01,inpatient,,100,50,50.01', '大于合规费用'],
    ['bad date', 'x,p1,dibao,linyi,2023/3/1,inpatient,,100,100,', '日期'],
    ['impossible date', 'x,p1,dibao,linyi,2023-02-29,inpatient,,100,100,', '日期'],
    ['before the policy starts', 'x,p1,dibao,linyi,2021-12-31,inpatient,,100,100,', '早于临沂市政策施行日 2022-01-01'],
    ['unknown kind', 'x,p1,dibao,linyi,2023-05-01,门诊,,100,100,', '就医类别'],
    ['special drugs outside Linyi', 'x,p1,dibao,luan,2023-05-01,special_drug,,100,100,', '没有大病特药'],
    ['bad hospital level', 'x,p1,dibao,linyi,2023-05-01,inpatient,村,100,100,', '医院级别'],
    ['empty claim_id', ',p1,dibao,linyi,2023-05-01,inpatient,,100,100,', 'claim_id 为空'],
    ['empty person_id', 'x,,dibao,linyi,2023-05-01,inpatient,,100,100,', 'person_id 为空'],
    ['too few cells', 'x,p1,dibao,linyi,2023-05-01,inpatient,,100', '字段'],
    ['too many cells (wrong delimiter inside)', 'x,p1,dibao,linyi,2023-05-01,inpatient,,100,100,,extra', '字段'],
    ['duplicate claim_id: the first row stands', 'ok,p1,dibao,linyi,2023-05-01,inpatient,,100,100,', '重复'],
  ])('%s', (_name, row, zh) => {
    const reason = rejectionOf(row);
    expect(reason.zh).toContain(zh);
    expect(reason.en.length).toBeGreaterThan(5);
  });

  test('the same claim_id rejected later even when the first row was itself rejected', () => {
    const o = settleCsv(['d1,p1,dibao,linyi,2023-05-01,inpatient,,abc,1,', 'd1,p1,dibao,linyi,2023-05-01,inpatient,,100,100,'].join('\n'));
    expect(o.rejections.map((r) => r.line)).toEqual([2, 3]);
    expect(o.rejections[1].reason.zh).toContain('重复');
  });

  test('an unterminated quote rejects the rest of the file as one row, never silently', () => {
    const o = settleCsv(`${good}\nq1,p1,"dibao,linyi,2023-05-01,inpatient,,100,100,\nq2,p2,dibao,linyi,2023-05-01,inpatient,,100,100,`);
    expect(o.summary.settled).toBe(1);
    expect(o.rejections).toHaveLength(1);
    expect(o.rejections[0].reason.zh).toContain('引号');
  });
});

describe('what the files look like', () => {
  test('UTF-8 BOM, CRLF line ends, quoted fields with commas and line breaks, extra columns ignored', () => {
    const text = `\ufeff${HEADER},remark\r\n"c,1",p1,"低保",临沂,2023-05-01,住院,县,60000,50000,30000,"two\r\nlines"\r\n`;
    const o = settleCsv(text);
    expect(o.rejections).toEqual([]);
    expect(o.results[0].claim_id).toBe('c,1');
    expect(o.results[0].assistance.toFixed(2)).toBe('7630.00');
  });

  test('line numbers count physical lines, so a quoted line break moves the next row down', () => {
    const o = settleCsv(`${HEADER}\n"a",p1,dibao,linyi,2023-05-01,inpatient,"县\n",x,1,\nb,p1,dibao,linyi,2023-05-01,inpatient,,x,1,`);
    expect(o.rejections.map((r) => r.line)).toEqual([2, 4]);
  });

  test('missing required columns stop the run with a message naming them', () => {
    expect(() => csvLedgerRows('claim_id,person_id,city,date,kind,total\n1,2,3,4,5,6')).toThrow(/缺少必需的列：category, compliant/);
  });

  test('full-width digits and spaces in names are accepted; nothing is guessed', () => {
    const book = defaultBook();
    const linyi = resolveCity(book, ' 临沂 ');
    expect(resolveCity(book, '３７１３００').id).toBe('linyi');
    expect(resolveCity(book, '西秀').id).toBe('xixiu');
    expect(resolveCity(book, 'LUAN').id).toBe('luan');
    expect(resolveCategory(book, linyi, '２')).toBe('dibao');
    expect(resolveCategory(book, linyi, ' 最低生活保障对象 ')).toBe('dibao');
    expect(resolveCategory(book, resolveCity(book, '六安市'), '边缘易致贫户')).toBe('monitored');
    expect(() => resolveCategory(book, linyi, '低')).toThrow(YibaoError);
    expect(() => resolveCity(book, '临')).toThrow(/未知城市/);
  });
});
