// Where the local Durable runner keeps its instances: one JSON blob per instance (its name, input,
// runtime status, custom status, output and whole history) in the task hub's container of the app's
// storage (Azurite under `npm start`). A blob is replaced whole by one request, so a host killed at any
// moment leaves either the state before an orchestrator episode or the one after it, never half of one.
// Histories stay small: activities carry blob names and totals, never rows.
import type { ContainerClient } from '@azure/storage-blob';

/** A history event as the durable-functions SDK reads it (the extension's field names). */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: Date;
  Name?: string;
  Input?: string;
  Result?: string;
  Reason?: string;
  Details?: string;
  TaskScheduledId?: number;
}

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

export interface Instance {
  name: string;
  instanceId: string;
  input: unknown;
  runtimeStatus: RuntimeStatus;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  history: HistoryEvent[];
}

// HistoryEventType of the SDK (durable-functions/lib/src/history/HistoryEventType)
export const EVENT = {
  ExecutionStarted: 0, ExecutionCompleted: 1, ExecutionFailed: 2, ExecutionTerminated: 3, TaskScheduled: 4,
  TaskCompleted: 5, TaskFailed: 6, OrchestratorStarted: 12, OrchestratorCompleted: 13,
} as const;

export const RUNNING: readonly RuntimeStatus[] = ['Pending', 'Running'];

const blobName = (id: string) => `instances/${encodeURIComponent(id)}.json`;

export class InstanceStore {
  constructor(private readonly client: ContainerClient) {}

  async load(id: string): Promise<Instance | undefined> {
    try {
      // one GET of the whole blob (downloadToBuffer asks for its size first, then its bytes: a save
      // between the two requests breaks the read)
      const res = await this.client.getBlobClient(blobName(id)).download();
      const parts: Buffer[] = [];
      for await (const c of res.readableStreamBody!) parts.push(c as Buffer);
      return revive(JSON.parse(Buffer.concat(parts).toString('utf8')) as Instance);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async save(rec: Instance): Promise<void> {
    const text = JSON.stringify(rec);
    // the status in the metadata too: the instances to resume are found without reading every one
    await this.client.getBlockBlobClient(blobName(rec.instanceId)).upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'application/json' }, metadata: { runtimestatus: rec.runtimeStatus } });
  }

  async remove(id: string): Promise<boolean> {
    const res = await this.client.deleteBlob(blobName(id)).catch((e: { statusCode?: number }) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    });
    return res !== undefined;
  }

  /** The instances still Pending or Running (to resume them at start). */
  async *running(): AsyncGenerator<Instance> {
    for await (const b of this.client.listBlobsFlat({ prefix: 'instances/', includeMetadata: true })) {
      if (!RUNNING.includes(b.metadata?.runtimestatus as RuntimeStatus)) continue;
      const rec = await this.load(decodeURIComponent(b.name.slice('instances/'.length, -'.json'.length)));
      if (rec && RUNNING.includes(rec.runtimeStatus)) yield rec;
    }
  }
}

/** Timestamps back to Dates (the SDK compares them with the orchestration's clock). */
function revive(rec: Instance): Instance {
  for (const e of rec.history) e.Timestamp = new Date(e.Timestamp);
  return rec;
}
