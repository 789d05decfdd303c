// The table of persons a budget counts on (engine/budget/persons.ts): grown from the smallest size,
// and widened when an id that is not Latin-1 comes after many that are, it finds exactly what a Map
// finds; and a budget counted on a table forced to grow equals one sized right.
import { PersonTable } from '../../engine/budget/persons';
import { defaultBook, budgetRoster, budgetDocument } from '../../engine';

test('PersonTable against a Map: 300,000 look-ups, growing from 1, Chinese ids after 100,000 ASCII ones', () => {
  const t = new PersonTable(1);
  const seen = new Map<string, number>();
  let wrong = 0;
  for (let i = 0; i < 300_000; i++) {
    const id = i > 100_000 && i % 5 === 0 ? `张${i % 3000}` : `P${(i * 7919) % 120_000}`;
    const s = t.findOrInsert(id);
    const k = seen.get(id);
    if (k === undefined) {
      if (s !== -1) wrong++;
      seen.set(id, t.last);
    } else if (s !== k) wrong++;
  }
  expect(wrong).toBe(0);
  expect(t.size).toBe(seen.size);
  for (const [id, n] of seen) if (t.idOf(n) !== id) wrong++;
  expect(wrong).toBe(0);
});

test('a budget on a table forced to grow equals the same budget sized right, duplicates across the whole file', () => {
  const book = defaultBook();
  const lines = ['person_id,city,county,category'];
  for (let i = 0; i < 20_000; i++) lines.push(`${i >= 10_000 && i % 50 === 49 ? `P${i - 10_001}` : `P${i}`},${['linyi', 'luan', 'xixiu'][i % 3]},,${['dibao', 'extremely_poor'][i % 2]}`);
  const text = lines.join('\n') + '\n';
  const small = budgetDocument(budgetRoster(book, text, { year: 2024, sizeHint: 1, maxDuplicateReports: Infinity }));
  const right = budgetDocument(budgetRoster(book, text, { year: 2024, sizeHint: 20_000, maxDuplicateReports: Infinity }));
  expect(small).toEqual(right);
  // in the second half every 50th row (10,049 … 19,999: 200 rows) repeats a person 10,001 rows earlier
  expect(small.duplicate_rows).toBe(200);
  expect(small.persons).toBe(19_800);
});
