// POST /api/jobs: the ledger goes to Blob Storage as it arrives, then a Durable orchestration splits
// it by person into partitions, settles them in parallel and merges the results (functions/jobs/:
// the engine's bulk path in partitions, or settleLedger on shards of rows for what the bulk path
// cannot take). Answers 202 with status URLs (the Durable async pattern). GET /api/jobs/{id}:
// progress (partitions done of total) and, at the end, where the results are. The status URLs carry
// a key: treat them as secrets.
import { randomUUID } from 'node:crypto';
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { defaultBook } from '../../engine';
import { bodyChunks, ledgerFormat, utf8Checked } from '../body';
import { oneScenario, headerOptions, CONTENT_TYPE } from '../http';
import { guarded, HttpProblem } from '../problem';
import { jobShards, jobsContainer, maxJobBytes } from '../settings';
import { container } from '../storage';
import { inputBlob } from '../jobs/shard';
import { ORCHESTRATOR, type JobInput, type JobOutput, type JobProgress } from '../jobs/orchestrator';

/** How handlers get the Durable client (replaceable in tests, which have no Durable extension). */
export const durableClients = { get: (context: InvocationContext): df.DurableClient => df.getClient(context) };

function jobTooLarge(limit: number): HttpProblem {
  const gb = (limit / 1024 ** 3).toFixed(2);
  return new HttpProblem(413, `作业输入超过上限 ${gb} GB（应用设置 YIBAO_MAX_JOB_BYTES）`, `the job input exceeds the limit of ${gb} GB (app setting YIBAO_MAX_JOB_BYTES)`, 'too_large');
}

/** The input streamed into a block blob (uploadStream: bounded buffers, never the whole body). */
async function storeInput(request: HttpRequest, name: string): Promise<number> {
  const { Readable } = await import('node:stream');
  const c = await container(jobsContainer());
  let bytes = 0;
  const counted = (async function* () {
    // a GBK body is refused here with 422, before any job starts, as POST /api/settle refuses it
    for await (const chunk of utf8Checked(bodyChunks(request, maxJobBytes(), jobTooLarge))) {
      bytes += chunk.byteLength;
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  })();
  await c.getBlockBlobClient(name).uploadStream(Readable.from(counted), 4 * 1024 * 1024, 4);
  return bytes;
}

export async function startJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const book = defaultBook();
  const scenario = oneScenario(request, book); // checked now: a bad scenario is a 400, not a failed job
  const format = ledgerFormat(request);
  const opts = headerOptions(request, book);
  const shardsParam = request.query.get('shards');
  const shards = shardsParam === null ? jobShards() : Number(shardsParam);
  if (!Number.isInteger(shards) || shards < 1 || shards > 256) throw new HttpProblem(400, 'shards 须为 1–256 的整数', 'shards must be an integer from 1 to 256', 'usage');
  const client = durableClients.get(context);
  const jobId = randomUUID();
  const bytes = await storeInput(request, inputBlob(jobId, format));
  if (bytes === 0) throw new HttpProblem(400, '请求体为空：请发送台账', 'the body is empty: send a ledger', 'empty');
  const input: JobInput & { container: string } = { jobId, format, shards, scenario: scenario ? request.query.get('scenario')! : undefined, city: opts.city, categoryColumn: opts.categoryColumn, container: jobsContainer() };
  await client.startNew(ORCHESTRATOR, { instanceId: jobId, input });
  context.log(`job ${jobId} started: ${bytes} bytes, ${shards} shards`);
  const urls = client.createHttpManagementPayload(jobId);
  const origin = new URL(request.url).origin;
  const own = `${origin}/api/jobs/${jobId}`;
  return new HttpResponse({
    status: 202,
    headers: { 'content-type': CONTENT_TYPE.json, location: urls.statusQueryGetUri, 'retry-after': '10' },
    jsonBody: { ...urls, bytes, shards, jobStatusUri: own },
  });
}

export async function jobStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const id = request.params.id ?? '';
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new HttpProblem(404, '作业编号无效', 'invalid job id', 'job');
  const client = durableClients.get(context);
  let status;
  try {
    status = await client.getStatus(id);
  } catch (e) {
    if (e instanceof Error && /404|not found/i.test(e.message)) throw new HttpProblem(404, `没有编号为 ${id} 的作业`, `no job ${id}`, 'job');
    throw e;
  }
  const progress = (status.customStatus ?? null) as JobProgress | null;
  const output = (status.output ?? null) as JobOutput | null;
  const running = ['Pending', 'Running', 'ContinuedAsNew'].includes(String(status.runtimeStatus));
  return new HttpResponse({
    status: running ? 202 : 200,
    headers: running ? { 'content-type': CONTENT_TYPE.json, 'retry-after': '10' } : { 'content-type': CONTENT_TYPE.json },
    jsonBody: {
      id,
      runtimeStatus: status.runtimeStatus,
      createdTime: status.createdTime,
      lastUpdatedTime: status.lastUpdatedTime,
      progress: progress ? { stage: progress.stage, shards_done: progress.shards_done, shards_total: progress.shards_total } : null,
      result: output,
    },
  });
}

export const startJobHandler = guarded(startJob);
export const jobStatusHandler = guarded(jobStatus);
