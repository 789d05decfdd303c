// Which path `yibao settle` takes: the bulk path for every option but --explain, whatever the ledger's
// names and header; the decimal path for --explain and for a ledger the engine cannot partition (an
// id over 4,096 bytes). The files are the decimal path's either way (settleLedger + engine/output.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultBook, csvLedgerRows, settleLedger, resultsTable, nhsaResultsTable, rejectedTable, toCsv, summaryText } from '../../engine';
import { runSettle } from '../../cli/settle';
import { bulkRuns } from '../../cli/bulk';
import { generateLedger } from '../oracle/gen-ledger';
import { exportOf } from '../nhsa/forms';

const book = defaultBook();
let dir: string;
beforeAll(() => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-paths-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const quiet = () => {
  let s = '';
  return { write: (x: string) => ((s += x), true), text: () => s } as unknown as NodeJS.WritableStream & { text(): string };
};

async function settle(name: string, text: string, explain = false) {
  const input = path.join(dir, `${name}.csv`);
  fs.writeFileSync(input, text);
  const out = path.join(dir, name, 'r.csv');
  const before = { ...bulkRuns };
  const err = quiet();
  const code = await runSettle(book, { input, out, explain }, quiet(), err);
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined);
  return { code, bulk: bulkRuns.memory + bulkRuns.partitioned - before.memory - before.partitioned, results: read(out), rejected: read(`${out}.rejected.csv`), stderr: err.text() };
}

test.each([
  ['after blank lines', (t: string) => '\n\r\n\n' + t],
  ['after 2 MB of blank lines', (t: string) => '\n'.repeat(2 << 20) + t],
  ['with a quoted line break in a heading', (t: string) => t.replace(/^setl_id,psn_no/, 'setl_id,"psn_no\n"')],
])('an export\'s header %s: the bulk path, the results under the platform\'s names', async (name, form) => {
  const text = form(exportOf(3, 300, { cityColumn: true, categoryHeader: 'category' }));
  const want = settleLedger(book, csvLedgerRows(text).rows);
  expect(want.summary.settled).toBeGreaterThan(200);
  const got = await settle(name.replace(/\W+/g, '-'), text);
  expect(got.bulk).toBe(1);
  expect(got.results).toBe(toCsv(nhsaResultsTable(want)));
  expect(got.rejected).toBe(toCsv(rejectedTable(want, 'nhsa')));
  expect(got.stderr).toContain(summaryText(want));
});

test('a claim_id over 4,096 bytes: the engine cannot partition the ledger, the decimal path settles it', async () => {
  const [head, first, ...rest] = generateLedger(5, 200).trimEnd().split('\n');
  const long = first.replace(/^[^,]*/, 'C' + 'x'.repeat(5000));
  const text = [head, first, long, ...rest].join('\n') + '\n';
  const want = settleLedger(book, csvLedgerRows(text).rows);
  expect(want.results.some((r) => r.claim_id.length > 4096)).toBe(true);
  const got = await settle('long-id', text);
  expect(got.bulk).toBe(0);
  expect(got.results).toBe(toCsv(resultsTable(want)));
  expect(got.stderr).toContain(summaryText(want));
});

test('--explain: the decimal path, with the explanation column', async () => {
  const text = generateLedger(6, 100);
  const got = await settle('explain', text, true);
  expect(got.bulk).toBe(0);
  expect(got.results).toBe(toCsv(resultsTable(settleLedger(book, csvLedgerRows(text).rows), true)));
});
