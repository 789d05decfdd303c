// The monthly run's ledgers on the engine's run (engine/run) in the worker pool: the results and
// rejected blobs byte for byte what `yibao settle --out` writes for the same ledger, the early-warning
// list what the ordinary path wrote (settleLedger's results with a warning), in memory, in partitions
// and on the request's thread; a ledger under the national platform's names too (its files under the
// spec's names, as `yibao settle --format spec` writes them); a ledger the engine cannot partition is
// the item's problem.
import { BlobServiceClient } from '@azure/storage-blob';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultBook, settleLedger, csvLedgerRows, csvLine, fmt, CLAIM_WARNING_COLUMNS } from '../../engine';
import { monthlyRun } from '../../functions/handlers/monthly';
import { unsupportedProblem } from '../../functions/jobs/bulk';
import { setSettleWorkerFile, closeSettleWorkers } from '../../functions/settle-pool';
import { generateLedger } from '../oracle/gen-ledger';
import { withBadRows } from '../bulk/ledgers';
import { exportOf } from '../nhsa/forms';
import { context, startAzurite, ROOT } from './helpers';

const WORKER = path.join(ROOT, 'dist', 'functions', 'settle-worker.js');
const BIN = path.join(ROOT, 'bin/yibao.js');
const ENV = ['YIBAO_SETTLE_WORKERS', 'YIBAO_MEMORY_ROWS', 'YIBAO_PART_ROWS', 'YIBAO_MONTHLY_LEDGERS'];

let azurite: Awaited<ReturnType<typeof startAzurite>>;
let service: BlobServiceClient;
let dir: string;
const TEXT = withBadRows(generateLedger(81, 6000), 81);

beforeAll(async () => {
  if (!fs.existsSync(WORKER)) throw new Error('build first: npx tsc -p tsconfig.json');
  setSettleWorkerFile(WORKER);
  azurite = await startAzurite();
  process.env.YIBAO_STORAGE = azurite.connection;
  service = BlobServiceClient.fromConnectionString(azurite.connection);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-monthly-bulk-'));
}, 30000);

