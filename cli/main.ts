// The `yibao` command line: the same engine as the Excel add-in and the Functions app.
import {
  defaultBook, parseScenario, resolveCity, resolveCategory, subsidyFor, parameterTable, checkPolicy,
  categoriesOf, versionsOf, todayInChina, parseDate, fmt, bilingual, violationLine, YibaoError, duplicatesOption, yearsOption, type Book, type Scenario,
} from '../engine';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readArgs, commandHelp, usageLine, usageError, text, texts, flag, type Args, type CommandSpec, type OptionSpec } from './args';
import { readText } from './io';
import { runSettle } from './settle';
import { runBudget } from './budget';
import { runBudgetYears } from './budget-years';
import { runRosterApply } from './roster';

const SCENARIO: OptionSpec = { type: 'string', arg: 's.json', help: '情景文件 a scenario file: {"overrides": {"contribution.individual": 420}} 为各年度 every year, "contribution.individual@2027": 420 仅该年度 that year only (README: Scenarios)' };
const JSON_OUT: OptionSpec = { type: 'boolean', help: '以 JSON 输出 print JSON' };
const DATE: OptionSpec = { type: 'string', arg: 'YYYY-MM-DD', help: '政策日期（默认今天，中国时间） policy date (default: today, China time)' };

/** Every command: its usage, what it does and its options (one table for reading and for help). */
const COMMANDS: CommandSpec[] = [
  {
    name: 'settle', usage: '<claims.csv|-> [options]',
    summary: '结算理赔台账 settle a claims ledger',
    details: `列 columns: claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid
国家医保信息平台导出 platform exports (setl_id,psn_no,setl_time,med_type,medfee_sumamt,inscp_scp_amt,
hifp_pay,certno) are recognised by their header (docs/nhsa.md). Rejected rows go to <out>.rejected.csv.
退出码 exit status: 0 all settled, 3 some rows rejected, 1 nothing could run, 2 wrong usage.`,
    options: {
      out: { type: 'string', arg: 'results.csv', help: '结果文件（默认标准输出） results file (default: standard output)' },
      scenario: SCENARIO,
      explain: { type: 'boolean', help: '逐档说明每笔结算 explain each claim tier by tier' },
      format: { type: 'string', arg: 'nhsa|spec', help: '输出列名 output column names (default: the input\'s)' },
      city: { type: 'string', arg: 'C', help: '平台导出无城市列时的城市 the city of an export without a city column' },
      'category-column': { type: 'string', arg: 'NAME', help: '平台导出中的类别列 the category column of an export' },
      summary: { type: 'string', arg: 'county,category,month', help: '分组合计 totals per group (city,county,category,month,year,kind)' },
      compare: { type: 'string', multiple: true, arg: 's.json', help: '与政策包对比的情景 what-if against the pack: totals, differences, floors broken' },
      roster: { type: 'string', arg: 'roster.csv', help: '按花名册在就诊日的类别结算 the category in force on each claim\'s date (docs/budget.md)' },
    },
  },
  {
    name: 'budget', usage: '<roster.csv> --year Y [options]',
    summary: '资助参保预算 enrolment-subsidy budget by city, county, category and fund',
    options: {
      year: { type: 'string', arg: 'YYYY', help: '预算年度（或 --years） budget year (or --years)' },
      years: { type: 'string', arg: 'YYYY-YYYY', help: '多年预算，如 2026-2030 a budget for each year, e.g. 2026-2030 (docs/budget.md)' },
      date: { type: 'string', arg: 'YYYY-MM-DD', help: '花名册的有效日期 the date the roster is read at' },
      scenario: { ...SCENARIO, multiple: true },
      json: JSON_OUT,
      out: { type: 'string', arg: 'budget.csv', help: '输出文件 output file' },
      claims: { type: 'string', arg: 'last-year.csv', help: '上年结算台账，按预算年度规则重新结算 last year\'s claims, re-settled for each budget year (docs/budget.md)' },
      duplicates: { type: 'string', arg: 'N|all', help: '列出的重复行数（默认 1000） duplicate rows to list (default 1000)' },
    },
  },
  {
    name: 'roster', usage: 'apply <current.csv> <changes.csv> [options]',
    summary: '花名册月度变动 apply a month\'s additions, removals and category changes',
    options: {
      month: { type: 'string', arg: 'YYYY-MM', help: '变动月份 the month of the changes' },
      out: { type: 'string', arg: 'new.csv', help: '新花名册 the new roster' },
    },
  },
  {
    name: 'subsidy', usage: '--city C --category K --year Y [options]',
    summary: '资助参保 enrolment subsidy per person, split by fund',
    options: {
      city: { type: 'string', arg: 'C', help: '城市（必需） city (required)' },
      category: { type: 'string', arg: 'K', help: '类别（必需） category (required)' },
      year: { type: 'string', arg: 'YYYY', help: '年度（必需） year (required)' },
      date: DATE,
      scenario: SCENARIO,
      json: JSON_OUT,
    },
  },
  {
    name: 'policy', usage: '[city] [options]',
    summary: '政策参数 every parameter with value, status (published/assumed) and source',
    options: { date: DATE, scenario: SCENARIO, json: JSON_OUT },
  },
  {
    name: 'check', usage: '[city] [options]',
    summary: '底线检查 check a policy or scenario against the national and provincial floors',
    options: { date: DATE, scenario: SCENARIO, json: JSON_OUT },
  },
  {
    name: 'categories', usage: '<city> [options]',
    summary: '可用类别 the categories a city accepts, with the names and numbers it takes',
    options: { json: JSON_OUT },
  },
];

