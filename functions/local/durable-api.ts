// The Durable extension's HTTP API, as the local runner answers it under
// /runtime/webhooks/durabletask/ of the local host: what the SDK's DurableClient calls (start, status,
// terminate, purge) and what the URLs of createCheckStatusResponse point at (id, statusQueryGetUri,
// sendEventPostUri, terminatePostUri, purgeHistoryDeleteUri, …). Like the extension's, the URLs carry
// the function key (`code=`): treat them as secrets. Also: the durable client binding's data given to
// the app's functions that declare one, and the runner started and resumed (startDurable).
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type * as http from 'node:http';
import { BlobServiceClient } from '@azure/storage-blob';
import type { Registration } from './core';
import type { BodyReads } from './limits';
import { DurableRunner } from './durable';
import type { Instance } from './durable-store';

export const PREFIX = '/runtime/webhooks/durabletask/';
const ID = 'INSTANCEID';

interface HostJson { extensions?: { durableTask?: { hubName?: string; maxConcurrentActivityFunctions?: number } } }

/** The binding data the extension gives a function with a durable client input (OrchestrationClientInputData). */
export function clientData(base: string, hub: string, key: string) {
  const q = `taskHub=${hub}&connection=Storage&code=${encodeURIComponent(key)}`;
  const inst = `${base}${PREFIX}instances/${ID}`;
  return {
    taskHubName: hub,
    creationUrls: {
      createNewInstancePostUri: `${base}${PREFIX}orchestrators/{functionName}[/{instanceId}]?code=${encodeURIComponent(key)}`,
      createAndWaitOnNewInstancePostUri: `${base}${PREFIX}orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${encodeURIComponent(key)}`,
    },
    managementUrls: {
      id: ID,
      statusQueryGetUri: `${inst}?${q}`,
      sendEventPostUri: `${inst}/raiseEvent/{eventName}?${q}`,
      terminatePostUri: `${inst}/terminate?reason={text}&${q}`,
      rewindPostUri: `${inst}/rewind?reason={text}&${q}`,
      purgeHistoryDeleteUri: `${inst}?${q}`,
      restartPostUri: `${inst}/restart?${q}`,
      suspendPostUri: `${inst}/suspend?reason={text}&${q}`,
      resumePostUri: `${inst}/resume?reason={text}&${q}`,
    },
    baseUrl: `${base}${PREFIX}`,
    requiredQueryStringParameters: `code=${encodeURIComponent(key)}`,
  };
}

/** The status payload of GET instances/{id} (DurableOrchestrationStatus's fields). */
function statusOf(rec: Instance, showHistory: boolean) {
  const { history, ...rest } = rec;
  return { ...rest, ...(showHistory ? { history } : {}) };
}

async function bodyText(reads: BodyReads): Promise<string> {
  return new Response(reads.stream()).text();
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

export interface LocalDurable {
  runner: DurableRunner;
  /** Answers a request under PREFIX (the caller has checked the key). */
  serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL, reads: BodyReads): Promise<void>;
}

/**
 * The runner over the app's storage, the durable client binding given to the functions that declare
 * one (their handlers wrapped in place), the instances left running resumed. `base` is the host's origin.
 */
export async function startDurable(registrations: Registration[], root: string, base: string, key: string): Promise<LocalDurable> {
  const host = JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8')) as HostJson;
  const hub = host.extensions?.durableTask?.hubName ?? 'TestHubName';
  const limit = host.extensions?.durableTask?.maxConcurrentActivityFunctions ?? 10;
  const service = BlobServiceClient.fromConnectionString(process.env.AzureWebJobsStorage ?? 'UseDevelopmentStorage=true');
  const container = service.getContainerClient(`durable-${hub.toLowerCase()}`);
  await container.createIfNotExists();
  const delay = Number(process.env.YIBAO_DURABLE_ACTIVITY_DELAY_MS ?? 0);
  const runner = new DurableRunner({ registrations, container, activityLimit: limit, activityDelayMs: Number.isFinite(delay) && delay > 0 ? delay : 0 });
  // the SDK rewrites URLs to localhost:7071 unless WEBSITE_HOSTNAME names the host
  process.env.WEBSITE_HOSTNAME ??= new URL(base).host;
  const data = clientData(base, hub, key);
  for (const reg of registrations) {
    const binding = Object.entries(reg.bindings).find(([, b]) => b.direction === 'in' && (b.type === 'durableClient' || b.type === 'orchestrationClient'));
    if (!binding) continue;
    const inner = reg.handler;
    reg.handler = (trigger: unknown, context: unknown) => {
      (context as { extraInputs: { set(name: string, v: unknown): void } }).extraInputs.set(binding[0], data);
      return inner(trigger, context);
    };
  }

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, reads: BodyReads) => {
    const rest = url.pathname.slice(PREFIX.length).split('/').map(decodeURIComponent);
    const method = (req.method ?? 'GET').toUpperCase();
    if (rest[0] === 'orchestrators' && method === 'POST' && rest.length <= 3) {
      const [, name, given] = rest;
      if (!runner.hasOrchestrator(name)) return json(res, 404, { Message: `no orchestrator function named ${name}` });
      const text = await bodyText(reads);
      const id = given || randomUUID().replace(/-/g, '');
      const existing = await runner.get(id);
      if (existing && ['Pending', 'Running'].includes(existing.runtimeStatus)) return json(res, 409, { Message: `an instance with ID '${id}' already exists and is ${existing.runtimeStatus}` });
      if (existing) await runner.purge(id);
      await runner.start(name, id, text === '' ? null : JSON.parse(text));
      const links = Object.fromEntries(Object.entries(data.managementUrls).map(([k, v]) => [k, v.replace(ID, id)]));
      return json(res, 202, links, { location: links.statusQueryGetUri });
    }
    if (rest[0] !== 'instances' || !rest[1]) return json(res, 404, { Message: 'not found' });
    const id = rest[1];
    const action = rest[2];
    if (!action && method === 'GET') {
      const rec = await runner.get(id);
      if (!rec) return json(res, 404, undefined);
      const running = ['Pending', 'Running'].includes(rec.runtimeStatus);
      return json(res, running ? 202 : 200, statusOf(rec, url.searchParams.get('showHistory') === 'true'), running ? { location: url.href, 'retry-after': '10' } : {});
    }
    if (!action && method === 'DELETE') {
      const rec = await runner.get(id);
      if (!rec) return json(res, 404, undefined);
      if (['Pending', 'Running'].includes(rec.runtimeStatus)) return json(res, 400, { Message: 'the instance is still running: terminate it first' });
      await runner.purge(id);
      return json(res, 200, { instancesDeleted: 1 });
    }
    if (action === 'terminate' && method === 'POST') {
      req.resume();
      const r = await runner.terminate(id, url.searchParams.get('reason') ?? '');
      return json(res, r === 'done' ? 202 : r === 'gone' ? 410 : 404, undefined);
    }
    req.resume();
    return json(res, 501, { Message: `the local Durable runner does not emulate ${method} ${action ?? ''} (only start, status, terminate and purge)` });
  };

  const resumed = await runner.resume();
  if (resumed) console.log(`Durable: ${resumed} 个运行中的实例已恢复 running instances resumed`);
  return { runner, serve };
}
