"""Responders per plan and time point: change from baseline, meaningful change, OMERACT-OARSI.

Thresholds: MarrowTrack instrument spec "Meaningful change" (responders.py names each source).
OMERACT-OARSI (Pham 2004) for knee OA, our mapping (**policy**):
- pain = WOMAC pain (0-100, higher worse) if answered, else 100 - KOOS Pain;
- function = WOMAC function if answered, else 100 - KOOS ADL;
- patient global = the follow-up's PGIC. PGIC is a transition question with no baseline, so
  "much improved" or "very much improved" (1-2) counts as the patient-global domain improving
  by >=20 % and >=10 points, anything else as not improving. Without a PGIC the domain counts
  as not improved, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import responders
from marrowtrack.outcomes.selectors import results_table

IMPROVED_PGIC = 2


@dataclass
class TimepointResponders:
    timepoint: str
    changes: list[responders.ChangeResult] = field(default_factory=list)
    oarsi: responders.OarsiResult | None = None
    oarsi_note: str = ""


def _score_changes(baseline: dict, follow_up: dict) -> list[responders.ChangeResult]:
    results = []
    for rule in responders.RULES:
        if rule.instrument not in baseline or rule.instrument not in follow_up:
            continue
        for key in rule.score_keys:
            results.append(
                responders.meaningful_change(
                    rule.instrument,
                    key,
                    baseline[rule.instrument].get(key),
                    follow_up[rule.instrument].get(key),
                )
            )
    return results


def _pain_function(scores: dict) -> tuple[float | None, float | None, str]:
    womac = scores.get("WOMAC") or {}
    if womac.get("pain") is not None and womac.get("function") is not None:
        return womac["pain"], womac["function"], "WOMAC pain and function"
    koos = scores.get("KOOS") or {}
    if koos.get("pain") is not None and koos.get("adl") is not None:
        return 100 - koos["pain"], 100 - koos["adl"], "100 - KOOS Pain and 100 - KOOS ADL"
    return None, None, ""


def oarsi_for(baseline: dict, follow_up: dict) -> tuple[responders.OarsiResult | None, str]:
    """OMERACT-OARSI from stored scores, or (None, why not)."""
    b_pain, b_function, source = _pain_function(baseline)
    f_pain, f_function, f_source = _pain_function(follow_up)
    if b_pain is None or f_pain is None or source != f_source:
        return None, "not assessable: no WOMAC or KOOS pain/function at both time points"
    pgic = (follow_up.get("PGIC") or {}).get("total")
    if pgic is None:
        global_pair, note = (
            (0, 0),
            f"{source}; no PGIC answer, patient global counted as not improved",
        )
    else:
        improved = pgic <= IMPROVED_PGIC
        global_pair, note = ((100, 0) if improved else (100, 100)), f"{source}; PGIC {pgic}"
    result = responders.omeract_oarsi_responder(
        pain=(b_pain, f_pain), function=(b_function, f_function), patient_global=global_pair
    )
    return result, note


def plan_responders(*, plan: TreatmentPlan) -> list[TimepointResponders]:
    """Change from baseline at every follow-up time point that has results."""
    table = results_table(plan=plan)
    baseline = table.get("baseline")
    if not baseline:
        return []
    rows = []
    for timepoint, follow_up in table.items():
        if timepoint == "baseline":
            continue
        row = TimepointResponders(timepoint, _score_changes(baseline, follow_up))
        if plan.condition == "knee_oa":
            row.oarsi, row.oarsi_note = oarsi_for(baseline, follow_up)
        rows.append(row)
    order = ["2w", "6w", "3m", "6m", "12m", "24m"]
    return sorted(rows, key=lambda r: order.index(r.timepoint) if r.timepoint in order else 99)
