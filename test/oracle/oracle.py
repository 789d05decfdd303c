#!/usr/bin/env python3
"""Independent reference implementation ("oracle") of the three-tier settlement policy.

Written from the policy spec (sections 1-7, 9, and the December 2026 amendments of section 10:
Xixiu's categories 10.1, the end of the transition period 10.2; the per-year values of 10.3 are
the held years' values carried forward, which is what the constants below are) plus the team's
interpretation decisions; it does not read or import anything of the engine.

Usage:
    python3 test/oracle/oracle.py IN.csv OUT.csv
    python3 test/oracle/oracle.py --selftest      # section 2 band check + section 9 example

Standard library only. All money is decimal.Decimal, rounded ROUND_HALF_UP to 0.01.
"""
from __future__ import annotations

import csv
import sys
from decimal import Decimal, ROUND_HALF_UP, getcontext

getcontext().prec = 50
getcontext().rounding = ROUND_HALF_UP

D = Decimal
ZERO = D("0")
CENT = D("0.01")
INF = None  # open upper bound / no cap

OUT_HEADER = ["claim_id", "basic", "critical", "assistance", "reassist",
              "oop_compliant", "oop_total", "warning"]


def round2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def money(s: str) -> Decimal:
    return round2(D(s.strip()))


# ---------------------------------------------------------------------------
# Tier functions of the cumulative year-to-date base B (exact, unrounded).
# ---------------------------------------------------------------------------

def f_linear(B: Decimal, deductible: Decimal, rate: Decimal, cap):
    """min(cap, max(0, B - deductible) * rate); cap None = no cap."""
    v = max(ZERO, B - deductible) * rate
    if cap is not None:
        v = min(cap, v)
    return v


def f_bands(B: Decimal, deductible: Decimal, bands, cap):
    """min(cap, sum over bands of max(0, min(B, upTo) - max(from, deductible)) * rate).

    bands: list of (from, upTo or None, rate); the first band starts at the deductible.
    """
    total = ZERO
    for lo, hi, rate in bands:
        lo_eff = max(lo, deductible)
        top = B if hi is None else min(B, hi)
        seg = top - lo_eff
        if seg > 0:
            total += seg * rate
    if cap is not None:
        total = min(cap, total)
    return total


# ---------------------------------------------------------------------------
# Parameters, hard-coded from the spec (sections 4-7).
# ---------------------------------------------------------------------------

BASIC_DEDUCTIBLE = D("0")      # section 7, assumed, every level
BASIC_RATE = D("0.70")
BASIC_CAP = None

# band boundaries and ordinary rates, identical in all three cities
BAND_EDGES = [D("100000"), D("200000"), D("300000")]
ORDINARY_RATES = [D("0.60"), D("0.65"), D("0.70"), D("0.75")]
TILT_EXTRA = D("0.05")

