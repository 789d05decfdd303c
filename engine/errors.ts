/** Two messages for every problem a user reads: Chinese first, English beside it. */
export interface Message { zh: string; en: string }

/**
 * An error a user reads: Chinese first, English beside it. `message` carries both so that any
 * caller that only prints `message` still shows the Chinese.
 */
export class YibaoError extends Error {
  readonly zh: string;
  readonly en: string;
  readonly code: string;
  constructor(zh: string, en: string, code = 'invalid') {
    // These describe bad input, not bugs: no stack trace is ever shown, and capturing one for each of
    // a million rejected rows would cost more than settling them.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${zh} (${en})`);
    Error.stackTraceLimit = limit;
    this.zh = zh;
    this.en = en;
    this.code = code;
    this.name = 'YibaoError';
  }
  get reason(): Message {
    return { zh: this.zh, en: this.en };
  }
}

export function bilingual(m: Message): string {
  return `${m.zh} (${m.en})`;
}

/**
 * User text quoted back in a message: shortened, and any run that looks like a resident ID number
 * (15 or more digits, perhaps ending in X) masked to its first 6 and last 4, since a shifted column
 * can put an ID number where a category or date was expected.
 */
export function echo(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return short.replace(/\d{14,}[\dXx]/g, (m) => `${m.slice(0, 6)}${'*'.repeat(m.length - 10)}${m.slice(-4)}`);
}

/** A ledger without even a header (a CSV) or a claim (NDJSON). */
export function emptyInput(): YibaoError {
  return new YibaoError('输入文件为空', 'the input is empty', 'empty');
}
