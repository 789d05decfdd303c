// NDJSON bodies on the columnar ledger (BulkLedger with body 'ndjson', engine/ledger/ndjson.ts): the
// same results, rejected rows (line numbers and reasons) and summary as the row path (functions/body.ts
// ndjsonRows + settleLedger), on generated ledgers written as NDJSON with broken, blank and awkward
// lines, pushed in pieces cut anywhere (inside a line, inside a character); in memory and in partitions.
import { defaultBook, settleLedger, resultsTable, rejectedTable, toCsv, summaryText, type LedgerRow } from '../../engine';
import { BulkLedger } from '../../engine/ledger/bulk';
import { ndjsonRows } from '../../functions/body';
import { generateLedger } from '../oracle/gen-ledger';
import { ndjsonOf } from './forms';
import { withBadRows, viaPartitions } from '../bulk/ledgers';

const book = defaultBook();
const dec = new TextDecoder();

async function* once(text: string) {
  yield text;
}

async function viaRows(text: string) {
  const rows: LedgerRow[] = [];
  for await (const r of ndjsonRows(once(text))) rows.push(r);
  const outcome = settleLedger(book, rows);
  return { results: toCsv(resultsTable(outcome)), rejected: toCsv(rejectedTable(outcome)), summary: summaryText(outcome) };
}

async function viaColumns(text: string, piece = 7) {
  const ledger = new BulkLedger(book, { body: 'ndjson' });
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += piece) ledger.push(bytes.subarray(i, i + piece));
  ledger.end();
  const parts: string[] = [];
  ledger.writeResults((b) => parts.push(dec.decode(b)), 4096);
  const outcome = ledger.outcome();
  return { results: parts.join(''), rejected: toCsv(rejectedTable(outcome)), summary: summaryText(outcome) };
}

describe('NDJSON on the columnar ledger equals ndjsonRows + settleLedger', () => {
  test.each([1, 2, 3])('generated ledger %i with bad rows and bad lines', async (seed) => {
    const text = ndjsonOf(withBadRows(generateLedger(seed, 2000), seed), seed);
    const want = await viaRows(text);
    expect(want.rejected).toMatch(/不是有效的 JSON/);
    expect(want.rejected).toMatch(/须为 JSON 对象/);
    expect(want.rejected).toMatch(/须为文本或数字/);
    expect(want.rejected).toMatch(/重复/);
    expect(want.results.split('\n').length).toBeGreaterThan(1000);
    const got = await viaColumns(text, 1 + seed * 5);
    expect(got.results).toBe(want.results);
    expect(got.rejected).toBe(want.rejected);
    expect(got.summary).toBe(want.summary);
    const parts = await viaPartitions(text, 3, 4093, { input: { body: 'ndjson' } });
    expect(parts.results).toBe(want.results);
    expect(parts.rejected).toBe(want.rejected);
    expect(parts.summary).toBe(want.summary);
  });

  test('a character cut between pieces and CRLF line ends are read whole', async () => {
    const row = (id: string) => JSON.stringify({ claim_id: id, person_id: '张三', category: '低保对象', city: '临沂', date: '2023-05-01', kind: 'inpatient', total: '5000', compliant: '4000' });
    const text = `${row('甲1')}\r\n\r\n${row('甲2')}\r\n`;
    const want = await viaRows(text);
    expect(want.results.split('\n').filter(Boolean)).toHaveLength(3);
    for (const piece of [1, 2, 3, 5]) expect(await viaColumns(text, piece)).toEqual(want);
  });

  test('only blank lines: an empty ledger; only bad lines: every one rejected', async () => {
    await expect(viaColumns('\n  \n\n')).rejects.toThrow(/输入文件为空/);
    const bad = '{"claim_id": 1\n[]\n\n{"claim_id": "C1", "total": [1]}\n';
    expect(await viaColumns(bad)).toEqual(await viaRows(bad));
  });
});
