'use strict';
// The SQL peer of the throughput benchmark: the same rules for a Linyi ledger, written for DuckDB the
// way an analyst would (window sums over person and calendar year, DECIMAL arithmetic, ROUND), reading
// the same CSV and writing the same results CSV. ROUND on a DECIMAL rounds half away from zero, which
// is half-up for the non-negative amounts here.
//
// It covers what the benchmark ledger holds: one city (Linyi), one category per person, the spec's
// column names, no bad rows. The rule values come from the engine's policy book (compiled rules), so
// the SQL and the engine read the same parameters.
//
// usage: node bench/duckdb-peer.js <ledger.csv> <results.csv>   (prints elapsed ms and peak RSS)
const path = require('node:path');
const root = path.join(__dirname, '..');

function rulesTable() {
  const { defaultBook } = require(path.join(root, 'dist/engine'));
  const { paramsAt, rulesFor } = require(path.join(root, 'dist/engine/policy/resolve'));
  const book = defaultBook();
  const city = book.cities.get('linyi');
  const params = paramsAt(book, city, '2023-06-30');
  const mams = {};
  for (const def of book.categories.values()) if (def.mams) mams[def.id] = def.mams;
  const n = (x) => (x === null || x === undefined ? 'NULL' : `${x.toFixed()}::DECIMAL(18,4)`);
  const s = (x) => (x === null ? 'NULL' : `'${x.replace(/'/g, "''")}'`);
  const rows = [];
  for (const cat of city.categories) {
    const r = rulesFor(city, params, cat);
    const b = r.basic(undefined);
    if (r.critical.bands.length !== 4) throw new Error('the SQL peer is written for four critical bands');
    const band = (i) => r.critical.bands[i];
    const lo = (i) => (band(i).from.gt(r.critical.deductible) ? band(i).from : r.critical.deductible);
    const pending = r.assistance ? null : r.assistancePending ? `此类别医疗救助政策“另行制定”，暂按0计算（${r.assistancePending.source}）` : null;
    rows.push(`(${s(cat)}, ${s(mams[cat] ?? cat)}, ${n(b.deductible)}, ${n(b.rate)}, ${n(b.cap)},
      ${n(lo(0))}, ${n(lo(1))}, ${n(lo(2))}, ${n(lo(3))}, ${n(band(0).rate)}, ${n(band(1).rate)}, ${n(band(2).rate)}, ${n(band(3).rate)}, ${n(r.critical.cap)},
      ${n(r.specialDrug.deductible)}, ${n(r.specialDrug.rate)}, ${n(r.specialDrug.cap)},
      ${r.assistance ? 'true' : 'false'}, ${n(r.assistance?.deductible)}, ${n(r.assistance?.rate)}, ${n(r.assistance?.cap)},
      ${r.reassist ? 'true' : 'false'}, ${n(r.reassist?.deductible)}, ${n(r.reassist?.rate)}, ${n(r.reassist?.cap)}, ${s(pending)})`);
  }
  const finding = book.floors.find((f) => f.on === 'claim' && f.scope === 'province:shandong');
  return { values: rows.join(',\n'), finding: `${finding.zh}〔${finding.source}〕` };
}

