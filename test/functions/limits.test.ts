// The local host's stall watch (functions/local/limits.ts) on a fake clock, with a real stream as the
// request body: a client is blamed for a stalled body only while a read of the body waits, counted
// from when that read began; a function that is not reading (waiting for a worker thread) is never
// the client's stall. A stalled answer is blamed when bytes wait for the client and none move.
import { PassThrough } from 'node:stream';
import type * as http from 'node:http';
import { watchStalls, BodyReads, type Stall } from '../../functions/local/limits';

const LIMITS = { headersMs: 20_000, bodyIdleMs: 1000, answerIdleMs: 1000, stopMs: 5000 };

function fakeRequest() {
  const socket = { bytesRead: 500, bytesWritten: 0, writableLength: 0 };
  const req = Object.assign(new PassThrough(), { complete: false, socket });
  const res = { headersSent: false, writableNeedDrain: false, once: () => res };
  const reads = new BodyReads(req as unknown as http.IncomingMessage);
  const stalls: [Stall, number][] = [];
  const t0 = Date.now();
  const stop = watchStalls(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse, reads, LIMITS, (k) => stalls.push([k, Date.now() - t0]));
  return { req, socket, res, reads, stalls, stop };
}

/** Advance the fake clock, letting the body stream's promises settle between steps. */
async function wait(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    await jest.advanceTimersByTimeAsync(50);
  }
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

test('a body nobody reads is not the client\'s stall, however long the socket is quiet', async () => {
  const r = fakeRequest();
  await wait(10_000);
  expect(r.stalls).toEqual([]);
  r.stop();
});

test('a read that waits is the client\'s stall after the limit, counted from the read, not from the socket\'s last bytes', async () => {
  const r = fakeRequest();
  await wait(5000); // the function busy elsewhere: quiet, and nobody to blame
  const reader = r.reads.stream().getReader();
  const pending = reader.read();
  await wait(600);
  expect(r.reads.waitingSince).toBeGreaterThan(0);
  expect(r.stalls).toEqual([]);
  // bytes arrive (the socket counts them): the read ends, no read waits, nothing is blamed
  r.socket.bytesRead += 100;
  r.req.write(Buffer.from('claim_id,person_id\n'));
  expect(new TextDecoder().decode((await pending).value)).toBe('claim_id,person_id\n');
  expect(r.reads.waitingSince).toBe(-1);
  await wait(3000);
  expect(r.stalls).toEqual([]);
  // the next read waits and nothing comes: blamed once the limit has passed, not before
  const since = Date.now();
  void reader.read().catch(() => undefined);
  await wait(900);
  expect(r.stalls).toEqual([]);
  await wait(600);
  expect(r.stalls.map(([k]) => k)).toEqual(['body']);
  expect(r.reads.waitingSince).toBe(since);
});

test('a complete body is never a stalled one', async () => {
  const r = fakeRequest();
  r.req.complete = true;
  void r.reads.stream().getReader().read();
  await wait(5000);
  expect(r.stalls).toEqual([]);
  r.stop();
});

test('an answer with bytes waiting for the client and none moving is the client\'s stall; bytes moving are not', async () => {
  const r = fakeRequest();
  r.req.complete = true;
  r.res.headersSent = true;
  r.socket.writableLength = 65_536;
  for (let i = 0; i < 6; i++) {
    r.socket.bytesWritten += 16_384; // the client reads slowly, but reads
    await wait(500);
  }
  expect(r.stalls).toEqual([]);
  await wait(1500);
  expect(r.stalls.map(([k]) => k)).toEqual(['answer']);
});
