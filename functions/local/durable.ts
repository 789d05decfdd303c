// The local Durable runner: plays the part of the Durable extension for the app's real orchestrations
// under `npm start`, where no Functions host (and so no extension) runs.
//
// The extension's part, as the durable-functions SDK expects it:
//  - an orchestrator episode: the registered orchestration handler is called with the instance's
//    history (OrchestratorStarted, ExecutionStarted, TaskScheduled, TaskCompleted/TaskFailed, …) and
//    its input; the SDK replays the generator over the history and answers the actions it took
//    (OrchestratorState: actions, isDone, output, error, customStatus). The runner records each new
//    action as a TaskScheduled event (its id: its place among all the actions, as the extension's
//    matching by order gives it), saves the instance, and only then runs the activities;
//  - activities run with host.json's maxConcurrentActivityFunctions; each one's result (or failure)
//    becomes one TaskCompleted (TaskFailed) event for its id, then the next episode runs;
//  - the instances (status, custom status, output, history) are kept in the app's storage
//    (durable-store.ts); at start, instances still Pending or Running are resumed: activities scheduled
//    without a result run again (at least once, as on the extension), an instance never started starts;
//  - the management HTTP API (durable-api.ts) that the SDK's DurableClient calls and whose URLs
//    createCheckStatusResponse hands out.
// It does not emulate: task hubs shared between apps or hosts (one process owns the hub), timers,
// external events, sub-orchestrations, entities, retries, suspend/rewind. An orchestrator that asks for
// one of these fails with a message that says so.
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import type { ContainerClient } from '@azure/storage-blob';
import type { Registration } from './core';
import { EVENT, InstanceStore, RUNNING, type HistoryEvent, type Instance } from './durable-store';

/** What the SDK's orchestration handler answers (OrchestratorState with the V1 replay schema). */
interface OrchestratorState { isDone: boolean; actions: unknown[][]; output?: unknown; error?: string; customStatus?: unknown }
interface Action { actionType: number; functionName?: string; input?: unknown }

const CALL_ACTIVITY = 0; // ActionType.CallActivity
const OUT_OF_PROC = '\n\n$OutOfProcData$:'; // OrchestrationFailureError's marker before the state

export interface RunnerOptions {
  registrations: Registration[];
  container: ContainerClient;
  /** maxConcurrentActivityFunctions of host.json. */
  activityLimit: number;
  /** A pause before each activity (YIBAO_DURABLE_ACTIVITY_DELAY_MS): to watch a job's progress, or stop a host mid-job. */
  activityDelayMs?: number;
  log?: (line: string) => void;
}

const kind = (r: Registration) => r.trigger.type.toLowerCase();

/**
 * The actions of an episode in the order the SDK numbered their tasks, each once: a fan-in that
 * waits again on tasks already scheduled (Task.any over those still pending) repeats their action
 * objects, which the extension matches to the events already in the history.
 */
export function uniqueActions(state: OrchestratorState): Action[] {
  const seen = new Set<unknown>();
  const out: Action[] = [];
  for (const group of state.actions) for (const a of group) {
    if (seen.has(a)) continue;
    seen.add(a);
    out.push(a as Action);
  }
  return out;
}

/** The registered orchestration handler over a history: the SDK's replay, its state out (failures too). */
export async function replay(handler: Registration['handler'], instanceId: string, input: unknown, history: HistoryEvent[], name = 'orchestrator'): Promise<OrchestratorState> {
  const trigger = { history, input, instanceId, isReplaying: false, parentInstanceId: '', upperSchemaVersion: 0, longRunningTimerIntervalDuration: '3.00:00:00', maximumShortTimerDuration: '6.00:00:00', defaultHttpAsyncRequestSleepTimeMillseconds: 30000 };
  const context = new InvocationContext({ functionName: name, invocationId: randomUUID(), logHandler: () => undefined });
  try {
    return (await handler(trigger, context)) as OrchestratorState;
  } catch (e) {
    const text = (e as Error).message ?? '';
    const at = text.indexOf(OUT_OF_PROC);
    if (at < 0) throw e;
    return JSON.parse(text.slice(at + OUT_OF_PROC.length)) as OrchestratorState;
  }
}

const scheduledCount = (h: HistoryEvent[]) => h.filter((e) => e.EventType === EVENT.TaskScheduled).length;

