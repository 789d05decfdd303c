// A small argument reader: positionals, --flag, --key value, --key=value. Unknown options are errors,
// so a mistyped option never silently falls back to a default.
import { YibaoError } from '../engine';

export interface Args { positional: string[]; options: Map<string, string[]>; flags: Set<string> }

export function parseArgs(argv: string[], valued: string[], flags: string[]): Args {
  const out: Args = { positional: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.positional.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('--') || a === '-') { out.positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = (eq >= 0 ? a.slice(2, eq) : a.slice(2));
    if (flags.includes(name)) {
      if (eq >= 0) throw new YibaoError(`选项 --${name} 不带值`, `option --${name} takes no value`, 'usage');
      out.flags.add(name);
      continue;
    }
    if (!valued.includes(name)) {
      const known = [...valued, ...flags].map((k) => `--${k}`).join(' ');
      throw new YibaoError(`未知选项 --${name}；可用：${known}`, `unknown option --${name}; known: ${known}`, 'usage');
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new YibaoError(`选项 --${name} 缺少值`, `option --${name} needs a value`, 'usage');
    const list = out.options.get(name) ?? [];
    list.push(value);
    out.options.set(name, list);
  }
  return out;
}

export function opt(args: Args, name: string): string | undefined {
  const v = args.options.get(name);
  return v ? v[v.length - 1] : undefined;
}
