// From a row of text to a valid claim, or a reason in Chinese and English (spec section 1; issue 2,
// "Bad input"). Names are accepted as users type them; nothing is guessed.
import type DecimalBase from 'decimal.js';
import { YibaoError, echo } from './errors';
import { parseAmount } from './money';
import { resolveCategory, resolveCity, normalizeName } from './catalog';
import { isIsoDate, type Book, type CityDef } from './policy/load';
import { paramsAt, rulesFor, type CategoryRules, type Params } from './policy/resolve';
import type { Scenario } from './scenario';
import { KIND_CODES, planOf, type Plan } from './chain/plan';
import type { Claim, ClaimKind, HospitalLevel } from './types';

export const REQUIRED_COLUMNS = ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'total', 'compliant'] as const;
export const OPTIONAL_COLUMNS = ['hospital_level', 'basic_paid'] as const;
export const CLAIM_COLUMNS = [...REQUIRED_COLUMNS.slice(0, 6), 'hospital_level', 'total', 'compliant', 'basic_paid'] as const;

const KINDS: Record<string, ClaimKind> = {
  inpatient: 'inpatient', 住院: 'inpatient',
  chronic_outpatient: 'chronic_outpatient', 门诊慢特病: 'chronic_outpatient', 门诊慢性病: 'chronic_outpatient', 门诊特殊病: 'chronic_outpatient',
  special_drug: 'special_drug', 大病特药: 'special_drug', 特药: 'special_drug',
};
const LEVELS: Record<string, HospitalLevel> = {
  township: 'township', 乡镇: 'township', 乡镇级: 'township', 乡级: 'township',
  county: 'county', 县: 'county', 县级: 'county', 县区: 'county',
  city: 'city', 市: 'city', 市级: 'city',
  province: 'province', 省: 'province', 省级: 'province',
};

export function parseKind(text: string): ClaimKind {
  const k = KINDS[normalizeName(text).toLowerCase()];
  if (!k) throw new YibaoError(`就医类别“${echo(text)}”无效；可选：inpatient 住院、chronic_outpatient 门诊慢特病、special_drug 大病特药`, `kind "${echo(text)}" is invalid; valid: inpatient, chronic_outpatient, special_drug`, 'kind');
  return k;
}

function parseLevel(text: string): HospitalLevel | undefined {
  const s = normalizeName(text).toLowerCase();
  if (s === '') return undefined;
  const l = LEVELS[s];
  if (!l) throw new YibaoError(`医院级别“${echo(text)}”无效；可选：township 乡镇、county 县、city 市、province 省`, `hospital_level "${echo(text)}" is invalid; valid: township, county, city, province`, 'hospital_level');
  return l;
}

export function parseDate(text: string): string {
  const s = text.trim();
  if (!isIsoDate(s)) throw new YibaoError(`日期“${echo(text)}”无效，须为 YYYY-MM-DD 格式的有效日期`, `date "${echo(text)}" is not a valid YYYY-MM-DD date`, 'date');
  return s;
}

/** The amounts of one claim agree with each other (total ≥ compliant ≥ basic_paid). */
export function checkAmounts(total: DecimalBase, compliant: DecimalBase, basic_paid: DecimalBase | undefined): void {
  if (compliant.gt(total)) throw new YibaoError(`合规费用 ${compliant.toFixed(2)} 大于医疗总费用 ${total.toFixed(2)}`, `compliant ${compliant.toFixed(2)} exceeds total ${total.toFixed(2)}`, 'amount');
  if (basic_paid && basic_paid.gt(compliant)) throw new YibaoError(`基本医保支付 ${basic_paid.toFixed(2)} 大于合规费用 ${compliant.toFixed(2)}`, `basic_paid ${basic_paid.toFixed(2)} exceeds compliant ${compliant.toFixed(2)}`, 'amount');
}

const KIND_RULES: Record<ClaimKind, { zh: string; en: string }> = {
  inpatient: { zh: '住院', en: 'inpatient rules' },
  chronic_outpatient: { zh: '门诊慢特病', en: 'chronic-outpatient rules' },
  special_drug: { zh: '大病特药', en: 'special-drug track' },
};

/** The category's plan must have a chain for the claim's kind (special drugs: Linyi only). */
export function checkKind(city: CityDef, kind: ClaimKind, plan: Plan): void {
  if (!plan.chains[KIND_CODES.indexOf(kind)]) {
    throw new YibaoError(`${city.zh}没有${KIND_RULES[kind].zh}（${kind}）政策`, `${city.en} has no ${KIND_RULES[kind].en} (${kind})`, 'kind');
  }
}

/** One input row: its line number and its cells by column name, or why it could not be read. */
export interface LedgerRow { line: number; fields?: Record<string, string>; error?: YibaoError }

export interface ValidClaim { claim: Claim; rules: CategoryRules; params: Params }

/**
 * Validate one row given as column → text. Throws YibaoError with the reason; the caller adds the
 * line number. Amount checks follow the order a clerk would fix them in.
 */
export function validateClaim(book: Book, row: Record<string, string | undefined>, seq: number, scenario?: Scenario): ValidClaim {
  const text = (k: string) => (row[k] ?? '').trim();
  const claim_id = text('claim_id');
  if (claim_id === '') throw new YibaoError('claim_id 为空', 'claim_id is empty', 'claim_id');
  const person_id = text('person_id');
  if (person_id === '') throw new YibaoError('person_id 为空', 'person_id is empty', 'person_id');
  const city = resolveCity(book, text('city'));
  const category = resolveCategory(book, city, text('category'));
  const date = parseDate(text('date'));
  const kind = parseKind(text('kind'));
  const hospital_level = parseLevel(text('hospital_level'));
  const total = parseAmount(text('total'), 'total 医疗总费用');
  const compliant = parseAmount(text('compliant'), 'compliant 合规费用');
  const basicText = text('basic_paid');
  const basic_paid: DecimalBase | undefined = basicText === '' ? undefined : parseAmount(basicText, 'basic_paid 基本医保支付');
  checkAmounts(total, compliant, basic_paid);
  const params = paramsAt(book, city, date, scenario);
  const rules = rulesFor(city, params, category);
  checkKind(city, kind, planOf(rules, params));
  return {
    claim: { claim_id, person_id, category, city: city.id, date, kind, hospital_level, total, compliant, basic_paid, seq },
    rules,
    params,
  };
}
