// A stand-in for Excel's CustomFunctions runtime in Node: Error, ErrorCode and associate, as the
// real one exposes them. Import this before the add-in's functions.
export class ShimError extends Error {
  constructor(readonly code: string, message?: string) {
    super(message);
  }
}

export const associated = new Map<string, unknown>();

(globalThis as unknown as { CustomFunctions: unknown }).CustomFunctions = {
  Error: ShimError,
  ErrorCode: { invalidValue: '#VALUE!', notAvailable: '#N/A', invalidNumber: '#NUM!', divisionByZero: '#DIV/0!' },
  associate: (id: string, fn: unknown) => associated.set(id, fn),
};

/** The Excel error a call gives: code and message; fails the test if the call succeeds. */
export async function excelErrorOf(call: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (e) {
    if (!(e instanceof ShimError)) throw new Error(`expected a CustomFunctions.Error, got ${String(e)}`);
    return { code: e.code, message: e.message };
  }
  throw new Error('expected an Excel error, got a value');
}

/** Chinese first: Chinese within the first few characters, the English after it in parentheses at the end. */
export function chineseFirst(message: string): boolean {
  const cjk = message.search(/[\u4e00-\u9fff]/);
  const english = message.search(/ \(.*[a-z]{4,}/s);
  return cjk >= 0 && cjk < 20 && english > cjk && message.endsWith(')');
}

/**
 * The functions as Excel calls them: any value in any argument (null for an omitted one, a bare value
 * or a matrix for a range). Their TypeScript types are the metadata Excel reads, not a contract
 * Excel keeps, so tests call them with this looser view.
 */
export type ExcelCalls<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: { [I in keyof A]: unknown }) => R : T[K] };
