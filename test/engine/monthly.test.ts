// Spec 10.6: Xixiu's monthly warning list, beside the per-claim flag. Figures by hand: with compliant
// 0 nothing is paid, so a claim's oop_total is its total.
import { settleCsv } from '../helpers';

const CLAIMS = [
  // p1 ordinary (line 10,000): 6,000 + 6,000 = 12,000 in March, no single claim over the line; April alone 6,000
  'a,p1,ordinary,xixiu,2023-03-05,inpatient,,6000,0,',
  'b,p1,ordinary,xixiu,2023-03-20,inpatient,,6000,0,',
  'c,p1,ordinary,xixiu,2023-04-01,inpatient,,6000,0,',
  // p2 dibao (low-income line 4,000): 2,500 + 2,000 = 4,500 in May
  'd,p2,dibao,xixiu,2023-05-01,inpatient,,2500,0,',
  'e,p2,dibao,xixiu,2023-05-31,chronic_outpatient,,2000,0,',
  // p3 dibao: 2,000 + 2,000 = 4,000, not above the line
  'f,p3,dibao,xixiu,2023-05-01,inpatient,,2000,0,',
  'g,p3,dibao,xixiu,2023-05-02,inpatient,,2000,0,',
  // Linyi publishes no warning line: never listed
  'h,p4,ordinary,linyi,2023-05-02,inpatient,,90000,0,',
].join('\n');

test('a person-month over the line is listed, even when no claim is; the per-claim flag stays as it is', () => {
  const o = settleCsv(CLAIMS);
  expect(o.results.map((r) => r.warning)).toEqual([false, false, false, false, false, false, false, null]);
  expect(o.monthlyWarnings).toEqual([
    { city: 'xixiu', person_id: 'p1', month: '2023-03', oop_total: '12000.00', line: '10000.00', claims: 2 },
    { city: 'xixiu', person_id: 'p2', month: '2023-05', oop_total: '4500.00', line: '4000.00', claims: 2 },
  ]);
});

test('the same person in the same month of two years, or in two cities, are separate person-months', () => {
  const o = settleCsv(['a,p1,ordinary,xixiu,2023-03-05,inpatient,,6000,0,', 'b,p1,ordinary,xixiu,2024-03-05,inpatient,,6000,0,'].join('\n'));
  expect(o.monthlyWarnings).toEqual([]);
});
