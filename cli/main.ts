// The `yibao` command line: the same engine as the Excel add-in and the Functions app.
import {
  defaultBook, parseScenario, resolveCity, resolveCategory, subsidyFor, parameterTable, checkPolicy,
  categoriesOf, versionsOf, todayInChina, parseDate, fmt, bilingual, violationLine, YibaoError, type Book, type Scenario,
} from '../engine';
import { parseArgs, opt, type Args } from './args';
import { readText } from './io';
import { runSettle } from './settle';
import { runBudget } from './budget';
import { runRosterApply } from './roster';

const HELP = `yibao — 三重保障测算 (three-tier medical security)

用法 usage:
  yibao settle <claims.csv|-> [--out results.csv] [--scenario s.json] [--explain]
      结算理赔台账 settle a claims ledger (columns: claim_id,person_id,category,city,date,kind,
      hospital_level,total,compliant,basic_paid). Rejected rows go to <out>.rejected.csv.
      Exit status: 0 all settled, 3 some rows rejected, 1 nothing could run.
      国家医保信息平台导出 platform exports (setl_id,psn_no,setl_time,med_type,medfee_sumamt,
      inscp_scp_amt,hifp_pay,certno) are recognised by their header (docs/nhsa.md):
      [--format nhsa|spec] [--city C] [--category-column NAME]
      [--summary county,category,month] totals per group (city,county,category,month,year,kind)
      [--compare s.json ...] what-if against the pack: totals, differences, floors broken
      [--roster roster.csv] category in force on each claim's date (docs/budget.md)
  yibao budget <roster.csv> --year Y [--date YYYY-MM-DD] [--scenario s.json ...] [--json] [--out budget.csv]
      资助参保预算 enrolment-subsidy budget by city, county, category and fund
  yibao roster apply <current.csv> <changes.csv> [--month YYYY-MM] [--out new.csv]
      花名册月度变动 apply a month's additions, removals and category changes
  yibao subsidy --city C --category K --year Y [--scenario s.json] [--json]
      资助参保 enrolment subsidy per person, split by fund
  yibao policy [city] [--date YYYY-MM-DD] [--scenario s.json] [--json]
      政策参数 every parameter with value, status (published/assumed) and source
  yibao check [city] [--date YYYY-MM-DD] [--scenario s.json] [--json]
      底线检查 check a policy or scenario against the national and provincial floors
  yibao categories <city>
      可用类别 the categories a city accepts, with the names and numbers it takes
`;