CITIES = {
    "luan": {
        "crit_deductible": D("15452.00"),
        "crit_cap": D("300000"),
        "tilt": {"extremely_poor", "dibao", "relapsed"},
        "assistance": {
            "extremely_poor": (D("0"), D("0.90"), D("50000")),
            "dibao": (D("0"), D("0.75"), D("50000")),
            "relapsed": (D("1500"), D("0.70"), D("50000")),
            "monitored": (D("3000"), D("0.60"), D("50000")),
            "on_application": (D("20000"), D("0.50"), D("20000")),
        },
        "reassist": {
            c: (D("10000"), D("0.50"), D("20000"))
            for c in ("extremely_poor", "dibao", "relapsed", "monitored")
        },
        "drug": None,
        "warning": None,
    },
    "linyi": {
        "crit_deductible": D("12000"),
        "crit_cap": D("400000"),
        "tilt": {"dibao", "extremely_poor", "relapsed"},
        "assistance": {
            "extremely_poor": (D("0"), D("1.00"), D("20000")),
            "dibao": (D("0"), D("0.70"), D("10000")),
            "relapsed": (D("0"), D("0.70"), D("10000")),
            "dibao_marginal": (D("3000"), D("0.50"), D("10000")),
            "unstable_alleviated": (D("3000"), D("0.50"), D("10000")),
            "marginal_at_risk": (D("3000"), D("0.50"), D("10000")),
            # expenditure_hardship, sudden_hardship: 另行制定 -> 0
        },
        "reassist": {
            "extremely_poor": (D("5000"), D("0.70"), D("20000")),
            "dibao": (D("5000"), D("0.70"), D("20000")),
            "relapsed": (D("5000"), D("0.70"), D("20000")),
            "dibao_marginal": (D("10000"), D("0.70"), D("20000")),
            "unstable_alleviated": (D("10000"), D("0.70"), D("20000")),
            "marginal_at_risk": (D("10000"), D("0.70"), D("20000")),
        },
        # special drug track: deductible 0, rate 0.80, cap 400,000, every category
        "drug": (D("0"), D("0.80"), D("400000")),
        "warning": None,
    },
    "xixiu": {
        "crit_deductible": D("10897.50"),
        "crit_cap": D("300000"),
        # 10.1: unstable_alleviated as alleviated (published), relapsed as dibao (assumed)
        "tilt": {"extremely_poor", "alleviated", "dibao", "unstable_alleviated", "relapsed"},
        "assistance": {
            "extremely_poor": (D("0"), D("0.70"), D("50000")),
            "alleviated": (D("0"), D("0.70"), D("50000")),
            "unstable_alleviated": (D("0"), D("0.70"), D("50000")),
            "dibao": (D("0"), D("0.70"), D("50000")),
            "relapsed": (D("0"), D("0.70"), D("50000")),
        },
        "reassist": {},
        "drug": None,
        "warning": {
            "ordinary": D("10000"),
            **{c: D("4000") for c in ("extremely_poor", "dibao", "alleviated", "dibao_marginal",
                                      "unstable_alleviated", "marginal_at_risk", "relapsed")},
        },
    },
}


# 10.2: rules limited to the transition period apply to claims dated up to its end (assumed).
TRANSITION_END = "2025-12-31"
# claim tiers that are transitional, by city and category (subsidies are not settled here)
TRANSITIONAL_TIERS = {
    "linyi": {"dibao_marginal", "unstable_alleviated", "marginal_at_risk"},  # assistance and reassist
}


def crit_params(city: str, category: str):
    """(deductible, bands, cap) of the critical-illness function for this city/category."""
    p = CITIES[city]
    ded = p["crit_deductible"]
    rates = list(ORDINARY_RATES)
    cap = p["crit_cap"]
    if category in p["tilt"]:
        ded = ded * D("0.5")
        rates = [r + TILT_EXTRA for r in rates]
        cap = None
    edges = [ded] + BAND_EDGES + [None]
    bands = [(edges[i], edges[i + 1], rates[i]) for i in range(4)]
    return ded, bands, cap


# ---------------------------------------------------------------------------
# Settlement
# ---------------------------------------------------------------------------

class Acc:
    """Year-to-date cumulative bases of one person-year."""

    def __init__(self):
        self.basic = ZERO      # compliant of claims without basic_paid
        self.crit = ZERO       # oop1 of inpatient + chronic_outpatient
        self.drug = ZERO       # oop1 of special_drug
        self.assist = ZERO     # oop2 of inpatient + chronic_outpatient
        self.reassist = ZERO   # oop3 of inpatient + chronic_outpatient


def delta(F, before: Decimal, x: Decimal) -> Decimal:
    return round2(F(before + x)) - round2(F(before))


