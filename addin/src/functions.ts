// The YIBAO custom functions. functions.json is generated from the JSDoc below at build time
// (custom-functions-metadata-plugin), which also appends the CustomFunctions.associate calls to this
// file. Descriptions are Chinese first with English beside. Every function runs the shared engine
// locally: no network. Omitted optional arguments arrive as null. Amounts, categories, cities, dates
// and years stay `any`: typed as numbers, Excel would turn an empty cell into 0, and an empty amount
// must be an error, never a zero; a category or city is text or a number (MAMS class, city code). `scenario` is a saved scenario's
// name, "name=value; …" text or a range of (parameter, value) rows (whatif.ts).
import './shim';
import { guard, guardAsync } from './errors';
import { scenarioFor } from './whatif';
import { workbookReady } from './workbook';
import * as calc from './calc';
import * as tables from './tables';

/** Run fn once the workbook's date system and year are known (dates depend on them), errors as Excel's. */
function inWorkbook<T>(fn: () => Promise<T>): Promise<T> {
  return guardAsync(async () => {
    await workbookReady();
    return fn();
  });
}

/**
 * 医疗救助：对经基本医保、大病保险后的政策范围内自付金额计算医疗救助（单次结算，年内无此前费用）。Medical assistance on the compliant out-of-pocket amount left after basic and critical-illness insurance (one claim, nothing earlier in the year).
 * @customfunction ASSIST
 * @param amount 经基本医保和大病保险后的合规自付金额（元）Compliant out-of-pocket after basic and critical insurance (yuan)
 * @param category 类别，如 低保、特困人员、2 Category as typed (name, id or MAMS number)
 * @param city 城市，如 临沂、六安、西秀、371300 City
 * @param [date] 日期：2022-06-01、2022/6/1、2022年6月1日或日期单元格；省略为工作簿年度的 12 月 31 日 Date: text or a date cell; omitted, 31 December of the workbook's year
 * @param [scenario] 情景：工作簿中保存的情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @returns 医疗救助金额（元）Assistance paid (yuan)
 */
export async function assist(amount: any, category: any, city: any, date?: any, scenario?: any[][]): Promise<number> {
  return inWorkbook(async () => calc.tier('assistance', amount, category, city, date, await scenarioFor(scenario, city)));
}

/**
 * 大病保险：对一年内经基本医保后的政策范围内自付金额计算大病保险。Critical-illness insurance on a year's compliant out-of-pocket amount after basic insurance.
 * @customfunction CRITICAL
 * @param amount 经基本医保后的合规自付金额（元）Compliant out-of-pocket after basic insurance (yuan)
 * @param category 类别，如 低保、普通居民 Category as typed
 * @param city 城市 City
 * @param [date] 日期：2022-06-01、2022/6/1、2022年6月1日或日期单元格；省略为工作簿年度的 12 月 31 日 Date: text or a date cell; omitted, 31 December of the workbook's year
 * @param [scenario] 情景：工作簿中保存的情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @returns 大病保险支付（元）Critical-illness insurance paid (yuan)
 */
export async function critical(amount: any, category: any, city: any, date?: any, scenario?: any[][]): Promise<number> {
  return inWorkbook(async () => calc.tier('critical', amount, category, city, date, await scenarioFor(scenario, city)));
}

/**
 * 倾斜救助/再救助：对经三重保障后仍需自付的金额计算再救助。Re-assistance on what is left after the three tiers.
 * @customfunction REASSIST
 * @param amount 经基本医保、大病保险、医疗救助后的合规自付金额（元）Compliant out-of-pocket after the three tiers (yuan)
 * @param category 类别 Category as typed
 * @param city 城市 City
 * @param [date] 日期：2022-06-01、2022/6/1、2022年6月1日或日期单元格；省略为工作簿年度的 12 月 31 日 Date: text or a date cell; omitted, 31 December of the workbook's year
 * @param [scenario] 情景：工作簿中保存的情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @returns 再救助金额（元）Re-assistance paid (yuan)
 */
