// Public types of the settlement engine. The engine knows nothing of Excel, Azure or the file system:
// callers hand it parsed claims and policy packs and get back plain objects.
import type Decimal from 'decimal.js';
import type { Message } from './errors';

export type CityId = 'luan' | 'linyi' | 'xixiu' | string;

export type CategoryId =
  | 'extremely_poor' | 'dibao' | 'dibao_marginal' | 'expenditure_hardship' | 'unstable_alleviated'
  | 'marginal_at_risk' | 'sudden_hardship' | 'relapsed' | 'monitored' | 'alleviated' | 'on_application'
  | 'ordinary';

/** 已公布 published, 推算 derived (computed by a stated rule from published values), 假设 assumed. */
export type Status = 'published' | 'derived' | 'assumed';

/** A critical-illness band of `critical.segments`: from the deductible or an amount, at a rate. */
export interface Segment { from: 'deductible' | Decimal; rate: Decimal }
/** A string is a date (YYYY-MM-DD: `transition.end`). */
export type ParamValue = Decimal | null | CategoryId[] | Segment[] | boolean | string;

/** One dated parameter value with its citation. */
export interface ParamEntry {
  name: string;
  value: ParamValue;
  status: Status;
  source: string;
  quote?: string;
  note?: string;
  effective: string;
  file: string;
  /** Set when a scenario replaced the pack's value: what the pack said. */
  overrides?: ParamEntry;
  scenario?: string;
  /** A rule a document limits to the transition period 过渡期: it lapses after `transition.end` (spec 10.2). */
  transitional?: boolean;
  /** Categories for which an otherwise assumed value is published (spec 10.4: Linyi's special drugs). */
  publishedFor?: CategoryId[];
  /** Set when the value is a per-year value carried forward from an earlier year (spec 10.3). */
  carried?: Message;
}

export type ClaimKind = 'inpatient' | 'chronic_outpatient' | 'special_drug';
export type HospitalLevel = 'township' | 'county' | 'city' | 'province';

/** A claim after validation: amounts are exact decimals rounded to the fen. */
export interface Claim {
  claim_id: string;
  person_id: string;
  category: CategoryId;
  city: CityId;
  date: string; // ISO YYYY-MM-DD
  kind: ClaimKind;
  hospital_level?: HospitalLevel;
  total: Decimal;
  compliant: Decimal;
  basic_paid?: Decimal;
  /** Position in the input (0-based), the tie-breaker for claims of one person on one date. */
  seq: number;
}

export type Tier = 'basic' | 'critical' | 'assistance' | 'reassist';

/** How one tier treated one claim: enough to explain the number in words. */
export interface TierStep {
  tier: Tier;
  /** The person's year-to-date base for this tier before and after the claim. */
  base_before: Decimal;
  base_after: Decimal;
  deductible?: Decimal;
  /** Bands used, each with the part of this claim's base that fell in it. */
  bands?: { from: Decimal; upTo: Decimal | null; rate: Decimal; amount: Decimal }[];
  rate?: Decimal;
  cap?: Decimal | null;
  cap_reached: boolean;
  /** Paid on this claim, and by this tier to the person so far this year (this claim included). */
  paid: Decimal;
  paid_ytd: Decimal;
  /** true when the amount came from the input (basic_paid) rather than the rules. */
  given?: boolean;
  /** Parameters used, with their status and source, for citation. */
  params: ParamEntry[];
  note?: Message;
}

export interface ClaimResult {
  claim_id: string;
  basic: Decimal;
  critical: Decimal;
  assistance: Decimal;
  reassist: Decimal;
  oop_compliant: Decimal;
  oop_total: Decimal;
  /** true/false where the city publishes early-warning thresholds, null where it does not. */
  warning: boolean | null;
  steps: TierStep[];
  notes: Message[];
  /** What the claim was settled as, after resolving names, for explanations and summaries. */
  city: CityId;
  category: CategoryId;
  date: string;
  kind: ClaimKind;
}

export interface Rejection { line: number; claim_id?: string; reason: Message }
