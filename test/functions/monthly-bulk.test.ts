// The monthly run's ledgers on the engine's run (engine/run) in the worker pool: the results and
// rejected blobs byte for byte what `yibao settle --out` writes for the same ledger, the early-warning
// list what the ordinary path wrote (settleLedger's results with a warning), in memory, in partitions
// and on the request's thread; a ledger with the national platform's names keeps the ordinary path.
import { BlobServiceClient } from '@azure/storage-blob';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultBook, settleLedger, csvLedgerRows, csvLine, fmt } from '../../engine';
import { monthlyRun } from '../../functions/handlers/monthly';
import { WARNING_COLUMNS } from '../../functions/pool-jobs';
import { setSettleWorkerFile, closeSettleWorkers } from '../../functions/settle-pool';
import { generateLedger } from '../oracle/gen-ledger';
import { withBadRows } from '../bulk/ledgers';
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
  const want = [csvLine([...WARNING_COLUMNS]), ...o.results.filter((x) => x.warning).map((x) => csvLine([x.claim_id, x.city, x.category, x.date, x.kind, fmt(x.oop_compliant), fmt(x.oop_total)]))].join('');
  expect(o.summary.warnings).toBeGreaterThan(10);
  expect(await blobText(`${base}.warnings.csv`)).toBe(want);
  expect(report.items[0]).toMatchObject({ read: o.summary.read, settled: o.summary.settled, rejected: o.summary.rejected, warnings: o.summary.warnings });
});

test('a ledger with the national platform names keeps the ordinary path', async () => {
  const text = fs.readFileSync(path.join(ROOT, 'samples', 'nhsa-export.csv'), 'utf8');
  const report = await monthly('nhsa.csv', text, {});
  expect(report.items[0]).toMatchObject({ ok: true });
  expect((await blobText('nhsa.csv.2024-05.results.csv')).split('\n')[0]).toBe('claim_id,basic,critical,assistance,reassist,oop_compliant,oop_total,warning,notes');
});
