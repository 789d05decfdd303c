// POST /api/jobs: the ledger goes to Blob Storage as it arrives, then a Durable orchestration splits
// it by person into partitions, settles them in parallel and merges the results (functions/jobs/:
// the engine's partition pipeline, for a CSV or NDJSON body, the spec's or the national platform's
// names, ?city=, ?category_column=, ?format=); kind=compare and summary the same way, answered as
// the HTTP functions of those names answer; kind=budget a roster split by person, each partition
// counted, the counts merged into POST /api/budget's answer. Answers 202 with status URLs (the Durable async pattern). GET /api/jobs/{id}:
// progress (partitions done of total), the summary and, at the end, where the results are;
// GET /api/jobs/{id}/results and /rejected: the files streamed from Blob Storage (CSV, or JSON by
// Accept); DELETE /api/jobs/{id}: terminated if running, its blobs and history removed. Ordinary
// functions with the durable client: the same on Azure and under the local runner. The status URLs
// carry a key: treat them as secrets.
import { randomUUID } from 'node:crypto';
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { defaultBook, csvLine, scenarioWire, rejectedTable, type Book, type Message, type LedgerOutcome } from '../../engine';
import { bodyChunks, ledgerFormat, utf8Checked } from '../body';
import { oneScenario, scenariosOf, groupsOf, requiredInt, headerOptions, negotiate, CONTENT_TYPE } from '../http';
import { guarded, HttpProblem } from '../problem';
import { jobShards, jobsContainer, maxJobBytes } from '../settings';
import { blobChunks, container } from '../storage';
import { deleteUnder } from '../jobs/blobs';
import { csvAsJson } from '../jobs/results';
import { inputBlob } from '../jobs/common';
import { resultsFormat } from './settle';
import { ORCHESTRATOR, type JobInput, type JobOutput, type JobProgress, type AnswerKind, type AnswerSpec } from '../jobs/orchestrator';

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

const KINDS = ['settle', 'budget', 'compare', 'summary'] as const;

/** What a job of kind budget, compare or summary runs: its parameters checked now (a bad one is a 400, not a failed job). */
function answerSpec(request: HttpRequest, kind: AnswerKind, book: Book): AnswerSpec {
  const answerParam = request.query.get('answer') ?? 'json';
  if (answerParam !== 'json' && answerParam !== 'csv') throw new HttpProblem(400, 'answer 须为 json 或 csv', 'answer must be json or csv', 'usage');
  const answer = answerParam;
  const wires = () => scenariosOf(request, book).map((sc) => scenarioWire(sc));
  if (kind === 'budget') {
    // a roster, not a ledger: CSV under its own names
    if (ledgerFormat(request) !== 'csv') throw new HttpProblem(415, 'kind=budget 的输入须为花名册 CSV（text/csv）', 'a kind=budget job takes a roster as CSV (text/csv)', 'content_type');
    if (request.query.get('city') !== null || request.query.get('category_column') !== null) {
      throw new HttpProblem(400, 'kind=budget 的作业输入花名册，不接受 city 或 category_column', 'a kind=budget job reads a roster and takes no city or category_column', 'usage');
    }
    // a budget job is one year's roster budget: the multi-year and duplicate-list options of POST
    // /api/budget are refused here rather than silently ignored
    for (const p of ['years', 'duplicates']) {
      if (request.query.get(p) !== null) throw new HttpProblem(400, `kind=budget 的作业只算一个年度，不接受 ${p}；多年度预算与完整重复清单请用 POST /api/budget`, `a kind=budget job budgets one year and takes no ${p}; for several years or the whole duplicate list use POST /api/budget`, 'usage');
    }
    const year = requiredInt(request, 'year', '预算年度 budget year');
    return { kind, year, date: request.query.get('date') ?? undefined, scenarios: wires(), answer };
  }
  if (kind === 'compare') {
    const scenarios = wires();
    if (!scenarios.length) throw new HttpProblem(400, 'kind=compare 至少要一个 scenario 参数', 'kind=compare needs at least one scenario parameter', 'scenario');
    return { kind, scenarios, groups: groupsOf(request), answer };
  }
  const groups = groupsOf(request);
  if (!groups) throw new HttpProblem(400, 'kind=summary 须给 summary 参数（如 summary=county,category）', 'kind=summary needs the summary parameter (e.g. summary=county,category)', 'usage');
  const scenario = oneScenario(request, book);
  return { kind, scenario: scenario ? scenarioWire(scenario) : null, groups, answer };
}

