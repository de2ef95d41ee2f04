"""The de-identified research export (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)).

Of the 18 identifiers, the registry's rows would carry names, dates, ZIP codes, ages over 89
and record numbers; this export keeps none of them:
- no names, contact details, MRNs, public ids or database ids: subjects and plans get
  numbers that are shuffled for every export and mean nothing outside it;
- no dates: each time is a number of days from the plan's treatment day;
- ages over 89 are one group, "90 or older";
- a ZIP code keeps its first three digits only, and becomes "000" where the three-digit area
  held 20,000 people or fewer (the list published by HHS with the 2000 census: HHS OCR,
  "Guidance Regarding Methods for De-identification of Protected Health Information", 2012).
Free text (notes, adverse-event descriptions) never leaves.
"""

from __future__ import annotations

import csv
import io
import random

from marrowtrack.analytics.readmodel import Registry

RESTRICTED_ZIP3 = frozenset(
    "036 059 063 102 203 556 692 790 821 823 830 831 878 879 884 890 893".split()
)
COLUMNS = (
    "subject",
    "plan",
    "condition",
    "target",
    "laterality",
    "treatment",
    "sex",
    "age",
    "zip3",
    "bmi",
    "kellgren_lawrence_grade",
    "symptom_months",
    "prior_injections",
    "instrument",
    "asked",
    "score",
    "timepoint",
    "days_from_treatment",
    "value",
    "excluded",
)
AE_COLUMNS = ("plan", "event_type", "serious", "days_from_treatment")


def safe_age(age: int | None) -> str:
    if age is None:
        return ""
    return "90 or older" if age > 89 else str(age)


def zip3(code: str | None) -> str:
    if not code or len(code) < 3 or not code[:3].isdigit():
        return ""
    return "000" if code[:3] in RESTRICTED_ZIP3 else code[:3]


def _numbers(ids: list[int], prefix: str, rng: random.Random) -> dict[int, str]:
    shuffled = list(ids)
    rng.shuffle(shuffled)
    width = max(4, len(str(len(shuffled))))
    return {value: f"{prefix}{n:0{width}d}" for n, value in enumerate(shuffled, start=1)}


def research_rows(
    registry: Registry, zip_codes: dict[int, str], *, seed: int | None = None
) -> list[dict[str, object]]:
    """One row per score of every plan, de-identified (see the module's rules)."""
    rng = random.Random(seed)
    subjects = _numbers(sorted({p.patient_id for p in registry.plans.values()}), "S", rng)
    plans = _numbers(sorted(registry.plans), "T", rng)
    rows = []
    for r in registry.scores:
        plan = registry.plans[r.plan_id]
        rows.append(
            {
                "subject": subjects[plan.patient_id],
                "plan": plans[plan.id],
                "condition": plan.condition,
                "target": plan.target,
                "laterality": plan.laterality,
                "treatment": plan.treatment,
                "sex": plan.sex,
                "age": safe_age(plan.age),
                "zip3": zip3(zip_codes.get(plan.patient_id)),
                "bmi": "" if plan.bmi is None else round(plan.bmi, 1),
                "kellgren_lawrence_grade": "" if plan.severity is None else plan.severity,
                "symptom_months": "" if plan.symptom_months is None else plan.symptom_months,
                "prior_injections": plan.prior_injections,
                "instrument": r.instrument,
                "asked": r.asked,
                "score": r.score_key,
                "timepoint": r.timepoint or "",
                "days_from_treatment": ""
                if r.answered_on is None
                else (r.answered_on - plan.treated_on).days,
                "value": r.value,
                "excluded": r.excluded,
            }
        )
    rows.sort(key=lambda row: (row["plan"], row["instrument"], row["score"], row["timepoint"]))
    return rows


def research_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
