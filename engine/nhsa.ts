// Settlement exports of the national medical-insurance information platform (国家医疗保障信息平台):
// its field names, its medical-type (医疗类别 med_type) codes, and how a ledger under those names
// becomes the spec's claims. Issue 8. The header decides the convention; nothing is guessed:
// a mixed header, a missing category, an unknown med_type all say so in Chinese and English.
import { YibaoError, echo } from './errors';
import { normalizeName } from './catalog';
import { isIsoDate } from './policy/load';
import type { LedgerRow } from './claims';
import type { ClaimKind } from './types';

export type Convention = 'spec' | 'nhsa';

/** Options of the header reader; every shell passes what its user chose (`--city`, `--category-column`). */
export interface LedgerHeaderOptions {
  /** One city for the whole table (a city column must then be absent). */
  city?: string;
  /** The column that holds the assistance category, by its header text. */
  categoryColumn?: string;
}

export interface NhsaField {
  /** The platform's field name (国家医保信息平台 结算信息). */
  nhsa: string;
  /** Its Chinese label in the platform's interface specification. */
  zh: string;
  /** The spec's column it becomes (spec section 1), or null for certno (checked, never carried). */
  spec: 'claim_id' | 'person_id' | 'date' | 'kind' | 'total' | 'compliant' | 'basic_paid' | null;
  required: boolean;
  note?: string;
}

/** The input mapping, platform name → spec name (docs/nhsa.md shows the same table). */
export const NHSA_INPUT_FIELDS: readonly NhsaField[] = [
  { nhsa: 'setl_id', zh: '结算ID', spec: 'claim_id', required: true },
  { nhsa: 'psn_no', zh: '人员编号', spec: 'person_id', required: true },
  { nhsa: 'setl_time', zh: '结算时间', spec: 'date', required: true, note: 'date-time YYYY-MM-DD[ HH:mm[:ss]] or with T; its date part' },
  { nhsa: 'med_type', zh: '医疗类别', spec: 'kind', required: true, note: 'MED_TYPES below' },
  { nhsa: 'medfee_sumamt', zh: '医疗费总额', spec: 'total', required: true },
  { nhsa: 'inscp_scp_amt', zh: '符合政策范围金额', spec: 'compliant', required: true },
  { nhsa: 'hifp_pay', zh: '基本医疗保险统筹基金支出', spec: 'basic_paid', required: false },
  { nhsa: 'certno', zh: '证件号码', spec: null, required: false, note: 'checks the person; never written out unmasked' },
];

/** The spec's columns that the platform names differently: a header with both kinds is mixed. */
const SPEC_MAPPED = ['claim_id', 'person_id', 'date', 'kind', 'total', 'compliant', 'basic_paid'] as const;
const NHSA_NAMES = NHSA_INPUT_FIELDS.map((f) => f.nhsa);

/** Headers read as the category when no --category-column is given (the spec's own and Chinese ones). */
export const CATEGORY_HEADERS = ['category', '类别', '救助类别', '人员类别', '困难类别'] as const;
/** Headers read as the city when no --city is given. */
export const CITY_HEADERS = ['city', '城市'] as const;

/** The output mapping: our result columns under the platform's names (nhsaResultsTable). */
export const NHSA_OUTPUT_COLUMNS = [
  { nhsa: 'setl_id', zh: '结算ID', from: 'claim_id', platform: true },
  { nhsa: 'hifp_pay', zh: '基本医疗保险统筹基金支出', from: 'basic', platform: true },
  { nhsa: 'hifmi_pay', zh: '居民大病保险资金支出', from: 'critical', platform: true },
  { nhsa: 'maf_pay', zh: '医疗救助基金支出', from: 'assistance + reassist', platform: true },
  { nhsa: 'maf_assist_pay', zh: '医疗救助（本产品列）', from: 'assistance', platform: false },
  { nhsa: 'maf_reassist_pay', zh: '倾斜救助/再救助（本产品列）', from: 'reassist', platform: false },
  { nhsa: 'fund_pay_sumamt', zh: '基金支付总额', from: 'basic + critical + assistance + reassist', platform: true },
  { nhsa: 'psn_part_amt', zh: '个人负担总金额', from: 'oop_total', platform: true },
  { nhsa: 'warning', zh: '预警', from: 'warning', platform: false },
  { nhsa: 'notes', zh: '说明', from: 'notes', platform: false },
] as const;