def settle_claim(row: dict, acc: Acc) -> dict:
    city = row["city"].strip()
    cat = row["category"].strip()
    kind = row["kind"].strip()
    p = CITIES[city]
    total = money(row["total"])
    compliant = money(row["compliant"])
    bp = (row.get("basic_paid") or "").strip()

    # basic
    if bp != "":
        basic = money(bp)
    else:
        F = lambda B: f_linear(B, BASIC_DEDUCTIBLE, BASIC_RATE, BASIC_CAP)
        basic = delta(F, acc.basic, compliant)
        acc.basic += compliant
    oop1 = compliant - basic

    critical = assistance = reassist = ZERO
    if kind == "special_drug":
        if p["drug"] is None:
            raise ValueError(f"special_drug claim in {city}")
        dd, dr, dc = p["drug"]
        F = lambda B: f_linear(B, dd, dr, dc)
        critical = delta(F, acc.drug, oop1)
        acc.drug += oop1
        oop2 = oop1 - critical
        oop3 = oop2
    elif kind in ("inpatient", "chronic_outpatient"):
        ded, bands, cap = crit_params(city, cat)
        F = lambda B: f_bands(B, ded, bands, cap)
        critical = delta(F, acc.crit, oop1)
        acc.crit += oop1
        oop2 = oop1 - critical

        lapsed = row["date"].strip() > TRANSITION_END and cat in TRANSITIONAL_TIERS.get(city, set())
        ap = None if lapsed else p["assistance"].get(cat)
        if ap is not None:
            F = lambda B: f_linear(B, *ap)
            assistance = delta(F, acc.assist, oop2)
        acc.assist += oop2
        oop3 = oop2 - assistance

        rp = None if lapsed else p["reassist"].get(cat)
        if rp is not None:
            F = lambda B: f_linear(B, *rp)
            reassist = delta(F, acc.reassist, oop3)
        acc.reassist += oop3
    else:
        raise ValueError(f"unknown kind {kind!r}")

    oop_compliant = oop3 - reassist
    oop_total = total - basic - critical - assistance - reassist

    if p["warning"] is None:
        warning = ""
    else:
        limit = p["warning"].get(cat)
        warning = "1" if (limit is not None and oop_total > limit) else "0"

    return {
        "claim_id": row["claim_id"],
        "basic": basic, "critical": critical, "assistance": assistance,
        "reassist": reassist, "oop_compliant": oop_compliant, "oop_total": oop_total,
        "warning": warning,
    }


def fmt(x: Decimal) -> str:
    x = round2(x)
    if x == 0:
        x = abs(x)  # never print -0.00
    return f"{x:.2f}"


def settle_rows(rows: list[dict]) -> list[dict]:
    # group by person and calendar year; date order, ties in input order
    order = sorted(range(len(rows)),
                   key=lambda i: (rows[i]["person_id"].strip(), rows[i]["date"].strip()[:4],
                                  rows[i]["date"].strip(), i))
    accs: dict[tuple[str, str], Acc] = {}
    results: list[dict | None] = [None] * len(rows)
    for i in order:
        r = rows[i]
        key = (r["person_id"].strip(), r["date"].strip()[:4])
        acc = accs.setdefault(key, Acc())
        results[i] = settle_claim(r, acc)
    return results  # type: ignore[return-value]