export async function startJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const book = defaultBook();
  const kind = request.query.get('kind') ?? 'settle';
  if (!(KINDS as readonly string[]).includes(kind)) throw new HttpProblem(400, `kind 须为 ${KINDS.join('、')} 之一`, `kind must be one of ${KINDS.join(', ')}`, 'usage');
  const spec = kind === 'settle' ? undefined : answerSpec(request, kind as AnswerKind, book);
  const scenario = spec ? undefined : oneScenario(request, book); // checked now: a bad scenario is a 400, not a failed job
  const format = ledgerFormat(request);
  const opts = spec?.kind === 'budget' ? {} : headerOptions(request, book); // a ledger's: an export's city and category column
  const convention = spec ? undefined : resultsFormat(request);
  const shardsParam = request.query.get('shards');
  const shards = shardsParam === null ? jobShards() : Number(shardsParam);
  if (!Number.isInteger(shards) || shards < 1 || shards > 256) throw new HttpProblem(400, 'shards 须为 1–256 的整数', 'shards must be an integer from 1 to 256', 'usage');
  const client = durableClients.get(context);
  const jobId = randomUUID();
  const bytes = await storeInput(request, inputBlob(jobId, format));
  if (bytes === 0) throw new HttpProblem(400, kind === 'budget' ? '请求体为空：请发送花名册 CSV' : '请求体为空：请发送台账', kind === 'budget' ? 'the body is empty: send a roster CSV' : 'the body is empty: send a ledger', 'empty');
  const input: JobInput & { container: string } = { jobId, format, shards, scenario: scenario ? request.query.get('scenario')! : undefined, city: opts.city, categoryColumn: opts.categoryColumn, convention, container: jobsContainer(), ...(spec ? { kind: spec.kind, spec } : {}) };
  await client.startNew(ORCHESTRATOR, { instanceId: jobId, input });
  context.log(`job ${jobId} started: ${kind}, ${bytes} bytes, ${shards} shards`);
  const urls = client.createHttpManagementPayload(jobId);
  const origin = new URL(request.url).origin;
  const own = `${origin}/api/jobs/${jobId}`;
  return new HttpResponse({
    status: 202,
    headers: { 'content-type': CONTENT_TYPE.json, location: urls.statusQueryGetUri, 'retry-after': '10' },
    jsonBody: { ...urls, kind, bytes, shards, jobStatusUri: own },
  });
}

const RUNNING = ['Pending', 'Running', 'ContinuedAsNew'];

function jobId(request: HttpRequest): string {
  const id = request.params.id ?? '';
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new HttpProblem(404, '作业编号无效', 'invalid job id', 'job');
  return id;
}

/** The job's Durable status; a 404 problem when there is no such job. */
async function statusOf(client: df.DurableClient, id: string): Promise<df.DurableOrchestrationStatus> {
  try {
    return await client.getStatus(id);
  } catch (e) {
    if (e instanceof Error && /404|not found/i.test(e.message)) throw new HttpProblem(404, `没有编号为 ${id} 的作业`, `no job ${id}`, 'job');
    throw e;
  }
}

/** Why a job failed, Chinese and English: its own reason, or the error that stopped an activity. */
function problemOf(status: df.DurableOrchestrationStatus, output: JobOutput | null): Message | null {
  if (output?.status === 'failed' && output.problem) return output.problem;
  if (String(status.runtimeStatus) === 'Failed') {
    const why = typeof status.output === 'string' ? status.output.split('\n')[0] : 'unknown';
    return { zh: `作业失败，中间文件已删除：${why}`, en: `the job failed and its intermediate files were removed: ${why}` };
  }
  if (String(status.runtimeStatus) === 'Terminated') return { zh: '作业已终止', en: 'the job was terminated' };
  return null;
}