const HELP = `yibao — 三重保障测算 (three-tier medical security)

用法 usage:
${COMMANDS.map((c) => `  ${usageLine(c)}\n      ${c.summary}`).join('\n')}
  yibao <command> --help     本命令的说明 help on one command
  yibao --version            版本 version
`;

function scenarioOf(book: Book, args: Args): Scenario | undefined {
  const file = text(args, 'scenario');
  return file ? parseScenario(book, readText(file), file.replace(/^.*[\\/]/, '').replace(/\.json$/i, '')) : undefined;
}

function table(rows: string[][]): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - width(c)))).join('  ')).join('\n') + '\n';
}

function citiesOrOne(book: Book, args: Args) {
  return args.positional[0] ? [resolveCity(book, args.positional[0])] : [...book.cities.values()];
}

/** The package's version, from the package.json above this file (dist/cli/ when built, cli/ in tests). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

function versionText(book: Book): string {
  const packs = [...book.cities.values()].map((c) => `${c.zh} ${c.id} ${versionsOf(c.id, book).map((v) => v.effective).join(', ')}`);
  return `yibao ${packageVersion()}\n政策包 policy packs: ${packs.join('; ')}\n`;
}

/**
 * Exit status: 0 done, 3 some rows rejected (settle), 1 nothing could run (unreadable file, bad
 * scenario, missing columns), 2 wrong usage (unknown command or option, missing argument).
 */
export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    out.write(versionText(defaultBook()));
    return 0;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    const spec = COMMANDS.find((c) => c.name === rest[0]);
    out.write(spec ? commandHelp(spec) : HELP);
    return 0;
  }
  const spec = COMMANDS.find((c) => c.name === command);
  try {
    if (command === undefined) throw usageError('请给出命令', 'give a command');
    if (!spec) throw usageError(`未知命令“${command}”`, `unknown command "${command}"`);
    const args = readArgs(spec, rest);
    if (flag(args, 'help')) {
      out.write(commandHelp(spec));
      return 0;
    }
    return await run(spec.name, args, defaultBook(), out, err);
  } catch (e) {
    if (e instanceof YibaoError) {
      err.write(`错误 error: ${e.message}\n`);
      if (e.code !== 'usage') return 1;
      err.write(spec ? `用法 usage: ${usageLine(spec)}\n（说明 help: yibao ${spec.name} --help）\n` : `\n${HELP}`);
      return 2;
    }
    throw e;
  }
}

