import type { Message } from './types';

/**
 * An error a user reads: Chinese first, English beside it. `message` carries both so that any
 * caller that only prints `message` still shows the Chinese.
 */
export class YibaoError extends Error {
  readonly zh: string;
  readonly en: string;
  constructor(zh: string, en: string, readonly code = 'invalid') {
    super(`${zh} (${en})`);
    this.zh = zh;
    this.en = en;
    this.name = 'YibaoError';
  }
  get reason(): Message {
    return { zh: this.zh, en: this.en };
  }
}

export function bilingual(m: Message): string {
  return `${m.zh} (${m.en})`;
}