function sql(input, output) {
  const { values, finding } = rulesTable();
  const q = (x) => `'${x.replace(/'/g, "''")}'`;
  // F(B) for a linear tier and the banded critical tier, as SQL expressions
  const lin = (b, d, r, cap) => `CASE WHEN ${cap} IS NULL THEN GREATEST(0, ${b} - ${d}) * ${r} ELSE LEAST(${cap}, GREATEST(0, ${b} - ${d}) * ${r}) END`;
  const band = (b) => `(GREATEST(0, LEAST(${b}, c_lo2) - c_lo1) * c_r1 + GREATEST(0, LEAST(${b}, c_lo3) - c_lo2) * c_r2 + GREATEST(0, LEAST(${b}, c_lo4) - c_lo3) * c_r3 + GREATEST(0, ${b} - c_lo4) * c_r4)`;
  const crit = (b) => `CASE WHEN c_cap IS NULL THEN ${band(b)} ELSE LEAST(c_cap, ${band(b)}) END`;
  const inc = (f, after, before) => `ROUND(${f(after)}, 2) - ROUND(${f(before)}, 2)`;
  const w = 'OVER (PARTITION BY person_id, yr, drug ORDER BY date, seq ROWS UNBOUNDED PRECEDING)';
  return `
CREATE TEMP TABLE rules(category VARCHAR, code VARCHAR, b_d DECIMAL(18,4), b_r DECIMAL(18,4), b_cap DECIMAL(18,4),
  c_lo1 DECIMAL(18,4), c_lo2 DECIMAL(18,4), c_lo3 DECIMAL(18,4), c_lo4 DECIMAL(18,4), c_r1 DECIMAL(18,4), c_r2 DECIMAL(18,4), c_r3 DECIMAL(18,4), c_r4 DECIMAL(18,4), c_cap DECIMAL(18,4),
  s_d DECIMAL(18,4), s_r DECIMAL(18,4), s_cap DECIMAL(18,4),
  has_a BOOLEAN, a_d DECIMAL(18,4), a_r DECIMAL(18,4), a_cap DECIMAL(18,4),
  has_ra BOOLEAN, ra_d DECIMAL(18,4), ra_r DECIMAL(18,4), ra_cap DECIMAL(18,4), pending VARCHAR);
INSERT INTO rules VALUES ${values};
COPY (
WITH claims AS (
  SELECT row_number() OVER () AS seq, claim_id, person_id, category, date, kind = 'special_drug' AS drug, year(date) AS yr,
         total::DECIMAL(18,2) AS total, compliant::DECIMAL(18,2) AS compliant, basic_paid::DECIMAL(18,2) AS basic_paid
  FROM read_csv(${q(input)}, header = true, all_varchar = false,
    columns = {'claim_id': 'VARCHAR', 'person_id': 'VARCHAR', 'category': 'VARCHAR', 'city': 'VARCHAR', 'date': 'DATE', 'kind': 'VARCHAR',
               'hospital_level': 'VARCHAR', 'total': 'DECIMAL(18,2)', 'compliant': 'DECIMAL(18,2)', 'basic_paid': 'DECIMAL(18,2)'})
),
-- basic: given, or the increment of F on the year's base of claims without basic_paid
b0 AS (
  SELECT c.*, r.*,
    SUM(CASE WHEN basic_paid IS NULL THEN compliant ELSE 0 END) OVER (PARTITION BY person_id, yr ORDER BY date, seq ROWS UNBOUNDED PRECEDING) AS bb_after
  FROM claims c JOIN rules r ON r.code = c.category OR r.category = c.category
),
b1 AS (
  SELECT *, COALESCE(basic_paid, ${inc((x) => lin(x, 'b_d', 'b_r', 'b_cap'), 'bb_after', '(bb_after - compliant)')}) AS basic FROM b0
),
-- critical (special drugs on their own track: the partition includes drug)
c0 AS (SELECT *, compliant - basic AS oop1, SUM(compliant - basic) ${w} AS cb_after FROM b1),
c1 AS (
  SELECT *, CASE WHEN drug THEN ${inc((x) => lin(x, 's_d', 's_r', 's_cap'), 'cb_after', '(cb_after - oop1)')}
                 ELSE ${inc(crit, 'cb_after', '(cb_after - oop1)')} END AS critical FROM c0
),
-- assistance and re-assistance: hospital stays and chronic outpatient only
a0 AS (SELECT *, oop1 - critical AS oop2, SUM(oop1 - critical) ${w} AS ab_after FROM c1),
a1 AS (
  SELECT *, CASE WHEN drug OR NOT has_a THEN 0 ELSE ${inc((x) => lin(x, 'a_d', 'a_r', 'a_cap'), 'ab_after', '(ab_after - oop2)')} END AS assistance FROM a0
),
r0 AS (SELECT *, oop2 - assistance AS oop3, SUM(oop2 - assistance) ${w} AS rb_after FROM a1),
r1 AS (
  SELECT *, CASE WHEN drug OR NOT has_ra THEN 0 ELSE ${inc((x) => lin(x, 'ra_d', 'ra_r', 'ra_cap'), 'rb_after', '(rb_after - oop3)')} END AS reassist FROM r0
)
SELECT claim_id, basic::DECIMAL(18,2) AS basic, critical::DECIMAL(18,2) AS critical, assistance::DECIMAL(18,2) AS assistance, reassist::DECIMAL(18,2) AS reassist,
  (oop3 - reassist)::DECIMAL(18,2) AS oop_compliant, (total - basic - critical - assistance - reassist)::DECIMAL(18,2) AS oop_total,
  NULL::VARCHAR AS warning,
  NULLIF(concat_ws('；', CASE WHEN NOT drug THEN pending END, CASE WHEN compliant > 0 AND oop3 - reassist <= 0 THEN ${q(finding)} END), '') AS notes
FROM r1 ORDER BY seq
) TO ${q(output)} (HEADER, DELIMITER ',', QUOTE '"');
`;
}

async function run(input, output) {
  const { DuckDBInstance } = require('@duckdb/node-api');
  const t0 = process.hrtime.bigint();
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  await con.run(sql(input, output));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return ms;
}

module.exports = { sql, run };

if (require.main === module) {
  const [input, output] = process.argv.slice(2);
  run(input, output).then((ms) => {
    process.stdout.write(JSON.stringify({ ms, maxRssKB: process.resourceUsage().maxRSS }) + '\n');
  }, (e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
}