export interface MedType { code: string; zh: string; kind: ClaimKind | null; note?: string }

/**
 * Medical types (医疗类别 med_type) of the platform's dictionary, as far as they could be confirmed.
 * No copy of the 国家医疗保障信息平台 接口规范 itself was at hand; the codes and names below agree in
 * independent public HIS code that calls the platform (searched 2026 in a public code index):
 *   - enum YbMedType, package com.openhis.common.enums.ybenums ("医保医疗类别"): 11,12,13,14,15,16,21-29,
 *     41,51,52,5212,61,81,2114,3101,3102,9107,990404,140104,140201;
 *   - enum EncounterYbClass, package com.openhis.common.enums, headed "对应7.28医疗类别med_type 在2203接口
 *     用到此信息" (the dictionary section 7.28, used by interface 2203): the same list;
 *   - enum FeeTypeClass (org.openhis.common.enums): 21,22,23,24,25,26,2114,3101;
 *   - enum MedType (com.example.auto_demo.util): 11,12,13,14,19,21,24,26,51,52,53, and 99xx codes;
 *   - older AKA130 dictionaries (pre-platform) use 21 普通住院, 23 转外诊治住院, 25 异地住院, 51/52 生育 too.
 * Only kinds this product settles are mapped; every other code, known or not, is a rejected row.
 * Codes 99xx are provincial extensions whose meaning differs by province (9903 is 精神病住院 in one source
 * and 儿童两病门诊 in another), so none is mapped. 1401/1402 were not found; 140104/140201 were.
 */
export const MED_TYPES: readonly MedType[] = [
  { code: '11', zh: '普通门诊', kind: null },
  { code: '12', zh: '门诊挂号', kind: null },
  { code: '13', zh: '急诊', kind: null },
  { code: '14', zh: '门诊慢特病', kind: 'chronic_outpatient' },
  { code: '140104', zh: '门诊慢病', kind: 'chronic_outpatient', note: 'provincial sub-code of 14' },
  { code: '140201', zh: '门诊特病', kind: 'chronic_outpatient', note: 'provincial sub-code of 14' },
  { code: '15', zh: '特药', kind: null, note: 'not mapped to special_drug: the platform type is not Linyi’s 大病特药 track' },
  { code: '16', zh: '中医特色门诊', kind: null },
  { code: '21', zh: '普通住院', kind: 'inpatient' },
  { code: '22', zh: '外伤住院', kind: 'inpatient' },
  { code: '23', zh: '转外诊治住院', kind: 'inpatient' },
  { code: '24', zh: '急诊转住院', kind: 'inpatient' },
  { code: '25', zh: '异地住院', kind: 'inpatient', note: 'name as in every source found' },
  { code: '26', zh: '单病种住院', kind: 'inpatient' },
  { code: '27', zh: '自主就医', kind: null },
  { code: '28', zh: '日间手术', kind: 'inpatient', note: 'Interpretation: day surgery is settled as a hospital stay' },
  { code: '29', zh: '起付线治疗', kind: null },
  { code: '41', zh: '定点药店购药', kind: null },
  { code: '51', zh: '生育门诊', kind: null },
  { code: '52', zh: '生育住院', kind: 'inpatient' },
  { code: '61', zh: '照护保险', kind: null },
  { code: '81', zh: '意外伤害门诊', kind: null },
];

const MED_BY_CODE = new Map(MED_TYPES.map((m) => [m.code, m]));
const MED_BY_NAME = new Map(MED_TYPES.map((m) => [m.zh, m]));

