// The second thread of a run on the command line: in partitions (engine/run/partitioned.ts PartHelper)
// cli/partition-worker.ts takes half of the dedupe and settle steps on the run's folder of parts
// (node/part-files.ts), so both cores work on them; in memory it settles half of the persons (half,
// engine settleHalves). One extra V8 heap, not two, beside this thread, which would be idle otherwise.
// (The split and a run in memory have the reader thread besides, cli/bulk.ts.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { YibaoError, BulkUnsupported, scenarioWire, type PartSummary, type PartHelper, type PartJob, type ScenarioWire } from '../engine';

const WORKER = path.join(__dirname, 'partition-worker.js');

interface WorkerAnswer { k?: number; summary?: PartSummary; dupes?: number[][]; done?: true; unsupported?: string; zh?: string; en?: string; code?: string; crash?: string }

/** A scenario as it crosses to the thread (scenarioFrom rebuilds it there). */
export interface JobWire { scenario: ScenarioWire | null; groups?: PartJob['groups']; whatIf: ScenarioWire[]; input?: PartJob['input']; claimWarnings?: boolean }


const wireOf = (job: PartJob): JobWire => ({ scenario: job.scenario ? scenarioWire(job.scenario) : null, groups: job.groups, whatIf: (job.whatIf ?? []).map(scenarioWire), input: job.input, claimWarnings: job.claimWarnings });

/** Whether the second thread can run (its compiled file exists: not under ts-jest's sources). */
export function partitionThreadAvailable(): boolean {
  return fs.existsSync(WORKER);
}

export class SecondThread implements PartHelper {
  private readonly worker: Worker;
  private readonly answers: WorkerAnswer[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(dir: string) {
    // a small young generation, as the reader thread's: what lives is in typed arrays outside the heap
    // (4 MB rather than 8: with the reader's, about 10 MB off the peak of a settle in memory, no slower)
    this.worker = new Worker(WORKER, { workerData: { dir }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    const fail = (e: Error) => {
      this.failure ??= e;
      this.wake?.();
    };
    this.worker.on('message', (a: WorkerAnswer) => {
      if (a.unsupported !== undefined) fail(new BulkUnsupported(a.unsupported));
      else if (a.zh !== undefined) fail(new YibaoError(a.zh, a.en!, a.code));
      else if (a.crash !== undefined) fail(new Error(`partition thread: ${a.crash}`));
      else {
        this.answers.push(a);
        this.wake?.();
      }
    });
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`partition thread stopped (${code})`)));
  }

  /** The next answer (waits for it), or a throw if the thread failed. */
  private async next(): Promise<WorkerAnswer> {
    for (;;) {
      if (this.failure) throw this.failure;
      const a = this.answers.shift();
      if (a) return a;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  async dedupe(parts: number[]): Promise<number[][]> {
    this.worker.postMessage({ type: 'dedupe', parts });
    const a = await this.next();
    return a.dupes!;
  }

  async settle(job: PartJob, parts: number[], duplicates: Int32Array, counter: Int32Array, onDone: (k: number, summary: PartSummary) => void): Promise<void> {
    const shared = new Int32Array(new SharedArrayBuffer(duplicates.byteLength));
    shared.set(duplicates);
    this.worker.postMessage({ type: 'settle', job: wireOf(job), duplicates: shared, parts, counter });
    for (let a = await this.next(); !a.done; a = await this.next()) onDone(a.k!, a.summary!);
  }

  /**
   * Settle half 1 of a run in memory (engine settleHalves) from the batches sent to the port returned
   * (cli/bulk.ts readOnThread forwards them); halfSummary answers once the port has sent the end.
   */
  half(job: PartJob, rowsHint: number): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.worker.postMessage({ type: 'half', job: wireOf(job), rowsHint, port: port2 }, [port2]);
    return port1;
  }

  async halfSummary(): Promise<PartSummary> {
    return (await this.next()).summary!;
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
