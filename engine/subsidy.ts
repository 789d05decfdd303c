// Enrolment subsidy 资助参保 per person: what the medical-assistance fund, county finance and the
// person pay of the year's individual contribution (spec sections 4–7).
import type DecimalBase from 'decimal.js';
import { YibaoError } from './errors';
import { ZERO, round2, minD } from './money';
import type { Book, CityDef } from './policy/load';
import { contributionFor, paramsAt } from './policy/resolve';
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
}

/**
 * The rules in force at the end of the benefit year are used by default: Linyi's subsidy rules,
 * for one, only start on 2022-04-01 and the documents name no earlier ones.
 */
export function subsidyFor(book: Book, city: CityDef, category: CategoryId, year: number, scenario?: Scenario, date = `${year}-12-31`): SubsidySplit {
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new YibaoError(`年度 ${year} 无效`, `year ${year} is invalid`, 'year');
  const params = paramsAt(book, city, date, scenario);
  const contributionEntry = contributionFor(book, year, scenario, city.id);
  const contribution = contributionEntry.value as DecimalBase;
  const rate = params.get(`subsidy.${category}.rate`);
  const amount = params.get(`subsidy.${category}.amount`);
  const fundCap = params.get(`subsidy.${category}.assistanceFund`);
  const used: ParamEntry[] = [contributionEntry];
  let subsidy: DecimalBase = ZERO;
  let note: Message | undefined;
  if (rate) {
    subsidy = round2(contribution.times(rate.value as DecimalBase));
    used.push(rate);
  } else if (amount) {
    subsidy = minD(contribution, amount.value as DecimalBase);
    used.push(amount);
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
  return { city: city.id, category, year, date, contribution, subsidy, assistance_fund, county_finance, individual, params: used, note, carried };
}

