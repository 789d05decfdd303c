// Worker threads for the engine's jobs on a body (functions/settle-worker.ts): a large POST /api/settle
// body, a comparison of scenarios, totals per group (functions/pool-jobs.ts) run on one of them so that
// this thread's event loop keeps answering the small requests. A small pool (YIBAO_SETTLE_WORKERS,
// default 1 on two cores), started when first needed and kept; a request that finds every worker busy
// waits for one before it reads on. The body's bytes are copied into 1 MB blocks and transferred as
// they arrive. A settle answer's pieces come back transferred, at most CREDITS ahead of what the
// client has read, so a slow client holds a few MB, not the whole answer; another job answers once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
// the web stream of node:stream/web, named: the global one is the DOM's when a browser test shares the type checker
import { ReadableStream } from 'node:stream/web';
import { YibaoError, type LedgerInput, type ScenarioWire } from '../engine';
import { settleWorkers } from './settings';
import type { BulkAnswer } from './settle-answer';
import type { BodyJobAnswer, BodyJobSpec, Head } from './pool-jobs';

/** A job of the pool: the streamed settle answer, or one of pool-jobs.ts. */
export type JobSpec = { kind: 'settle'; scenario: ScenarioWire | null; rowsHint: number; answer: BulkAnswer; input: LedgerInput } | BodyJobSpec;

export type ToWorker =
  | { t: 'start'; id: number; job: JobSpec; ctl: Int32Array }
  | { t: 'chunk'; id: number; bytes: Uint8Array }
  | { t: 'end' | 'giveBack' | 'abort'; id: number };

export type FromWorker =
  | { t: 'unsupported'; id: number; reason: string }
  | { t: 'head'; id: number; read: number; settled: number; rejected: number }
  | { t: 'piece'; id: number; bytes: Uint8Array }
  | { t: 'done' | 'cancelled' | 'aborted'; id: number }
  | { t: 'chunks'; id: number; chunks: Uint8Array[] }
  | { t: 'error'; id: number; zh: string; en: string; code: string }
  | { t: 'crash'; id: number; message: string }
  | { t: 'answer'; id: number; answer: BodyJobAnswer };


const BLOCK = 1 << 20;
/** Answer pieces the worker may send ahead of the client. */
const CREDITS = 4;

let workerFile = path.join(__dirname, 'settle-worker.js');

/** The compiled worker (dist/functions/settle-worker.js); tests running the sources point here to it. */
export function setSettleWorkerFile(file: string): void {
  workerFile = file;
}

/** Whether large bodies can go to a worker: the setting allows one and the compiled file exists (not under ts-jest's sources). */
export function settleWorkerAvailable(): boolean {
  return settleWorkers() > 0 && fs.existsSync(workerFile);
}

let nextId = 1;

class PoolWorker {
  readonly worker: Worker;
  job: WorkerJob | null = null;
  dead = false;

  constructor(private readonly pool: Pool) {
    this.worker = new Worker(workerFile);
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.job?.onMessage(m));
    const died = (why: string) => {
      if (this.dead) return;
      this.dead = true;
      const job = this.job;
      this.job = null;
      job?.onDeath(new Error(`settle worker thread stopped: ${why}`));
      this.pool.remove(this);
    };
    this.worker.on('error', (e) => died(`${e.name}: ${e.message}`));
    this.worker.on('exit', (code) => died(`exit code ${code}`));
  }
}

class Pool {
  private all: PoolWorker[] = [];
  private idle: PoolWorker[] = [];
  private waiters: ((w: PoolWorker) => void)[] = [];

  acquire(): Promise<PoolWorker> {
    const w = this.idle.pop() ?? (this.all.length < settleWorkers() ? this.spawn() : undefined);
    if (w) return Promise.resolve(w);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(w: PoolWorker): void {
    w.job = null;
    if (w.dead) return;
    w.worker.unref();
    const waiter = this.waiters.shift();
    if (waiter) waiter(w);
    else this.idle.push(w);
  }

  remove(w: PoolWorker): void {
    this.all = this.all.filter((x) => x !== w);
    this.idle = this.idle.filter((x) => x !== w);
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.spawn());
  }

  private spawn(): PoolWorker {
    const w = new PoolWorker(this);
    this.all.push(w);
    return w;
  }

  async close(): Promise<void> {
    const all = this.all;
    this.all = [];
    this.idle = [];
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}

const pool = new Pool();

/** Stop the worker threads (tests; the host's process ends with them otherwise). */
export function closeSettleWorkers(): Promise<void> {
  return pool.close();
}

interface Deferred<T> { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void; done: boolean }
function deferred<T>(): Deferred<T> {
  const d = { done: false } as Deferred<T>;
  d.promise = new Promise<T>((resolve, reject) => {
    d.resolve = (v) => { if (!d.done) { d.done = true; resolve(v); } };
    d.reject = (e) => { if (!d.done) { d.done = true; reject(e); } };
  });
  d.promise.catch(() => undefined); // a rejection nobody waits for is not an unhandled one
  return d;
}

/** One body on a worker, seen from the request's thread. */
export class WorkerJob {
  readonly id = nextId++;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(8)); // [credits, cancel]
  private block: Uint8Array | null = null;
  private used = 0;
  private terminal = false;
  /** The worker gave up on the body (the ordinary path must take it) or failed: send no more. */
  stopped = false;
  private readonly head_ = deferred<Head | 'unsupported'>();
  private readonly chunks_ = deferred<Uint8Array[]>();
  private readonly answer_ = deferred<BodyJobAnswer>();
  private pieces: Uint8Array[] = [];
  private more: (() => void) | null = null;
  private ended = false;
  private failure: unknown = null;

