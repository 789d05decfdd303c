// A stand-in for the module `@azure/functions-core`, which the real Functions worker provides to the
// @azure/functions library. It records the app's registrations (name, trigger, route, methods,
// authLevel, schedule, bindings) with their handlers, so that a small local host can serve the very
// functions the app registers. It emulates no binding other than HTTP and timers, and no Durable.
import Module from 'node:module';

export interface Binding { type: string; direction?: string; name?: string; route?: string; methods?: string[]; authLevel?: string; schedule?: string; [k: string]: unknown }

export interface Registration {
  name: string;
  trigger: Binding;
  bindings: Record<string, Binding>;
  handler: (...args: unknown[]) => unknown;
}

export const registrations: Registration[] = [];
const logs: { level: string; category: string; message: string }[] = [];

export const coreApi = {
  version: '0.0.0-yibao-local',
  hostVersion: '4.1000.0-yibao-local',
  registerFunction(metadata: { name: string; bindings: Record<string, Binding> }, handler: (...args: unknown[]) => unknown) {
    const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in' && /trigger$/i.test(b.type));
    if (!trigger) throw new Error(`function ${metadata.name} has no trigger`);
    registrations.push({ name: metadata.name, trigger, bindings: metadata.bindings, handler });
    return { dispose() { const i = registrations.findIndex((r) => r.name === metadata.name); if (i >= 0) registrations.splice(i, 1); } };
  },
  programmingModel: undefined as unknown,
  setProgrammingModel(model: unknown) { coreApi.programmingModel = model; },
  getProgrammingModel() { return coreApi.programmingModel; },
  registerHook(_name: string, _cb: unknown) { return { dispose() {} }; },
  log(level: string, category: string, message: string) {
    logs.push({ level, category, message });
    if (level === 'error' || level === 'critical') console.error(message);
  },
};

let installed = false;

/** Make require('@azure/functions-core') return the stand-in. Call before the app is loaded. */
export function installCore(): void {
  if (installed) return;
  installed = true;
  const M = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const load = M._load;
  M._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === '@azure/functions-core') return coreApi;
    return load.call(this, request, parent, isMain);
  };
}