afterAll(async () => {
  delete process.env.YIBAO_STORAGE;
  await closeSettleWorkers();
  await azurite.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function blobText(name: string): Promise<string> {
  return (await service.getContainerClient('yibao-monthly').getBlobClient(name).downloadToBuffer()).toString('utf8');
}

async function monthly(blob: string, body: string, env: Record<string, string>) {
  const c = service.getContainerClient('yibao-monthly');
  await c.createIfNotExists();
  await c.getBlockBlobClient(blob).upload(Buffer.from(body), Buffer.byteLength(body));
  const saved = ENV.map((k) => process.env[k]);
  Object.assign(process.env, env, { YIBAO_MONTHLY_LEDGERS: blob });
  try {
    return await monthlyRun(new Date('2024-05-01T00:00:00Z'), context('monthlyRun'));
  } finally {
    ENV.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
  }
}

test.each([
  ['on a worker, in memory', {}],
  ['on a worker, in partitions', { YIBAO_MEMORY_ROWS: '1000', YIBAO_PART_ROWS: '700' }],
  ['on this thread', { YIBAO_SETTLE_WORKERS: '0' }],
])('%s: the files of yibao settle --out, and the early warnings of the ordinary path', async (name, env) => {
  const blob = `ledger-${name.replace(/\W+/g, '-')}.csv`;
  const report = await monthly(blob, TEXT, env);
  expect(report.items[0]).toMatchObject({ ok: true });
  const file = path.join(dir, 'ledger.csv');
  fs.writeFileSync(file, TEXT);
  const out = path.join(dir, 'out', 'r.csv');
  const r = spawnSync(process.execPath, [BIN, 'settle', file, '--out', out], { encoding: 'utf8' });
  expect(r.status).toBe(3);
  const base = `${blob}.2024-05`;
  expect(await blobText(`${base}.results.csv`)).toBe(fs.readFileSync(out, 'utf8'));
  expect(await blobText(`${base}.rejected.csv`)).toBe(fs.readFileSync(`${out}.rejected.csv`, 'utf8'));
  // the ordinary path's list: settleLedger's results with a warning
  const o = settleLedger(defaultBook(), csvLedgerRows(TEXT).rows);
  const want = [csvLine([...CLAIM_WARNING_COLUMNS]), ...o.results.filter((x) => x.warning).map((x) => csvLine([x.claim_id, x.city, x.category, x.date, x.kind, fmt(x.oop_compliant), fmt(x.oop_total)]))].join('');
  expect(o.summary.warnings).toBeGreaterThan(10);
  expect(await blobText(`${base}.warnings.csv`)).toBe(want);
  expect(report.items[0]).toMatchObject({ read: o.summary.read, settled: o.summary.settled, rejected: o.summary.rejected, warnings: o.summary.warnings });
});

const EXPORT = exportOf(82, 4000, { cityColumn: true, categoryHeader: '困难类别' });

test.each([
  ['on a worker, in memory', {}],
  ['on a worker, in partitions', { YIBAO_MEMORY_ROWS: '1000', YIBAO_PART_ROWS: '700' }],
  ['on this thread, in partitions', { YIBAO_SETTLE_WORKERS: '0', YIBAO_MEMORY_ROWS: '1000', YIBAO_PART_ROWS: '700' }],
])('a ledger under the national platform\'s names, %s: the files of yibao settle --format spec --out', async (name, env) => {
  const blob = `export-${name.replace(/\W+/g, '-')}.csv`;
  const report = await monthly(blob, EXPORT, env);
  expect(report.items[0]).toMatchObject({ ok: true });
  const file = path.join(dir, 'export.csv');
  fs.writeFileSync(file, EXPORT);
  const out = path.join(dir, 'export-out', 'r.csv');
  const r = spawnSync(process.execPath, [BIN, 'settle', file, '--format', 'spec', '--out', out], { encoding: 'utf8' });
  expect(r.status).toBe(3);
  const base = `${blob}.2024-05`;
  const results = await blobText(`${base}.results.csv`);
  expect(results).toBe(fs.readFileSync(out, 'utf8'));
  expect(results.split('\n')[0]).toBe('claim_id,basic,critical,assistance,reassist,oop_compliant,oop_total,warning,notes');
  const rejected = await blobText(`${base}.rejected.csv`);
  expect(rejected).toBe(fs.readFileSync(`${out}.rejected.csv`, 'utf8'));
  expect(rejected).toMatch(/校验位不符/); // the plan's own checks, made once over the whole ledger
  // the early warnings and the counts: settleLedger's on the rows as the plan maps them
  const o = settleLedger(defaultBook(), csvLedgerRows(EXPORT).rows);
  const want = [csvLine([...CLAIM_WARNING_COLUMNS]), ...o.results.filter((x) => x.warning).map((x) => csvLine([x.claim_id, x.city, x.category, x.date, x.kind, fmt(x.oop_compliant), fmt(x.oop_total)]))].join('');
  expect(o.summary.warnings).toBeGreaterThan(5);
  expect(await blobText(`${base}.warnings.csv`)).toBe(want);
  expect(report.items[0]).toMatchObject({ read: o.summary.read, settled: o.summary.settled, rejected: o.summary.rejected, warnings: o.summary.warnings });
});

test('a ledger the engine cannot partition (a claim_id over 4,096 bytes): the item\'s problem, in Chinese and English, and no files', async () => {
  const [head, ...rows] = generateLedger(83, 300).trimEnd().split('\n');
  const text = [head, ...rows, rows[0].replace(/^[^,]*/, 'C' + 'x'.repeat(5000))].join('\n') + '\n';
  const report = await monthly('long-id.csv', text, {});
  expect(report.status).toBe('failed');
  expect(report.items[0]).toMatchObject({ ok: false, written: [], problem: unsupportedProblem('claim_id too long', { zh: '每月重算', en: 'the monthly run' }) });
  expect(report.items[0].problem!.zh).toMatch(/每月重算无法按人分区结算/);
  expect(report.items[0].problem!.zh).toContain('4,096 字节');
});