export async function reassist(amount: any, category: any, city: any, date?: any, scenario?: any[][]): Promise<number> {
  return inWorkbook(async () => calc.tier('reassist', amount, category, city, date, await scenarioFor(scenario, city)));
}

/**
 * 一笔费用经全部保障后的结果（一行）：基本医保、大病保险、医疗救助、再救助、合规自付、个人负担。One claim through all tiers, spilled as one row: basic, critical, assistance, reassist, oop_compliant, oop_total.
 * @customfunction SETTLE
 * @param compliant 政策范围内（合规）费用（元）Compliant cost (yuan)
 * @param category 类别 Category as typed
 * @param city 城市 City
 * @param [basicPaid] 基本医保已支付（元；省略则按政策计算）Basic insurance already paid (yuan; omitted: computed)
 * @param [total] 医疗总费用（元；省略则等于合规费用）Total cost (yuan; omitted: equal to compliant)
 * @param [date] 日期：2022-06-01、2022/6/1、2022年6月1日或日期单元格；省略为工作簿年度的 12 月 31 日 Date: text or a date cell; omitted, 31 December of the workbook's year
 * @param [scenario] 情景：工作簿中保存的情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @returns 一行六列 One row of six amounts
 */
export async function settle(compliant: any, category: any, city: any, basicPaid?: any, total?: any, date?: any, scenario?: any[][]): Promise<number[][]> {
  return inWorkbook(async () => calc.settleRow(compliant, category, city, basicPaid, total, date, await scenarioFor(scenario, city)));
}

/**
 * 结算台账：整块费用区域（含表头）按人按年累计起付线和限额结算，逐行输出，被拒绝的行在原位置说明原因。A range of claims (header row included) settled with year-to-date deductibles and caps per person; one output row per input row, rejected rows explained in place.
 * @customfunction LEDGER
 * @param claims 费用区域，首行为表头 claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid Claims range with header
 * @param [scenario] 情景：工作簿中保存的情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @returns 与输入逐行对应的结果 Results row by row
 */
export async function ledger(claims: any[][], scenario?: any[][]): Promise<any[][]> {
  return inWorkbook(async () => calc.ledger(claims, await scenarioFor(scenario)));
}

/**
 * 资助参保：每人资助金额，或某一资金渠道承担的部分。Enrolment subsidy per person, or one fund's part of it.
 * @customfunction SUBSIDY
 * @param category 类别 Category as typed
 * @param city 城市 City
 * @param year 参保年度，如 2022 Benefit year
 * @param [fund] 资金：资助（默认）、医疗救助基金、县级财政、个人、缴费标准 Fund: subsidy (default), assistance, county, individual, contribution
 * @param [scenario] 情景：工作簿中保存的情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @returns 金额（元）Amount (yuan)
 */
export async function subsidy(category: any, city: any, year: any, fund?: string, scenario?: any[][]): Promise<number> {
  return inWorkbook(async () => calc.subsidy(category, city, year, fund, await scenarioFor(scenario, city)));
}

/**
 * 资助参保预算：花名册按城市、区县、类别汇总人数和各资金渠道承担的金额（与 yibao budget 相同）。The enrolment-subsidy budget of a roster by city, county and category: persons and what each fund pays (as yibao budget computes it).
 * @customfunction BUDGET
 * @param roster 花名册区域，首行为表头 person_id,city,category（可选 id_number,county,included_on,exited_on）Roster range with header
 * @param year 参保年度，如 2024 Benefit year
 * @param [fund] 资金：医疗救助基金、县级财政、个人（省略则三项都列）Fund: assistance, county, individual (omitted: all three)
 * @param [scenario] 情景：工作簿中保存的情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @returns 城市、区县、类别、人数与金额，末行合计 City, county, category, persons and amounts; a total row last
 */
export async function budget(roster: any[][], year: any, fund?: string, scenario?: any[][]): Promise<any[][]> {
  return inWorkbook(async () => tables.budget(roster, year, fund, await scenarioFor(scenario)));
}