  private constructor(private readonly w: PoolWorker) {}

  /** A job on a free worker (waits for one). */
  static async start(spec: JobSpec): Promise<WorkerJob> {
    const w = await pool.acquire();
    const job = new WorkerJob(w);
    w.job = job;
    w.worker.ref(); // this request waits on it
    Atomics.store(job.ctl, 0, CREDITS);
    job.post({ t: 'start', id: job.id, job: spec, ctl: job.ctl });
    return job;
  }

  private post(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.terminal) this.w.worker.postMessage(m, transfer);
  }

  /** The next bytes of the body (copied: the caller's buffer stays the caller's). */
  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    let off = 0;
    while (off < chunk.length) {
      if (!this.block) {
        this.block = new Uint8Array(BLOCK);
        this.used = 0;
      }
      const n = Math.min(chunk.length - off, BLOCK - this.used);
      this.block.set(chunk.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      if (this.used === BLOCK) this.flush();
    }
  }

  private flush(): void {
    if (!this.block || this.used === 0) return;
    const bytes = this.block.subarray(0, this.used);
    this.block = null;
    this.post({ t: 'chunk', id: this.id, bytes }, [bytes.buffer as ArrayBuffer]);
  }

  /** The body is complete. */
  end(): void {
    this.flush();
    this.post({ t: 'end', id: this.id });
  }

  /** The counts once settled, or 'unsupported' (then giveBack()); rejects with the worker's error. */
  head(): Promise<Head | 'unsupported'> {
    return this.head_.promise;
  }

  /** A job of pool-jobs.ts: its answer once the body is settled; rejects with the worker's error. */
  answer(): Promise<BodyJobAnswer> {
    return this.answer_.promise;
  }

  /** After 'unsupported': the body's bytes the worker holds, in order. */
  giveBack(): Promise<Uint8Array[]> {
    this.post({ t: 'giveBack', id: this.id });
    return this.chunks_.promise;
  }

  /** The request failed here (413, not UTF-8 …): the worker drops the body. */
  abort(): void {
    if (this.terminal) return;
    this.stopped = true;
    this.post({ t: 'abort', id: this.id });
  }

  /** The answer's bytes as the worker sends them; reading a piece lets the worker send another. */
  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        for (;;) {
          const p = this.pieces.shift();
          if (p) {
            controller.enqueue(p);
            Atomics.add(this.ctl, 0, 1);
            Atomics.notify(this.ctl, 0);
            return;
          }
          if (this.failure) throw this.failure;
          if (this.ended) {
            controller.close();
            return;
          }
          await new Promise<void>((resolve) => (this.more = resolve));
        }
      },
      cancel: () => {
        Atomics.store(this.ctl, 1, 1);
        Atomics.notify(this.ctl, 0);
      },
    }, { highWaterMark: 0 });
  }

  private wake(): void {
    const m = this.more;
    this.more = null;
    m?.();
  }

  private finish(): void {
    if (this.terminal) return;
    this.terminal = true;
    this.stopped = true;
    pool.release(this.w);
  }

  onMessage(m: FromWorker): void {
    if (m.id !== this.id) return;
    switch (m.t) {
      case 'unsupported':
        this.stopped = true;
        this.head_.resolve('unsupported');
        return;
      case 'head':
        this.head_.resolve({ read: m.read, settled: m.settled, rejected: m.rejected });
        return;
      case 'piece':
        this.pieces.push(m.bytes);
        this.wake();
        return;
      case 'done':
        this.ended = true;
        this.finish();
        this.wake();
        return;
      case 'chunks':
        this.finish();
        this.chunks_.resolve(m.chunks);
        return;
      case 'answer':
        this.finish();
        this.answer_.resolve(m.answer);
        return;
      case 'error':
        this.fail(new YibaoError(m.zh, m.en, m.code));
        return;
      case 'crash':
        this.fail(new Error(`settle worker thread: ${m.message}`));
        return;
      case 'cancelled':
      case 'aborted':
        this.fail(new Error('settle worker thread: the answer was cancelled'));
        return;
    }
  }

  onDeath(e: Error): void {
    this.terminal = true;
    this.stopped = true;
    this.failure ??= e;
    this.head_.reject(e);
    this.chunks_.reject(e);
    this.answer_.reject(e);
    this.wake();
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    this.finish();
    this.head_.reject(e);
    this.chunks_.reject(e);
    this.answer_.reject(e);
    this.wake();
  }
}
