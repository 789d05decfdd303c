// Enrolment subsidy 资助参保 per person: what the medical-assistance fund, county finance and the
// person pay of the year's individual contribution (spec sections 4–7).
import type DecimalBase from 'decimal.js';
import { YibaoError } from './errors';
import { ZERO, round2, minD } from './money';
import type { Book, CityDef } from './policy/load';
import { contributionFor, paramsAt } from './policy/resolve';
import { lapsedNote } from './policy/transition';
import type { Scenario } from './scenario';
import type { Message } from './errors';
import type { CategoryId, ParamEntry } from './types';

export interface SubsidySplit {
  city: string;
  category: CategoryId;
  year: number;
  /** The policy date the rules were read on. */
  date: string;
  contribution: DecimalBase;
  subsidy: DecimalBase;
  assistance_fund: DecimalBase;
  county_finance: DecimalBase;
  individual: DecimalBase;
  params: ParamEntry[];
  note?: Message;
  /** Values carried forward from an earlier year (spec 10.3): said wherever the split is shown. */
  carried: Message[];
  /** Set when the rules were read later than 1 January (spec 10.5): says from when, and why. */
  reading?: Message;
  /** The category's subsidy is a transitional rule that lapsed (spec 10.2); `note` says so. */
  lapsed: boolean;
}

/**
 * The rules a benefit year's subsidy reads (spec 10.5): those in force on 1 January of the year, as
 * contributions are set before it. Where none of the city's rules for the category was in force then
 * but one starts later in the year (Linyi 2022: 2022-04-01), the first one in force in the year, and
 * the split says so.
 */
function readingDate(book: Book, city: CityDef, category: CategoryId, year: number, scenario?: Scenario): { date: string; reading?: Message } {
  const jan1 = `${year}-01-01`;
  const later = book.packs.get(city.id)!.map((p) => p.effective).filter((d) => d > jan1 && d.startsWith(`${year}-`));
  const first = book.packs.get(city.id)![0].effective;
  const candidates = [...(jan1 >= first ? [jan1] : []), ...later];
  const has = (d: string) => {
    const p = paramsAt(book, city, d, scenario);
    return p.has(`subsidy.${category}.rate`) || p.has(`subsidy.${category}.amount`);
  };
  const found = candidates.find(has);
  const date = found ?? candidates[0] ?? jan1; // no rule at all in the year: read on 1 January (an error before the first version)
  if (date === jan1) return { date };
  return {
    date,
    reading: { zh: `${year} 年 1 月 1 日尚无此类别的资助参保规则，按年内首个施行的规则（${date} 起）计算`, en: `no subsidy rule for this category was in force on 1 January ${year}: the first one in force in the year (from ${date}) is used` },
  };
}

/** The subsidy split of a category for benefit year `year`, read on `date` if given (else spec 10.5). */
export function subsidyFor(book: Book, city: CityDef, category: CategoryId, year: number, scenario?: Scenario, dateIn?: string): SubsidySplit {
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new YibaoError(`年度 ${year} 无效`, `year ${year} is invalid`, 'year');
  const { date, reading } = dateIn ? { date: dateIn, reading: undefined } : readingDate(book, city, category, year, scenario);
  const params = paramsAt(book, city, date, scenario);
  const contributionEntry = contributionFor(book, year, scenario, city.id);
  const contribution = contributionEntry.value as DecimalBase;
  const rate = params.get(`subsidy.${category}.rate`);
  const amount = params.get(`subsidy.${category}.amount`);
  const fundCap = params.get(`subsidy.${category}.assistanceFund`);
  const used: ParamEntry[] = [contributionEntry];
  let subsidy: DecimalBase = ZERO;
  let note: Message | undefined;
  const lapsed = lapsedNote(params, `subsidy.${category}`);
  if (rate) {
    subsidy = round2(contribution.times(rate.value as DecimalBase));
    used.push(rate);
  } else if (amount) {
    subsidy = minD(contribution, amount.value as DecimalBase);
    used.push(amount);
  } else if (lapsed) {
    note = { zh: `${lapsed.zh}：此类别的资助参保政策已失效，个人全额缴费`, en: `${lapsed.en}: no enrolment subsidy for this category any more` };
    used.push(params.get('transition.end')!);
  } else {
    note = { zh: `${city.zh}对此类别无资助参保政策，个人全额缴费`, en: `${city.en} gives this category no enrolment subsidy` };
  }
  // Linyi: the assistance fund pays a fixed part, county finance the rest of the subsidy.
  let assistance_fund = subsidy;
  if (fundCap) {
    assistance_fund = minD(subsidy, fundCap.value as DecimalBase);
    used.push(fundCap);
  }
  const county_finance = subsidy.minus(assistance_fund);
  const individual = contribution.minus(subsidy);
  const carried = used.flatMap((p) => (p.carried ? [p.carried] : []));
  return { city: city.id, category, year, date, contribution, subsidy, assistance_fund, county_finance, individual, params: used, note, carried, reading, lapsed: lapsed !== null };
}