async function run(command: string, args: Args, book: Book, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  switch (command) {
    case 'settle': {
      if (args.positional.length !== 1) throw usageError('请给出一个台账文件', 'give one ledger file');
      const compare = texts(args, 'compare').map((f) => parseScenario(book, readText(f), f.replace(/^.*[\\/]/, '').replace(/\.json$/i, ''))); // issue 7
      return await runSettle(book, { input: args.positional[0], out: text(args, 'out'), scenario: scenarioOf(book, args), explain: flag(args, 'explain'), format: text(args, 'format'), city: text(args, 'city'), categoryColumn: text(args, 'category-column'), summary: text(args, 'summary'), compare, roster: text(args, 'roster') }, out, err);
    }
    case 'budget': {
      if (args.positional.length !== 1) throw usageError('请给出一个花名册文件', 'give one roster file');
      const yearIn = text(args, 'year');
      const yearsIn = text(args, 'years');
      if (yearIn && yearsIn) throw usageError('--year 与 --years 只能给一个', 'give --year or --years, not both');
      const scenarios = texts(args, 'scenario').map((f) => parseScenario(book, readText(f), f.replace(/^.*[\\/]/, '').replace(/\.json$/i, '')));
      const claims = text(args, 'claims');
      if (yearsIn || claims) {
        // with --claims, one year is a range of one: the fund's figures come in the multi-year form
        const { from, to } = yearsOption(yearsIn ?? yearIn ?? '');
        return await runBudgetYears(book, { input: args.positional[0], from, to, date: text(args, 'date'), scenarios, json: flag(args, 'json'), out: text(args, 'out'), maxDuplicateReports: duplicatesOption(text(args, 'duplicates')), claims }, out, err);
      }
      if (!yearIn || !/^\d{4}$/.test(yearIn)) throw usageError('须给出 --year YYYY 或 --years YYYY-YYYY', '--year YYYY or --years YYYY-YYYY is required');
      return await runBudget(book, { input: args.positional[0], year: Number(yearIn), date: text(args, 'date'), scenarios, json: flag(args, 'json'), out: text(args, 'out'), maxDuplicateReports: duplicatesOption(text(args, 'duplicates')) }, out, err);
    }
    case 'roster': {
      if (args.positional[0] !== 'apply' || args.positional.length !== 3) throw usageError('用法：yibao roster apply <current.csv> <changes.csv>', 'usage: yibao roster apply <current.csv> <changes.csv>');
      return runRosterApply(book, { current: args.positional[1], changes: args.positional[2], month: text(args, 'month'), out: text(args, 'out') }, out, err);
    }
    case 'subsidy': {
      const cityIn = text(args, 'city');
      const catIn = text(args, 'category');
      const yearIn = text(args, 'year');
      if (!cityIn || !catIn || !yearIn) throw usageError('须给出 --city、--category 和 --year', '--city, --category and --year are required');
      if (!/^\d{4}$/.test(yearIn)) throw usageError(`年度“${yearIn}”无效`, `year "${yearIn}" is invalid`);
      const city = resolveCity(book, cityIn);
      const category = resolveCategory(book, city, catIn);
      const date = text(args, 'date');
      const s = subsidyFor(book, city, category, Number(yearIn), scenarioOf(book, args), date ? parseDate(date) : undefined);
      if (flag(args, 'json')) {
        out.write(JSON.stringify({ city: s.city, category: s.category, year: s.year, policy_date: s.date, contribution: fmt(s.contribution), subsidy: fmt(s.subsidy), assistance_fund: fmt(s.assistance_fund), county_finance: fmt(s.county_finance), individual: fmt(s.individual), params: s.params.map((p) => ({ name: p.name, status: p.scenario ? 'scenario' : p.status, source: p.source })), note: s.note, carried: s.carried, reading: s.reading }, null, 2) + '\n');
      } else {
        out.write(table([
          ['项目 item', '金额 yuan'],
          ['个人缴费标准 contribution', fmt(s.contribution)],
          ['资助合计 subsidy', fmt(s.subsidy)],
          ['  医疗救助基金 assistance fund', fmt(s.assistance_fund)],
          ['  县区财政 county finance', fmt(s.county_finance)],
          ['个人缴纳 individual', fmt(s.individual)],
        ]));
        out.write(`${city.zh} ${s.year} 年 · ${category} · 政策日期 policy date ${s.date}\n`);
        for (const p of s.params) out.write(`  ${p.name}: ${p.source} · ${p.scenario ? 'scenario' : p.status}\n`);
        if (s.note) out.write(`${bilingual(s.note)}\n`);
        for (const c of s.carried) out.write(`注意：${bilingual(c)}\n`);
        if (s.reading) out.write(`注意：${bilingual(s.reading)}\n`);
      }
      return 0;
    }
    case 'policy': {
      const date = parseDate(text(args, 'date') ?? todayInChina());
      const scenario = scenarioOf(book, args);
      const all = citiesOrOne(book, args).map((c) => ({ city: c.id, name: c.zh, code: c.code, date, versions: versionsOf(c.id, book), parameters: parameterTable(c.id, date, scenario, book) }));
      if (flag(args, 'json')) {
        out.write(JSON.stringify(all, null, 2) + '\n');
        return 0;
      }
      for (const c of all) {
        out.write(`\n${c.name} (${c.city}, ${c.code}) · 政策日期 policy date ${date}\n`);
        for (const v of c.versions) out.write(`  版本 version ${v.effective}: ${v.document}\n`);
        out.write(table([['参数 parameter', '值 value', '状态 status', '生效 effective', '出处 source'], ...c.parameters.map((p) => [p.name, p.value, p.scenario ? `情景 scenario (原 was ${p.was ?? '—'})` : p.status_text, p.effective, p.source])]));
        for (const p of c.parameters) if (p.carried) out.write(`  注意：${p.carried}\n`);
        const lapsed = c.parameters.filter((p) => p.lapsed);
        if (lapsed.length) out.write(`  已失效 lapsed: ${lapsed.map((p) => p.name).join(', ')} — ${lapsed[0].lapsed}\n`);
      }
      return 0;
    }
    case 'check': {
      const date = parseDate(text(args, 'date') ?? todayInChina());
      const scenario = scenarioOf(book, args);
      const cities = scenario?.city && !args.positional[0] ? [book.cities.get(scenario.city)!] : citiesOrOne(book, args);
      const violations = cities.flatMap((c) => checkPolicy(book, c, date, scenario));
      if (flag(args, 'json')) {
        out.write(JSON.stringify({ date, scenario: scenario?.name ?? null, violations }, null, 2) + '\n');
        return 0;
      }
      out.write(`底线检查 floor check · ${date}${scenario ? ` · 情景 scenario ${scenario.name}` : ''} · ${cities.map((c) => c.zh).join('、')}\n`);
      if (violations.length === 0) out.write('  ✓ 未发现违反国家或省级底线的参数 (no floor or ceiling broken)\n');
      for (const v of violations) out.write(`  ${violationLine(v)}\n`);
      return 0;
    }
    case 'categories': {
      if (!args.positional[0]) throw usageError('请给出城市', 'give a city');
      const rows = categoriesOf(args.positional[0], book);
      if (flag(args, 'json')) out.write(JSON.stringify(rows, null, 2) + '\n');
      else out.write(table([['编码 id', '名称 names', 'MAMS'], ...rows.map((r) => [r.id, r.names.join('、'), r.mams.join('/')])]));
      return 0;
    }
    default:
      throw new Error(`command ${command} has no runner`);
  }
}
