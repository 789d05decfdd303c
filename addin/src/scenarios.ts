// What-if scenarios stored in the workbook. The shared runtime holds one store (on globalThis, so the
// functions bundle and the task-pane bundle see the same one); in Excel it is saved in the
// workbook's document settings (Office.context.document.settings, key "yibao.scenarios"), so a
// scenario travels with the file. Outside Office (tests, a plain browser) the store is in memory.
import { defaultBook, scenarioFrom, YibaoError, type Scenario } from '../../engine';

/** A scenario as saved: plain JSON, the same shape as a scenario file of the command line. */
export interface StoredScenario {
  name: string;
  city?: string;
  description?: string;
  overrides: Record<string, unknown>;
}

export const SETTINGS_KEY = 'yibao.scenarios';

interface OfficeSettings {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  saveAsync(callback?: (result: { status: string; error?: { message: string } }) => void): void;
  refreshAsync?(callback?: (result: unknown) => void): void;
}

interface StoreState {
  scenarios: Map<string, StoredScenario>;
  /** Validated engine scenarios by name, rebuilt when a scenario changes. */
  cache: Map<string, Scenario>;
  settings?: OfficeSettings;
  ready: Promise<void>;
  markReady: () => void;
  listeners: Set<() => void>;
}

function state(): StoreState {
  const g = globalThis as unknown as { __YIBAO_SCENARIOS__?: StoreState };
  if (!g.__YIBAO_SCENARIOS__) {
    let markReady = () => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    g.__YIBAO_SCENARIOS__ = { scenarios: new Map(), cache: new Map(), ready, markReady, listeners: new Set() };
    // Without Office.js there is nothing to wait for; with it, the workbook's settings load on onReady.
    const office = (globalThis as unknown as { Office?: { onReady?: (cb: (info: unknown) => void) => unknown; context?: { document?: { settings?: OfficeSettings } } } }).Office;
    if (!office?.onReady) markReady();
    else office.onReady(() => attachSettings(office.context?.document?.settings));
  }
  return g.__YIBAO_SCENARIOS__;
}

/** Resolves once the workbook's scenarios are loaded (at once outside Office). */
export function scenariosReady(): Promise<void> {
  return state().ready;
}

/** Load the scenarios saved in the workbook (called by the task pane's Office.onReady). */
export function attachSettings(settings: OfficeSettings | undefined): void {
  const s = state();
  s.settings = settings;
  if (settings) loadFrom(settings.get(SETTINGS_KEY));
  s.markReady();
}

function loadFrom(raw: unknown): void {
  const s = state();
  s.scenarios.clear();
  s.cache.clear();
  const list = typeof raw === 'string' ? safeParse(raw) : raw;
  if (Array.isArray(list)) {
    for (const item of list) {
      if (item && typeof item === 'object' && typeof (item as StoredScenario).name === 'string') {
        const sc = item as StoredScenario;
        s.scenarios.set(sc.name, { name: sc.name, city: sc.city, description: sc.description, overrides: { ...(sc.overrides ?? {}) } });
      }
    }
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return [];
  }
}

/** Re-read the settings (another user changed them: co-authoring) and tell listeners. */
export function reloadFromSettings(): void {
  const s = state();
  if (s.settings) loadFrom(s.settings.get(SETTINGS_KEY));
  for (const l of s.listeners) l();
}

export function listScenarios(): StoredScenario[] {
  return [...state().scenarios.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function storedScenario(name: string): StoredScenario | undefined {
  return state().scenarios.get(name);
}

/** A scenario by name, validated by the engine; an unknown name is an error listing the saved ones. */
export function getScenario(name: string): Scenario {
  const s = state();
  const hit = s.cache.get(name);
  if (hit) return hit;
  const stored = s.scenarios.get(name);
  if (!stored) {
    const names = listScenarios().map((x) => x.name);
    const list = names.length ? names.join('、') : '（无 none）';
    throw new YibaoError(`未找到情景“${name}”；本工作簿中的情景：${list}`, `no scenario "${name}" in this workbook; saved: ${names.join(', ') || 'none'}`, 'scenario-name');
  }
  const scenario = scenarioFrom(defaultBook(), stored, stored.name);
  s.cache.set(name, scenario);
  return scenario;
}

/** Check a scenario with the engine and save it (replacing one of the same name). */
export async function saveScenario(input: StoredScenario): Promise<Scenario> {
  const scenario = scenarioFrom(defaultBook(), input, input.name);
  const s = state();
  s.scenarios.set(scenario.name, { name: scenario.name, city: scenario.city, description: input.description, overrides: { ...input.overrides } });
  s.cache.delete(scenario.name);
  await persist();
  for (const l of s.listeners) l();
  return scenario;
}

export async function deleteScenario(name: string): Promise<boolean> {
  const s = state();
  const had = s.scenarios.delete(name);
  s.cache.delete(name);
  if (had) {
    await persist();
    for (const l of s.listeners) l();
  }
  return had;
}

/** Called after every change (the task pane recalculates the workbook). */
export function onScenariosChanged(listener: () => void): () => void {
  state().listeners.add(listener);
  return () => state().listeners.delete(listener);
}

/** Forget everything (tests). */
export function resetScenarios(): void {
  const s = state();
  s.scenarios.clear();
  s.cache.clear();
  s.listeners.clear();
}

function persist(): Promise<void> {
  const s = state();
  const settings = s.settings;
  if (!settings) return Promise.resolve();
  settings.set(SETTINGS_KEY, JSON.stringify(listScenarios()));
  return new Promise((resolve, reject) =>
    settings.saveAsync((r) => (r.status === 'failed' ? reject(new YibaoError(`情景未能保存到工作簿：${r.error?.message ?? ''}`, `the scenario could not be saved in the workbook: ${r.error?.message ?? ''}`, 'scenario')) : resolve())),
  );
}