/** Scheduled tasks with no result yet in the history. */
export function openTasks(h: HistoryEvent[]): HistoryEvent[] {
  const done = new Set(h.filter((e) => e.EventType === EVENT.TaskCompleted || e.EventType === EVENT.TaskFailed).map((e) => e.TaskScheduledId));
  return h.filter((e) => e.EventType === EVENT.TaskScheduled && !done.has(e.EventId));
}

interface Live { rec: Instance; inbox: HistoryEvent[]; busy: boolean; again: boolean; idle: Promise<void>; settle: () => void }

export class DurableRunner {
  readonly store: InstanceStore;
  private readonly live = new Map<string, Live>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly o: RunnerOptions) {
    this.store = new InstanceStore(o.container);
    this.log = o.log ?? ((l) => console.log(l));
  }

  private reg(name: string, type: string): Registration | undefined {
    return this.o.registrations.find((r) => r.name === name && kind(r) === type);
  }

  hasOrchestrator(name: string): boolean {
    return this.reg(name, 'orchestrationtrigger') !== undefined;
  }

  /** A new instance, Pending until its first episode. */
  async start(name: string, instanceId: string, input: unknown): Promise<Instance> {
    const now = new Date().toISOString();
    const rec: Instance = { name, instanceId, input, runtimeStatus: 'Pending', customStatus: null, output: null, createdTime: now, lastUpdatedTime: now, history: [] };
    await this.store.save(rec);
    this.track(rec);
    void this.kick(instanceId);
    return rec;
  }

  async get(id: string): Promise<Instance | undefined> {
    return this.live.get(id)?.rec ?? (await this.store.load(id));
  }

  async terminate(id: string, reason: string): Promise<'done' | 'gone' | 'missing'> {
    const rec = await this.get(id);
    if (!rec) return 'missing';
    if (!RUNNING.includes(rec.runtimeStatus)) return 'gone';
    const now = new Date();
    rec.history.push({ EventType: EVENT.ExecutionTerminated, EventId: -1, IsPlayed: false, Timestamp: now, Input: JSON.stringify(reason) });
    Object.assign(rec, { runtimeStatus: 'Terminated', output: reason, lastUpdatedTime: now.toISOString() });
    await this.store.save(rec);
    const l = this.live.get(id);
    if (l && !l.busy) { l.settle(); this.live.delete(id); } // else its episode in progress ends it
    return 'done';
  }

  async purge(id: string): Promise<boolean> {
    this.live.delete(id);
    return this.store.remove(id);
  }

  /** Resume what was running when the host stopped. */
  async resume(): Promise<number> {
    let n = 0;
    for await (const rec of this.store.running()) {
      n++;
      this.track(rec);
      const open = openTasks(rec.history);
      this.log(`durable: ${rec.name} ${rec.instanceId} 恢复运行 resumed (${open.length} activities to run again)`);
      if (rec.history.length === 0) void this.kick(rec.instanceId);
      for (const t of open) void this.activity(rec.instanceId, t);
    }
    return n;
  }

  /** Resolves when the instance is no longer running (tests, the monthly run). */
  async settled(id: string): Promise<void> {
    await this.live.get(id)?.idle;
  }

  private track(rec: Instance): Live {
    let settle = () => undefined as void;
    const idle = new Promise<void>((r) => (settle = r));
    const l: Live = { rec, inbox: [], busy: false, again: false, idle, settle };
    this.live.set(rec.instanceId, l);
    return l;
  }

  /** Run episodes until nothing new came in (one at a time per instance). */
  private async kick(id: string): Promise<void> {
    const l = this.live.get(id);
    if (!l) return;
    if (l.busy) { l.again = true; return; }
    l.busy = true;
    try {
      do {
        l.again = false;
        await this.episode(l);
      } while (l.again);
    } catch (e) {
      this.log(`durable: ${l.rec.instanceId} episode failed: ${(e as Error).message}`);
    } finally {
      l.busy = false;
    }
    if (!RUNNING.includes(l.rec.runtimeStatus)) {
      l.settle();
      this.live.delete(id);
    }
  }

  private async episode(l: Live): Promise<void> {
    const rec = l.rec;
    if (!RUNNING.includes(rec.runtimeStatus)) return;
    const now = new Date();
    const at = (e: Omit<HistoryEvent, 'IsPlayed' | 'Timestamp'>): HistoryEvent => ({ ...e, IsPlayed: false, Timestamp: now });
    const fresh: HistoryEvent[] = [at({ EventType: EVENT.OrchestratorStarted, EventId: -1 })];
    if (rec.history.length === 0) fresh.push(at({ EventType: EVENT.ExecutionStarted, EventId: -1, Name: rec.name, Input: JSON.stringify(rec.input ?? null) }));
    fresh.push(...l.inbox.splice(0));
    if (fresh.length === 1) return; // nothing new
    const history = [...rec.history.map((e) => ({ ...e, IsPlayed: true })), ...fresh];
    const reg = this.reg(rec.name, 'orchestrationtrigger');
    let state: OrchestratorState;
    try {
      if (!reg) throw new Error(`no orchestrator function named ${rec.name}`);
      state = await replay(reg.handler, rec.instanceId, rec.input, history, rec.name);
    } catch (e) {
      state = { isDone: false, actions: [], error: (e as Error).message };
    }
    const before = scheduledCount(rec.history);
    const added = uniqueActions(state).slice(before);
    const scheduled: HistoryEvent[] = [];
    let error = state.error;
    for (const [i, a] of added.entries()) {
      if (a.actionType !== CALL_ACTIVITY) {
        error ??= `本地 Durable 运行器不支持该操作（类型 ${a.actionType}）(the local Durable runner does not emulate action type ${a.actionType}: only activity calls)`;
        break;
      }
      const input = typeof a.input === 'string' ? JSON.parse(a.input) : a.input; // the SDK sends a string input as JSON
      scheduled.push(at({ EventType: EVENT.TaskScheduled, EventId: before + i, Name: a.functionName, Input: JSON.stringify(input ?? null) }));
    }
    const done = error === undefined && state.isDone;
    const ending: HistoryEvent[] = [at({ EventType: EVENT.OrchestratorCompleted, EventId: -1 })];
    if (error !== undefined) ending.push(at({ EventType: EVENT.ExecutionFailed, EventId: -1, Reason: error }));
    else if (done) ending.push(at({ EventType: EVENT.ExecutionCompleted, EventId: -1, Result: JSON.stringify(state.output ?? null) }));
    // a terminate that came during the replay wins
    if (!RUNNING.includes(rec.runtimeStatus)) return;
    rec.history = [...rec.history, ...fresh.map((e) => ({ ...e })), ...(error === undefined && !done ? scheduled : []), ...ending];
    rec.customStatus = state.customStatus ?? rec.customStatus ?? null;
    rec.lastUpdatedTime = now.toISOString();
    rec.runtimeStatus = error !== undefined ? 'Failed' : done ? 'Completed' : 'Running';
    rec.output = error !== undefined ? error : done ? (state.output ?? null) : null;
    await this.store.save(rec);
    if (rec.runtimeStatus !== 'Running') {
      this.log(`durable: ${rec.name} ${rec.instanceId} ${rec.runtimeStatus}`);
      return;
    }
    for (const t of scheduled) void this.activity(rec.instanceId, t);
  }

  /** One activity, within the concurrency limit; its result goes to the instance's next episode. */
  private async activity(id: string, task: HistoryEvent): Promise<void> {
    await this.slot();
    let result: HistoryEvent;
    try {
      const l = this.live.get(id);
      if (!l || !RUNNING.includes(l.rec.runtimeStatus)) return; // terminated or purged meanwhile
      const reg = this.reg(task.Name ?? '', 'activitytrigger');
      if (!reg) throw new Error(`no activity function named ${task.Name}`);
      if (this.o.activityDelayMs) await new Promise((r) => setTimeout(r, this.o.activityDelayMs));
      const context = new InvocationContext({
        functionName: reg.name,
        invocationId: randomUUID(),
        logHandler: (level, ...args) => this.log(`[${new Date().toISOString()}] ${reg.name} ${level}: ${args.map(String).join(' ')}`),
      });
      const out = await reg.handler(JSON.parse(task.Input ?? 'null'), context);
      result = { EventType: EVENT.TaskCompleted, EventId: -1, IsPlayed: false, Timestamp: new Date(), TaskScheduledId: task.EventId, Result: JSON.stringify(out ?? null) };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      result = { EventType: EVENT.TaskFailed, EventId: -1, IsPlayed: false, Timestamp: new Date(), TaskScheduledId: task.EventId, Reason: err.message, Details: err.stack ?? '' };
    } finally {
      this.release();
    }
    const l = this.live.get(id);
    if (!l) return;
    l.inbox.push(result);
    await this.kick(id);
  }

  private async slot(): Promise<void> {
    if (this.running < this.o.activityLimit) { this.running++; return; }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes on
    else this.running--;
  }
}
