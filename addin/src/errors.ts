// Engine errors (YibaoError: Chinese + English) to Excel errors. Only #VALUE! and #N/A carry a custom
// message in Excel, so those two are the only codes used: #N/A for a name that matches nothing (city,
// category, parameter, scenario), #VALUE! for a value that is malformed or out of range.
import { YibaoError } from '../../engine';

export type ExcelErrorCode = '#VALUE!' | '#N/A';

/** Codes of YibaoError that mean "no such thing" rather than "bad value". */
const NOT_FOUND = new Set(['city', 'category', 'parameter', 'scenario-name', 'no-threshold']);

/** What CustomFunctions.Error looks like; outside Excel (tests, a plain browser) a stand-in is used. */
export class ExcelFunctionError extends Error {
  readonly code: ExcelErrorCode;
  constructor(code: ExcelErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'ExcelFunctionError';
  }
}

interface CustomFunctionsLike {
  Error?: new (code: never, message?: string) => Error;
  ErrorCode?: Record<string, string>;
}

function runtime(): CustomFunctionsLike | undefined {
  return (globalThis as unknown as { CustomFunctions?: CustomFunctionsLike }).CustomFunctions;
}

/** A CustomFunctions.Error where the runtime has one, else the stand-in with the same code and message. */
export function excelError(code: ExcelErrorCode, message: string): Error {
  const cf = runtime();
  if (cf?.Error && cf.ErrorCode) {
    const name = code === '#N/A' ? 'notAvailable' : 'invalidValue';
    return new cf.Error((cf.ErrorCode[name] ?? code) as never, message);
  }
  return new ExcelFunctionError(code, message);
}

/** Any thrown value to the Excel error the cell shows, Chinese first. */
export function toExcelError(e: unknown): Error {
  if (e instanceof YibaoError) return excelError(NOT_FOUND.has(e.code) ? '#N/A' : '#VALUE!', `${e.zh} (${e.en})`);
  const cf = runtime();
  if (e instanceof ExcelFunctionError || (cf?.Error && e instanceof cf.Error)) return e as Error;
  const text = e instanceof Error ? e.message : String(e);
  return excelError('#VALUE!', `内部错误：${text} (internal error: ${text})`);
}

/** Run fn and turn whatever it throws into an Excel error (thrown, so Excel shows it in the cell). */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toExcelError(e);
  }
}

export async function guardAsync<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toExcelError(e);
  }
}