export async function jobStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const id = jobId(request);
  const status = await statusOf(durableClients.get(context), id);
  const progress = (status.customStatus ?? null) as JobProgress | null;
  const output = (typeof status.output === 'object' ? status.output ?? null : null) as JobOutput | null;
  const running = RUNNING.includes(String(status.runtimeStatus));
  const own = `${new URL(request.url).origin}/api/jobs/${id}`;
  const done = output?.status === 'completed';
  return new HttpResponse({
    status: running ? 202 : 200,
    headers: running ? { 'content-type': CONTENT_TYPE.json, 'retry-after': '10' } : { 'content-type': CONTENT_TYPE.json },
    jsonBody: {
      id,
      runtimeStatus: status.runtimeStatus,
      createdTime: status.createdTime,
      lastUpdatedTime: status.lastUpdatedTime,
      progress: progress ? { stage: progress.stage, shards_done: progress.shards_done, shards_total: progress.shards_total } : null,
      summary: output?.summary ?? output?.counts ?? null,
      problem: problemOf(status, output),
      resultsUri: done ? `${own}/results` : null,
      rejectedUri: done && !output?.answer ? `${own}/rejected` : null,
      result: output,
    },
  });
}

/** GET /api/jobs/{id}/results | /rejected: the finished job's file streamed, CSV or JSON by Accept. */
async function jobFile(request: HttpRequest, context: InvocationContext, which: 'results' | 'rejected'): Promise<HttpResponse> {
  const id = jobId(request);
  const status = await statusOf(durableClients.get(context), id);
  const output = (typeof status.output === 'object' ? status.output ?? null : null) as JobOutput | null;
  if (RUNNING.includes(String(status.runtimeStatus))) throw new HttpProblem(409, '作业尚未完成', 'the job has not finished yet', 'job_running');
  if (output?.status !== 'completed') throw new HttpProblem(409, '作业没有结果（失败或已终止）', 'the job has no results (it failed or was terminated)', 'job_failed');
  const c = await container(output.container ?? jobsContainer());
  if (output.answer) {
    // a budget, comparison or summary: one answer, in the format asked for when the job started (answer=)
    if (which === 'rejected') throw new HttpProblem(404, '该作业的被拒绝行在其结果之中', 'the rejected rows of this job are in its results', 'not_found');
    negotiate(request, [output.answer]);
    return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE[output.answer] }, body: Readable.toWeb(Readable.from(blobChunks(c, output.results!))) as ReadableStream<Uint8Array> });
  }
  const answer = negotiate(request, ['csv', 'json']) as 'csv' | 'json';
  const blob = which === 'results' ? output.results : output.rejected;
  // no rejected rows: the file of the command line has its header alone (under the results' names)
  const none = () => rejectedTable({ rejections: [] } as Pick<LedgerOutcome, 'rejections'> as LedgerOutcome, output.convention)[0];
  const chunks: AsyncIterable<Uint8Array> = blob ? blobChunks(c, blob) : (async function* () { yield new TextEncoder().encode(csvLine(none())); })();
  const body = answer === 'csv' ? chunks : csvAsJson(chunks);
  return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE[answer] }, body: Readable.toWeb(Readable.from(body)) as ReadableStream<Uint8Array> });
}

/** DELETE /api/jobs/{id}: terminated if running, its blobs and its Durable history removed. */
async function deleteJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const id = jobId(request);
  const client = durableClients.get(context);
  const status = await statusOf(client, id);
  if (RUNNING.includes(String(status.runtimeStatus))) await client.terminate(id, 'deleted');
  const c = await container(jobsContainer());
  const deleted = await deleteUnder(c, [`${id}/`]);
  await client.purgeInstanceHistory(id);
  context.log(`job ${id} deleted: ${deleted} blobs`);
  return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.json }, jsonBody: { id, deleted: true, blobs: deleted } });
}

/** jobs/{id}/{part?}: GET the status, the results or the rejected rows; DELETE the job. */
export async function job(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const part = request.params.part;
  if (request.method === 'DELETE') {
    if (part) throw new HttpProblem(405, `不支持 DELETE ${part}`, `DELETE is not allowed on ${part}`, 'method');
    return deleteJob(request, context);
  }
  if (part === undefined || part === '') return jobStatus(request, context);
  if (part === 'results' || part === 'rejected') return jobFile(request, context, part);
  throw new HttpProblem(404, `作业没有 ${part}`, `a job has no ${part}`, 'not_found');
}

export const startJobHandler = guarded(startJob);
export const jobStatusHandler = guarded(jobStatus);
export const jobHandler = guarded(job);