function scenarioOf(book: Book, args: Args): Scenario | undefined {
  const file = opt(args, 'scenario');
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

export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const book = defaultBook();
    switch (command) {
      case 'settle': {
        const args = parseArgs(rest, ['out', 'scenario', 'format', 'city', 'category-column', 'summary', 'compare', 'roster'], ['explain']);
        if (args.positional.length !== 1) throw new YibaoError('请给出一个台账文件', 'give one ledger file', 'usage');
        const compare = (args.options.get('compare') ?? []).map((f) => parseScenario(book, readText(f), f.replace(/^.*[\\/]/, '').replace(/\.json$/i, ''))); // issue 7
        return await runSettle(book, { input: args.positional[0], out: opt(args, 'out'), scenario: scenarioOf(book, args), explain: args.flags.has('explain'), format: opt(args, 'format'), city: opt(args, 'city'), categoryColumn: opt(args, 'category-column'), summary: opt(args, 'summary'), compare, roster: opt(args, 'roster') }, out, err);
      }
      case 'budget': {
        const args = parseArgs(rest, ['year', 'date', 'scenario', 'out'], ['json']);
        if (args.positional.length !== 1) throw new YibaoError('请给出一个花名册文件', 'give one roster file', 'usage');
        const yearIn = opt(args, 'year');
        if (!yearIn || !/^\d{4}$/.test(yearIn)) throw new YibaoError('须给出 --year YYYY', '--year YYYY is required', 'usage');
        const scenarios = (args.options.get('scenario') ?? []).map((f) => parseScenario(book, readText(f), f.replace(/^.*[\\/]/, '').replace(/\.json$/i, '')));
        return runBudget(book, { input: args.positional[0], year: Number(yearIn), date: opt(args, 'date'), scenarios, json: args.flags.has('json'), out: opt(args, 'out') }, out, err);
      }
      case 'roster': {
        const args = parseArgs(rest, ['month', 'out'], []);
        if (args.positional[0] !== 'apply' || args.positional.length !== 3) throw new YibaoError('用法：yibao roster apply <current.csv> <changes.csv>', 'usage: yibao roster apply <current.csv> <changes.csv>', 'usage');
        return runRosterApply(book, { current: args.positional[1], changes: args.positional[2], month: opt(args, 'month'), out: opt(args, 'out') }, out, err);
      }
      case 'subsidy': {
        const args = parseArgs(rest, ['city', 'category', 'year', 'scenario', 'date'], ['json']);
        const cityIn = opt(args, 'city');
        const catIn = opt(args, 'category');
        const yearIn = opt(args, 'year');
        if (!cityIn || !catIn || !yearIn) throw new YibaoError('须给出 --city、--category 和 --year', '--city, --category and --year are required', 'usage');
        if (!/^\d{4}$/.test(yearIn)) throw new YibaoError(`年度“${yearIn}”无效`, `year "${yearIn}" is invalid`, 'usage');
        const city = resolveCity(book, cityIn);
        const category = resolveCategory(book, city, catIn);
        const date = opt(args, 'date');
        const s = subsidyFor(book, city, category, Number(yearIn), scenarioOf(book, args), date ? parseDate(date) : undefined);
        if (args.flags.has('json')) {
          out.write(JSON.stringify({ city: s.city, category: s.category, year: s.year, policy_date: s.date, contribution: fmt(s.contribution), subsidy: fmt(s.subsidy), assistance_fund: fmt(s.assistance_fund), county_finance: fmt(s.county_finance), individual: fmt(s.individual), params: s.params.map((p) => ({ name: p.name, status: p.scenario ? 'scenario' : p.status, source: p.source })), note: s.note }, null, 2) + '\n');
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
        }
        return 0;
      }
      case 'policy': {
        const args = parseArgs(rest, ['date', 'scenario'], ['json']);
        const date = parseDate(opt(args, 'date') ?? todayInChina());
        const scenario = scenarioOf(book, args);
        const all = citiesOrOne(book, args).map((c) => ({ city: c.id, name: c.zh, code: c.code, date, versions: versionsOf(c.id, book), parameters: parameterTable(c.id, date, scenario, book) }));
        if (args.flags.has('json')) {
          out.write(JSON.stringify(all, null, 2) + '\n');
          return 0;
        }
        for (const c of all) {
          out.write(`\n${c.name} (${c.city}, ${c.code}) · 政策日期 policy date ${date}\n`);
          for (const v of c.versions) out.write(`  版本 version ${v.effective}: ${v.document}\n`);
          out.write(table([['参数 parameter', '值 value', '状态 status', '生效 effective', '出处 source'], ...c.parameters.map((p) => [p.name, p.value, p.status === 'published' ? '已公布 published' : p.status === 'assumed' ? '假设 assumed' : `情景 scenario (原 was ${p.was ?? '—'})`, p.effective, p.source])]));
        }
        return 0;
      }
      case 'check': {
        const args = parseArgs(rest, ['date', 'scenario'], ['json']);
        const date = parseDate(opt(args, 'date') ?? todayInChina());
        const scenario = scenarioOf(book, args);
        const cities = scenario?.city && !args.positional[0] ? [book.cities.get(scenario.city)!] : citiesOrOne(book, args);
        const violations = cities.flatMap((c) => checkPolicy(book, c, date, scenario));
        if (args.flags.has('json')) {
          out.write(JSON.stringify({ date, scenario: scenario?.name ?? null, violations }, null, 2) + '\n');
          return 0;
        }
        out.write(`底线检查 floor check · ${date}${scenario ? ` · 情景 scenario ${scenario.name}` : ''} · ${cities.map((c) => c.zh).join('、')}\n`);
        if (violations.length === 0) out.write('  ✓ 未发现违反国家或省级底线的参数 (no floor or ceiling broken)\n');
        for (const v of violations) out.write(`  ${violationLine(v)}\n`);
        return 0;
      }
      case 'categories': {
        const args = parseArgs(rest, [], ['json']);
        if (!args.positional[0]) throw new YibaoError('请给出城市', 'give a city', 'usage');
        const rows = categoriesOf(args.positional[0], book);
        if (args.flags.has('json')) out.write(JSON.stringify(rows, null, 2) + '\n');
        else out.write(table([['编码 id', '名称 names', 'MAMS'], ...rows.map((r) => [r.id, r.names.join('、'), r.mams.join('/')])]));
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.write(HELP);
        return command === undefined ? 1 : 0;
      default:
        throw new YibaoError(`未知命令“${command}”`, `unknown command "${command}"`, 'usage');
    }
  } catch (e) {
    if (e instanceof YibaoError) {
      err.write(`错误 error: ${e.message}\n`);
      if (e.code === 'usage') err.write(`\n${HELP}`);
      return 1;
    }
    throw e;
  }
}