def run(in_path: str, out_path: str) -> None:
    with open(in_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    results = settle_rows(rows)
    with open(out_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(OUT_HEADER)
        for res in results:
            w.writerow([res["claim_id"]] + [fmt(res[k]) for k in OUT_HEADER[1:7]] + [res["warning"]])


# ---------------------------------------------------------------------------
# Self-checks
# ---------------------------------------------------------------------------

def selftest() -> int:
    failures = []

    def check(name, got, want):
        if got != want:
            failures.append(f"{name}: got {got}, want {want}")
        else:
            print(f"ok   {name} = {got}")

    # Section 2: Shandong 2014 band check, deductible 10,000; 10,000-100,000 at 50%; above at 60%
    bands = [(D("10000"), D("100000"), D("0.5")), (D("100000"), None, D("0.6"))]
    check("section 2 band check Fcrit(170000)", round2(f_bands(D("170000"), D("10000"), bands, None)),
          D("87000.00"))

    # Tilt construction: linyi tilt deductible 6,000 with 65/70/75/80%
    ded, b, cap = crit_params("linyi", "dibao")
    check("linyi tilt deductible", ded, D("6000"))
    check("linyi tilt rates", [r for _, _, r in b], [D("0.65"), D("0.70"), D("0.75"), D("0.80")])
    check("linyi tilt cap", cap, None)
    ded, b, cap = crit_params("xixiu", "ordinary")
    check("xixiu ordinary deductible", ded, D("10897.50"))
    check("xixiu ordinary cap", cap, D("300000"))
    # Cap is reached: luan ordinary, deductible 15452; full bands 0.60*84548 + 0.65e5 + 0.70e5 = 185728.80,
    # then 0.75 above 300,000: cap 300,000 reached at B = 300000 + (300000-185728.80)/0.75 = 452361.60
    ded, b, cap = crit_params("luan", "ordinary")
    check("luan Fcrit(300000)", round2(f_bands(D("300000"), ded, b, cap)), D("185728.80"))
    check("luan Fcrit(452361.60)", round2(f_bands(D("452361.60"), ded, b, cap)), D("300000.00"))
    check("luan Fcrit(600000)", round2(f_bands(D("600000"), ded, b, cap)), D("300000.00"))

    # Section 9 worked example
    row = {"claim_id": "ex9", "person_id": "p", "category": "dibao", "city": "linyi",
           "date": "2023-05-01", "kind": "inpatient", "hospital_level": "", "total": "60000",
           "compliant": "50000", "basic_paid": "30000"}
    r = settle_rows([row])[0]
    for k, want in [("basic", "30000.00"), ("critical", "9100.00"), ("assistance", "7630.00"),
                    ("reassist", "0.00"), ("oop_compliant", "3270.00"), ("oop_total", "13270.00")]:
        check(f"section 9 {k}", fmt(r[k]), want)
    check("section 9 warning (linyi)", r["warning"], "")

    # Cumulative differences: two claims telescope to the year total
    rows = [dict(row, claim_id="a", basic_paid="", compliant="33333.33", total="40000"),
            dict(row, claim_id="b", basic_paid="", compliant="11111.11", total="12000")]
    rs = settle_rows(rows)
    check("telescoping basic", rs[0]["basic"] + rs[1]["basic"], round2(D("44444.44") * D("0.70")))

    ded, b, cap = crit_params("xixiu", "alleviated")
    check("xixiu tilt deductible", round2(ded), D("5448.75"))

    # Hand-computed two-claim year (luan monitored), given in reverse date order; plus a 2024 claim
    base = {"person_id": "m", "category": "monitored", "city": "luan", "kind": "inpatient",
            "hospital_level": "county", "basic_paid": ""}
    rows = [dict(base, claim_id="c2", date="2023-09-01", total="60000", compliant="50000"),
            dict(base, claim_id="c3", date="2024-01-02", total="20000", compliant="20000"),
            dict(base, claim_id="c1", date="2023-03-01", total="20000", compliant="20000")]
    rs = {r["claim_id"]: r for r in settle_rows(rows)}
    for cid, k, want in [("c1", "basic", "14000.00"), ("c1", "critical", "0.00"),
                         ("c1", "assistance", "1800.00"), ("c1", "reassist", "0.00"),
                         ("c1", "oop_compliant", "4200.00"),
                         ("c2", "basic", "35000.00"), ("c2", "critical", "3328.80"),
                         ("c2", "assistance", "7002.72"), ("c2", "reassist", "0.00"),
                         ("c2", "oop_compliant", "4668.48"), ("c2", "oop_total", "14668.48"),
                         ("c3", "basic", "14000.00"), ("c3", "assistance", "1800.00")]:
        check(f"luan monitored {cid} {k}", fmt(rs[cid][k]), want)

    # 10.2 by hand: linyi dibao_marginal, compliant 60,000, basic_paid 30,000: oop1 30,000,
    # critical 10,800; inside the transition assistance 8,100 and reassist 770, after it 0 and 0
    dm = {"claim_id": "t", "person_id": "t", "category": "dibao_marginal", "city": "linyi",
          "kind": "inpatient", "hospital_level": "", "total": "60000", "compliant": "60000",
          "basic_paid": "30000"}
    inside, after = settle_rows([dict(dm, date="2025-12-31"), dict(dm, person_id="u", date="2026-01-01")])
    check("10.2 inside assistance", fmt(inside["assistance"]), "8100.00")
    check("10.2 inside reassist", fmt(inside["reassist"]), "770.00")
    check("10.2 after assistance", fmt(after["assistance"]), "0.00")
    check("10.2 after oop_compliant", fmt(after["oop_compliant"]), "19200.00")
    # 10.1 by hand: xixiu relapsed as dibao: oop1 20,000, tilt 9,458.31, assistance 7,379.18
    rl = settle_rows([{"claim_id": "r", "person_id": "r", "category": "relapsed", "city": "xixiu",
                       "date": "2023-01-01", "kind": "inpatient", "hospital_level": "",
                       "total": "30000", "compliant": "30000", "basic_paid": "10000"}])[0]
    check("10.1 xixiu relapsed critical", fmt(rl["critical"]), "9458.31")
    check("10.1 xixiu relapsed assistance", fmt(rl["assistance"]), "7379.18")

    if failures:
        print("\n".join("FAIL " + f for f in failures))
        return 1
    print("selftest passed")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[1] == "--selftest":
        return selftest()
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    run(argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
