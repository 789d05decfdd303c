// Each command's options, read with Node's own util.parseArgs (strict: an unknown option, a missing
// value or a value given to a flag is an error, so a mistyped option never silently falls back to a
// default), and each command's help written from the same table that reads its options.
import { parseArgs } from 'node:util';
import { YibaoError } from '../engine';

export interface OptionSpec {
  /** 'string' options take a value (shown as `arg`), 'boolean' ones are flags. */
  type: 'string' | 'boolean';
  /** Given more than once, every value is kept (e.g. several --compare scenarios). */
  multiple?: boolean;
  arg?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** The arguments after the command's name, as the usage line shows them. */
  usage: string;
  summary: string;
  /** More lines for `yibao <command> --help`. */
  details?: string;
  options: Record<string, OptionSpec>;
}

export interface Args {
  positional: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

export function usageError(zh: string, en: string): YibaoError {
  return new YibaoError(zh, en, 'usage');
}

const HELP_OPTION: OptionSpec = { type: 'boolean', help: '本命令的说明 this help' };

/** Read a command's arguments; --help / -h is every command's. */
export function readArgs(spec: CommandSpec, argv: string[]): Args {
  const options = { ...spec.options, help: HELP_OPTION };
  const config = Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.type, multiple: o.multiple === true, ...(name === 'help' ? { short: 'h' } : {}) }]));
  try {
    const { values, positionals } = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
    return { positional: positionals, values: values as Args['values'] };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw argumentError(spec, e as NodeJS.ErrnoException);
    throw e;
  }
}

/** util.parseArgs's errors said in the user's words, naming the option. */
function argumentError(spec: CommandSpec, e: NodeJS.ErrnoException): YibaoError {
  const name = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '';
  const known = Object.keys(spec.options).map((k) => `--${k}`).join(' ');
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return usageError(`未知选项 ${name}；可用：${known || '（无）'}`, `unknown option ${name}; known: ${known || '(none)'}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(e.message)
        ? usageError(`选项 ${name} 不带值`, `option ${name} takes no value`)
        : usageError(`选项 ${name} 缺少值`, `option ${name} needs a value`);
    default: // e.g. a positional where the command takes none
      return usageError(`参数无效：${e.message}`, `invalid arguments: ${e.message}`);
  }
}

export function text(args: Args, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function texts(args: Args, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(args: Args, name: string): boolean {
  return args.values[name] === true;
}

export function usageLine(spec: CommandSpec): string {
  return `yibao ${spec.name} ${spec.usage}`.trimEnd();
}

/** `yibao <command> --help`: usage, what it does, every option. */
export function commandHelp(spec: CommandSpec): string {
  const options = Object.entries({ ...spec.options, help: HELP_OPTION }).map(([name, o]) => {
    const left = `  --${name}${o.type === 'string' ? ` ${o.arg ?? 'value'}` : ''}${name === 'help' ? ', -h' : ''}`;
    return `${left.padEnd(34)} ${o.help}${o.multiple ? '（可多次 may repeat）' : ''}`;
  });
  return [`用法 usage: ${usageLine(spec)}`, '', `  ${spec.summary}`, ...(spec.details ? ['', spec.details.replace(/^/gm, '  ')] : []), '', '选项 options:', ...options, ''].join('\n');
}
