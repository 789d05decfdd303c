// Outside Excel (a plain browser, the headless test) Office.js gives no working CustomFunctions:
// the associate calls appended to functions.ts at build time would throw. This fills in only what is
// missing, and records every association so the page (and its test) can call the registered functions.
type Fn = (...args: unknown[]) => unknown;
interface CF { associate?: (id: string | Record<string, Fn>, fn?: Fn) => void; [k: string]: unknown }

const g = globalThis as unknown as { CustomFunctions?: CF; __YIBAO_FUNCTIONS__?: Record<string, Fn> };
const registry: Record<string, Fn> = (g.__YIBAO_FUNCTIONS__ ??= {});
const cf: CF = (g.CustomFunctions ??= {});
const original = typeof cf.associate === 'function' ? cf.associate.bind(cf) : undefined;
cf.associate = (id, fn) => {
  if (typeof id === 'string' && fn) registry[id.toUpperCase()] = fn;
  else if (id && typeof id === 'object') for (const [k, f] of Object.entries(id)) registry[k.toUpperCase()] = f;
  // Outside Excel the runtime's own associate may exist but throw (no host): the registry still works.
  try {
    original?.(id as string, fn as Fn);
  } catch (e) {
    console.warn('CustomFunctions.associate failed outside Excel:', e);
  }
};

export {};