/** The claim kind of a med_type code (or its exact Chinese name); a rejected row otherwise, naming the code. */
export function kindOfMedType(text: string): ClaimKind {
  const s = normalizeName(text);
  const m = MED_BY_CODE.get(s) ?? MED_BY_NAME.get(s);
  if (!m) {
    throw new YibaoError(
      `医疗类别 med_type“${echo(text)}”不在可识别的代码表中（住院 21–26、28、52；门诊慢特病 14、140104、140201），未结算`,
      `med_type "${echo(text)}" is not a known code (inpatient 21–26, 28, 52; chronic/special outpatient 14, 140104, 140201): not settled`,
      'kind',
    );
  }
  if (!m.kind) {
    throw new YibaoError(
      `医疗类别 med_type ${m.code}（${m.zh}）不是本产品结算的类别：只结算住院和门诊慢特病`,
      `med_type ${m.code} (${m.zh}) is not a claim of this product: only inpatient and chronic/special-disease outpatient claims are settled`,
      'kind',
    );
  }
  return m.kind;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?$/;

/** The date part of a settlement time: `2023-05-01`, `2023-05-01 10:22:33` or `2023-05-01T10:22:33`. */
export function dateOfSetlTime(text: string): string {
  const s = text.trim();
  const m = DATE_TIME.exec(s);
  const ok = !!m && isIsoDate(m[1]) && (m[2] === undefined || (Number(m[2]) <= 23 && Number(m[3]) <= 59 && (m[4] === undefined || Number(m[4]) <= 59)));
  if (!ok) {
    throw new YibaoError(
      `结算时间 setl_time“${echo(text)}”无效，须为 YYYY-MM-DD 或 YYYY-MM-DD HH:mm:ss（可用 T 分隔，不带时区）`,
      `setl_time "${echo(text)}" is invalid: it must be YYYY-MM-DD or YYYY-MM-DD HH:mm:ss (T allowed, no time zone)`,
      'date',
    );
  }
  return m![1];
}

/** An ID number with its middle hidden: the first 6 and last 4 characters kept; short ones hidden whole. */
export function maskCertno(certno: string): string {
  const s = certno.trim();
  if (s.length <= 10) return '*'.repeat(s.length);
  return s.slice(0, 6) + '*'.repeat(s.length - 10) + s.slice(-4);
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643 check digit of an 18-character resident ID; other document numbers are not checked. */
export function certnoChecks(certno: string): boolean {
  const s = certno.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return true;
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(s[i]), 0);
  return ID_CHECK[sum % 11] === s[17];
}

const CONVENTION_NAME: Record<Convention, { zh: string; en: string }> = {
  spec: { zh: '本规范的列名（claim_id, person_id …）', en: "the spec's names (claim_id, person_id …)" },
  nhsa: { zh: '国家医保信息平台的列名（setl_id, psn_no …）', en: "the national platform's names (setl_id, psn_no …)" },
};

function specNameOf(nhsa: string): string {
  return NHSA_INPUT_FIELDS.find((f) => f.nhsa === nhsa)?.spec ?? '—';
}
function nhsaNameOf(spec: string): string {
  const f = NHSA_INPUT_FIELDS.find((x) => x.spec === spec);
  return f ? `${f.nhsa} ${f.zh}` : '—';
}

/** One row keyed by the spec's columns, and why the header's mapping refused it (the fields still name the claim). */
export interface MappedRow { fields: Record<string, string>; error?: YibaoError }

export interface HeaderPlan {
  convention: Convention;
  /** The table's (normalized) column each of these spec columns is read from (absent: none; city: see `city`). */
  source: Partial<Record<'claim_id' | 'person_id' | 'category' | 'city', string>>;
  /** The one city of the whole table (--city), if given. */
  city?: string;
  /**
   * A mapper for one pass over the table: fields keyed by the table's own (normalized) headers → keyed
   * by the spec's columns. Stateful (certno against psn_no on earlier lines): every readable row, in
   * input order, goes through the same mapper, whatever happens to the row afterwards.
   */
  mapper(): (fields: Record<string, string>) => MappedRow;
  /** Rows keyed by the table's own (normalized) headers → rows keyed by the spec's columns. */
  map(rows: Iterable<LedgerRow>): Iterable<LedgerRow>;
}

/**
 * How to read a header. Null when the header uses only the spec's names and no option is given:
 * the caller then reads it exactly as before this module existed. `columns` are normalized
 * (normalizeName + lower case), as tableLedgerRows makes them.
 */
export function headerPlan(columns: string[], opts: LedgerHeaderOptions = {}): HeaderPlan | null {
  const has = (c: string) => columns.includes(c);
  const nhsaHits = NHSA_NAMES.filter(has);
  const specHits = SPEC_MAPPED.filter(has);
  const city = opts.city?.trim() || undefined;
  const categoryColumn = opts.categoryColumn === undefined ? undefined : normalizeName(opts.categoryColumn).toLowerCase();
  if (nhsaHits.length === 0 && city === undefined && categoryColumn === undefined) return null;

  if (nhsaHits.length && specHits.length) {
    const expected: Convention = nhsaHits.filter((n) => n !== 'certno').length >= specHits.length ? 'nhsa' : 'spec';
    const off = expected === 'nhsa'
      ? specHits.map((s) => `${s}（应为 should be ${nhsaNameOf(s)}）`)
      : nhsaHits.map((n) => `${n}（应为 should be ${specNameOf(n)}）`);
    throw new YibaoError(
      `表头混用了两种列名：应使用${CONVENTION_NAME[expected].zh}，以下列不符：${off.join('、')}`,
      `the header mixes two naming conventions: expected ${CONVENTION_NAME[expected].en}; these columns are off: ${off.join(', ')}`,
      'fatal',
    );
  }
  const convention: Convention = nhsaHits.length ? 'nhsa' : 'spec';

  // Required columns of the convention (category and city are settled below).
  const missing = convention === 'nhsa'
    ? NHSA_INPUT_FIELDS.filter((f) => f.required && !has(f.nhsa)).map((f) => `${f.nhsa} ${f.zh}`)
    : SPEC_MAPPED.filter((c) => c !== 'basic_paid' && !has(c));
  if (missing.length) {
    throw new YibaoError(`缺少必需的列：${missing.join(', ')}`, `missing required columns: ${missing.join(', ')}`, 'fatal');
  }

  // The category: the named column, else exactly one of the known category headers; never a default.
  let categoryFrom: string;
  if (categoryColumn !== undefined) {
    if (!has(categoryColumn)) {
      throw new YibaoError(`--category-column 指定的列“${opts.categoryColumn}”不在表头中`, `the --category-column "${opts.categoryColumn}" is not in the header`, 'fatal');
    }
    const others = CATEGORY_HEADERS.filter((c) => c !== categoryColumn && has(c));
    if (others.length) {
      throw new YibaoError(`类别列有两处：--category-column ${opts.categoryColumn} 与 ${others.join(', ')}`, `two category columns: --category-column ${opts.categoryColumn} and ${others.join(', ')}`, 'fatal');
    }
    categoryFrom = categoryColumn;
  } else {
    const found = CATEGORY_HEADERS.filter(has);
    if (found.length === 0) {
      throw new YibaoError(
        `表中没有救助类别：导出文件不含固定的类别字段，请加一列 category（或 ${CATEGORY_HEADERS.slice(1).join('、')}），或用 --category-column 指明哪一列是类别；不会默认为普通居民`,
        `the table has no category: the export carries none in a fixed field; add a category column (or ${CATEGORY_HEADERS.slice(1).join(', ')}) or name one with --category-column; "ordinary" is never assumed`,
        'fatal',
      );
    }
    if (found.length > 1) {
      throw new YibaoError(`类别列有多处：${found.join(', ')}；请用 --category-column 指明`, `several category columns: ${found.join(', ')}; name one with --category-column`, 'fatal');
    }
    categoryFrom = found[0];
  }

  // The city: --city for the whole table, or exactly one city column.
  const cityColumns = CITY_HEADERS.filter(has);
  if (city !== undefined && cityColumns.length) {
    throw new YibaoError(`城市给了两处：--city ${city} 与列 ${cityColumns.join(', ')}`, `the city is given twice: --city ${city} and the column ${cityColumns.join(', ')}`, 'fatal');
  }
  if (city === undefined && cityColumns.length === 0) {
    throw new YibaoError(`表中没有城市：请加一列 city（或 城市），或用 --city 给出全表的城市`, `the table has no city: add a city column (or 城市) or give one city for the whole table with --city`, 'fatal');
  }
  if (cityColumns.length > 1) {
    throw new YibaoError(`城市列有多处：${cityColumns.join(', ')}`, `several city columns: ${cityColumns.join(', ')}`, 'fatal');
  }
  const cityFrom = cityColumns[0];

  function mapper(): (f: Record<string, string>) => MappedRow {
    const certOfPerson = new Map<string, string>();
    const personOfCert = new Map<string, string>();
    return (f) => {
      const out: Record<string, string> = Object.create(null);
      out.category = f[categoryFrom];
      out.city = city ?? f[cityFrom!];
      if (f.hospital_level !== undefined) out.hospital_level = f.hospital_level;
      // a county column is carried along (as the columnar ledger carries it): totals by county read it first
      if (f.county !== undefined) out.county = f.county;
      if (convention === 'spec') {
        for (const c of SPEC_MAPPED) if (f[c] !== undefined) out[c] = f[c];
        return { fields: out };
      }
      out.claim_id = f.setl_id;
      out.person_id = f.psn_no;
      out.total = f.medfee_sumamt;
      out.compliant = f.inscp_scp_amt;
      if (f.hifp_pay !== undefined) out.basic_paid = f.hifp_pay;
      try {
        out.date = dateOfSetlTime(f.setl_time);
        out.kind = kindOfMedType(f.med_type);
        const cert = (f.certno ?? '').trim().toUpperCase();
        const person = (f.psn_no ?? '').trim();
        if (cert !== '') {
          if (!certnoChecks(cert)) {
            throw new YibaoError(`证件号码 ${maskCertno(cert)} 校验位不符`, `certno ${maskCertno(cert)} fails its check digit`, 'certno');
          }
          const knownCert = certOfPerson.get(person);
          const knownPerson = personOfCert.get(cert);
          if (knownCert !== undefined && knownCert !== cert) {
            // Person ids are not quoted back (issue 6): the line number and the masked numbers say enough.
            throw new YibaoError(`此人员编号前面行的证件号码为 ${maskCertno(knownCert)}，本行为 ${maskCertno(cert)}，不一致`, `this psn_no had certno ${maskCertno(knownCert)} on an earlier line, this line says ${maskCertno(cert)}`, 'certno');
          }
          if (knownPerson !== undefined && knownPerson !== person) {
            throw new YibaoError(`证件号码 ${maskCertno(cert)} 在前面行属于另一人员编号`, `certno ${maskCertno(cert)} belongs to another psn_no on an earlier line`, 'certno');
          }
          certOfPerson.set(person, cert);
          personOfCert.set(cert, person);
        }
        return { fields: out };
      } catch (e) {
        if (!(e instanceof YibaoError)) throw e;
        // Keep the fields so that the rejection still names the claim (setl_id).
        return { fields: out, error: e };
      }
    };
  }

  function* map(rows: Iterable<LedgerRow>): Generator<LedgerRow> {
    const mapRow = mapper();
    for (const row of rows) {
      if (!row.fields) yield row;
      else {
        const m = mapRow(row.fields);
        yield m.error ? { line: row.line, fields: m.fields, error: m.error } : { line: row.line, fields: m.fields };
      }
    }
  }
  const source = convention === 'nhsa'
    ? { claim_id: 'setl_id', person_id: 'psn_no', category: categoryFrom, city: cityFrom }
    : { claim_id: 'claim_id', person_id: 'person_id', category: categoryFrom, city: cityFrom };
  return { convention, source, city, mapper, map };
}