/**
 * 情景对比：同一批费用在基准和情景下逐级保障的合计与差额。A claims range under a scenario against a baseline: totals per tier and the differences.
 * @customfunction COMPARE
 * @param claims 费用区域，首行为表头（与 LEDGER 相同）Claims range with header (as for LEDGER)
 * @param scenario 情景：情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @param [baseline] 基准情景（省略则为现行政策）Baseline scenario (omitted: the policy in force)
 * @returns 每级保障：基准、情景、差额 Per tier: baseline, scenario, difference
 */
export async function compare(claims: any[][], scenario: any[][], baseline?: any[][]): Promise<any[][]> {
  return inWorkbook(async () => await tables.compare(claims, await scenarioFor(scenario), await scenarioFor(baseline)));
}

/**
 * 预警：个人负担是否超过本市预警线（未公布预警线的城市返回 #N/A）。Early warning: is the out-of-pocket amount above the city's threshold (#N/A where none is published)?
 * @customfunction WARN
 * @param oop 个人负担（元）Out-of-pocket (yuan)
 * @param category 类别 Category as typed
 * @param city 城市 City
 * @param [date] 日期：2022-06-01、2022/6/1、2022年6月1日或日期单元格；省略为工作簿年度的 12 月 31 日 Date: text or a date cell; omitted, 31 December of the workbook's year
 * @returns 是否预警 TRUE/FALSE
 */
export async function warn(oop: any, category: any, city: any, date?: any): Promise<boolean> {
  return inWorkbook(async () => calc.warn(oop, category, city, date));
}

/**
 * 政策参数：值、状态（已公布/假设值/情景值）、出处、生效日期（一行）。A policy parameter: value, status, source and effective date (one row).
 * @customfunction PARAM
 * @param city 城市 City
 * @param name 参数名，如 assistance.dibao.rate Parameter name
 * @param [date] 日期：2022-06-01、2022/6/1、2022年6月1日或日期单元格；省略为工作簿年度的 12 月 31 日 Date: text or a date cell; omitted, 31 December of the workbook's year
 * @param [scenario] 情景：工作簿中保存的情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @returns 值、状态、出处、生效日期 Value, status, source, effective date
 */
export async function param(city: any, name: string, date?: any, scenario?: any[][]): Promise<any[][]> {
  return inWorkbook(async () => calc.param(city, name, date, await scenarioFor(scenario, city)));
}

/**
 * 计算过程说明：逐项列出各级保障的计算步骤并引用政策条款。The steps in words, tier by tier, with the clauses cited.
 * @customfunction EXPLAIN
 * @param compliant 政策范围内（合规）费用（元）Compliant cost (yuan)
 * @param category 类别 Category as typed
 * @param city 城市 City
 * @param [basicPaid] 基本医保已支付（元）Basic insurance already paid (yuan)
 * @param [date] 日期：2022-06-01、2022/6/1、2022年6月1日或日期单元格；省略为工作簿年度的 12 月 31 日 Date: text or a date cell; omitted, 31 December of the workbook's year
 * @param [scenario] 情景：工作簿中保存的情景名，或“参数=值; 参数=值”，或（参数, 值）两列区域 Scenario: a saved name, "name=value; …" text, or a range of (parameter, value) rows
 * @returns 说明（一列）Explanation (one column)
 */
export async function explain(compliant: any, category: any, city: any, basicPaid?: any, date?: any, scenario?: any[][]): Promise<string[][]> {
  return inWorkbook(async () => calc.explain(compliant, category, city, basicPaid, date, await scenarioFor(scenario, city)));
}

/**
 * 本市可用类别：编码、名称、可填写的名称和 MAMS 编号。The categories a city accepts, with the names and MAMS numbers it takes.
 * @customfunction CATEGORIES
 * @param city 城市 City
 * @returns 类别表 Category table
 */
export function categories(city: any): string[][] {
  return guard(() => calc.categories(city) as string[][]);
}
