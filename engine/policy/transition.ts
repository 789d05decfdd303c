// The transition period 过渡期 (spec 10.2). Rules a document limits to it are marked `transitional`
// in the packs; on a date after `transition.end` they lapse: the parameters a date reads leave them
// out, and the tier, subsidy or budget that used them pays 0 and says why. A scenario that sets a
// later `transition.end` extends them.
import type { Message } from '../errors';
import type { ParamEntry } from '../types';

type Params = Map<string, ParamEntry>;

/** "过渡期已结束（假设 2025-12-31）": what a lapsed rule says, with the end date's status. */
export function transitionEnded(end: ParamEntry): Message {
  const zhStatus = end.scenario ? `情景“${end.scenario}”` : end.status === 'published' ? '已公布' : end.status === 'derived' ? '推算' : '假设';
  const enStatus = end.scenario ? `scenario "${end.scenario}"` : end.status;
  return {
    zh: `过渡期已结束（${zhStatus} ${end.value as string}）`,
    en: `the transition period has ended (${enStatus} ${end.value as string}): the transitional rule no longer applies`,
  };
}

const after = new WeakMap<Params, Params>();
const lapsedOf = new WeakMap<Params, Map<string, ParamEntry>>();

/**
 * The parameters of a date: `params` itself up to `transition.end`, after it the same without the
 * transitional rules (kept aside for lapsedIn). One object per `params`, so rules and plans compiled
 * from it are shared by every date after the end.
 */
export function onDate(params: Params, date: string): Params {
  const end = params.get('transition.end');
  if (!end || date <= (end.value as string)) return params;
  let p = after.get(params);
  if (!p) {
    const lapsed = new Map<string, ParamEntry>();
    p = new Map();
    for (const [name, e] of params) {
      if (e.transitional && !e.scenario) lapsed.set(name, e);
      else p.set(name, e);
    }
    after.set(params, p);
    lapsedOf.set(p, lapsed);
  }
  return p;
}

/** The transitional rules a date's parameters left out, by name (none up to the end). */
export function lapsedIn(params: Params): Map<string, ParamEntry> {
  return lapsedOf.get(params) ?? new Map();
}

/** The note for a rule `prefix` (e.g. `assistance.dibao_marginal`) that lapsed, or null if it did not. */
export function lapsedNote(params: Params, prefix: string): Message | null {
  const lapsed = lapsedIn(params);
  for (const name of lapsed.keys()) if (name.startsWith(`${prefix}.`)) return transitionEnded(params.get('transition.end')!);
  return null;
}
