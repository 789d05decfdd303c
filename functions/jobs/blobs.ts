// Blob helpers of the job's bulk path: bytes written to a block blob in blocks (never the whole blob in
// memory), a blob read in ranges as a ChunkReader (engine/bulk/partition.ts mergeResultsByLine), and the
// job's intermediate blobs removed at the end.
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import type { ChunkReader } from '../../engine';
import { blobChunks } from '../storage';

/** A block blob may hold at most 50,000 blocks: past every BLOCKS_PER_STEP blocks the block size doubles. */
const BLOCKS_PER_STEP = 10_000;
const MAX_BLOCK = 64 << 20;

/**
 * Block uploads in flight, at most `limit` at once across the writers that share it: a writer goes
 * on filling its next block while the last ones upload (memory: `limit` blocks more). The first
 * failure is thrown to the next writer that stages, and by every writer's close.
 */
export class Uploads {
  private readonly inFlight = new Set<Promise<void>>();
  failed: unknown;
  constructor(readonly limit: number) {}
  async start(task: () => Promise<unknown>): Promise<{ done: Promise<unknown> }> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    if (this.failed !== undefined) throw this.failed;
    const done = task();
    const slot: Promise<void> = done.then(() => undefined, (e: unknown) => { this.failed ??= e; }).finally(() => this.inFlight.delete(slot));
    this.inFlight.add(slot);
    done.catch(() => undefined); // thrown by the writer's close
    return { done };
  }
}

/**
 * Bytes to a block blob: staged in blocks of about `blockBytes` as they fill, committed at close.
 * write() takes ownership of the bytes it is given (pass a copy of a reused buffer). Memory: one
 * block being filled, plus the blocks uploading (one at a time without `uploads`).
 */
export class BytesBlobWriter {
  private parts: Uint8Array[] = [];
  private size = 0;
  private readonly ids: string[] = [];
  private readonly staging: Promise<unknown>[] = [];
  private readonly blob: BlockBlobClient;
  /** Bytes written so far. */
  written = 0;

  constructor(client: ContainerClient, readonly name: string, private blockBytes = 4 << 20, private readonly contentType = 'application/octet-stream', private readonly uploads?: Uploads) {
    this.blob = client.getBlockBlobClient(name);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.size += bytes.length;
    this.written += bytes.length;
    if (this.size >= this.blockBytes) await this.stage();
  }

  private take(): Buffer {
    const data = this.parts.length === 1 ? Buffer.from(this.parts[0].buffer, this.parts[0].byteOffset, this.parts[0].byteLength) : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return data;
  }

  private async stage(): Promise<void> {
    if (this.size === 0) return;
    const data = this.take();
    const id = Buffer.from(String(this.ids.length).padStart(8, '0')).toString('base64');
    this.ids.push(id); // the list is in write order whatever order the uploads finish in
    // a blob is at most 50,000 blocks: a long blob gets longer blocks
    if (this.ids.length % BLOCKS_PER_STEP === 0) this.blockBytes = Math.min(MAX_BLOCK, this.blockBytes * 2);
    if (this.uploads) this.staging.push((await this.uploads.start(() => this.blob.stageBlock(id, data, data.length))).done);
    else await this.blob.stageBlock(id, data, data.length);
  }

  /** Stage what is left and commit: only now does the blob exist (or is replaced). */
  async close(): Promise<void> {
    const blobHTTPHeaders = { blobContentType: this.contentType };
    if (this.ids.length === 0) {
      // it all fits in one block: one request instead of two
      const data = this.take();
      await this.blob.upload(data, data.length, { blobHTTPHeaders });
      return;
    }
    await this.stage();
    await Promise.all(this.staging);
    await this.blob.commitBlockList(this.ids, { blobHTTPHeaders });
  }
}

async function bodyOf(res: { readableStreamBody?: NodeJS.ReadableStream }): Promise<Buffer> {
  const parts: Buffer[] = [];
  if (res.readableStreamBody) for await (const c of res.readableStreamBody as AsyncIterable<Buffer>) parts.push(c);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * A blob read in ranges of `rangeBytes` (one GET each, no connection held open between reads), for
 * mergeResultsByLine; null at the end. The first range is asked for at once and each next one while the
 * last is being used, so that a merge over many blobs does not wait on one round trip per range:
 * memory is about two ranges.
 */
export function blobSource(client: ContainerClient, name: string, rangeBytes: number): ChunkReader {
  const blob = client.getBlobClient(name);
  let offset = 0;
  let size = -1; // learnt from the first answer's Content-Range
  const fetch = async (): Promise<Uint8Array | null> => {
    if (size >= 0 && offset >= size) return null;
    const at = offset;
    let res;
    try {
      res = await blob.download(at, rangeBytes);
    } catch (e) {
      // a range of an empty blob is not satisfiable
      if (at === 0 && (e as { statusCode?: number }).statusCode === 416) {
        size = 0;
        return null;
      }
      throw e;
    }
    const total = /\/(\d+)$/.exec(res.contentRange ?? '');
    if (size < 0) size = total ? Number(total[1]) : (res.contentLength ?? 0);
    const bytes = await bodyOf(res);
    offset += bytes.length;
    if (bytes.length === 0 && offset < size) throw new Error(`blob ${name}: an empty range at ${offset} of ${size}`);
    return bytes.length ? bytes : null;
  };
  let ahead = fetch();
  ahead.catch(() => undefined); // answered when asked for
  return async () => {
    const chunk = await ahead;
    if (chunk === null) return null;
    ahead = fetch();
    ahead.catch(() => undefined);
    return chunk;
  };
}

/** fn over the items, at most `limit` at a time (a round trip each: in turn they would add up). */
export async function inParallel<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  const worker = async () => {
    for (let n = it.next(); !n.done; n = it.next()) await fn(n.value);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/**
 * Delete every blob under these prefixes; the number deleted. Idempotent. In batches of 256 (one
 * request each) where the account takes blob batches, else one by one, 16 at a time.
 */
export async function deleteUnder(client: ContainerClient, prefixes: string[]): Promise<number> {
  const names: string[] = [];
  for (const prefix of prefixes) for await (const b of client.listBlobsFlat({ prefix })) names.push(b.name);
  const one = async (name: string) => {
    await client.deleteBlob(name, { deleteSnapshots: 'include' }).catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
  };
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += 256) batches.push(names.slice(i, i + 256));
  await inParallel(batches, 4, async (batch) => {
    let left = batch;
    try {
      const res = await client.getBlobBatchClient().deleteBlobs(batch.map((n) => client.getBlobClient(n)), { deleteSnapshots: 'include' });
      // any that failed: the batch again one by one (deleting twice is harmless)
      if (res.subResponses.every((r) => r.status < 300 || r.status === 404)) left = [];
    } catch {
      // no batches here (e.g. an account with a hierarchical namespace): one by one
    }
    await inParallel(left, 16, one);
  });
  return names.length;
}

/** A small blob's UTF-8 text (a partition's summary or count, JSON). */
export async function blobText(client: ContainerClient, name: string): Promise<string> {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  for await (const chunk of blobChunks(client, name)) text += dec.decode(chunk, { stream: true });
  return text + dec.decode();
}
