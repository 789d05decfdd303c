// One tier alone on an amount (Excel's ASSIST, CRITICAL, REASSIST) runs the same plan step as a whole
// claim does, with its notes.
import { defaultBook, settleOne, tierOn } from '../../engine';

const book = defaultBook();

test('critical alone on an amount equals the critical tier of a claim whose basic insurance paid nothing', () => {
  for (const [category, amount] of [['dibao', '50000'], ['ordinary', '123456.78'], ['extremely_poor', '7000']] as const) {
    const alone = tierOn('critical', amount, category, 'linyi', '2023-06-01', undefined, book);
    const claim = settleOne({ compliant: amount, basic_paid: 0, category, city: 'linyi', date: '2023-06-01' }, undefined, book);
    expect(alone.paid.toFixed(2)).toBe(claim.critical.toFixed(2));
    expect(alone.params.map((p) => p.name)).toEqual(claim.steps[1].params.map((p) => p.name));
  }
});

test('assistance alone: the plan\'s notes where a category receives none or waits for its rules', () => {
  const none = tierOn('assistance', '1000', 'ordinary', 'linyi', '2023-06-01', undefined, book);
  expect(none.paid.toFixed(2)).toBe('0.00');
  expect(none.note).toBe('此类别不享受医疗救助 (this category receives no medical assistance)');
  const pending = tierOn('assistance', '1000', 'expenditure_hardship', 'linyi', '2023-06-01', undefined, book);
  expect(pending.paid.toFixed(2)).toBe('0.00');
  expect(pending.note).toMatch(/^此类别医疗救助政策“另行制定”，暂按0计算/);
  expect(pending.params.map((p) => p.name)).toEqual(['assistance.expenditure_hardship.pending']);
});

test('a claim kind the category\'s plan has no chain for is refused, naming the kind', () => {
  expect(() => settleOne({ compliant: 100, category: 'dibao', city: 'luan', date: '2023-06-01', kind: 'special_drug' }, undefined, book)).toThrow('六安市没有大病特药（special_drug）政策');
});
