"""Responders per plan and time point: change from baseline, meaningful change, OMERACT-OARSI.

Thresholds: MarrowTrack instrument spec "Meaningful change" (responders.py names each source;
docs/outcomes.md). OMERACT-OARSI as published (Pham T et al., Osteoarthritis Cartilage
2004;12:389-399), for knee and hip OA, on 0-100 scales where higher is worse:
- pain = WOMAC pain and function = WOMAC function, asked, or derived from the KOOS/HOOS items
  that contain WOMAC (scoring.py stores them as "WOMAC" beside the KOOS or HOOS scores);
- patient global = the PGA (0-100), asked at baseline and at every follow-up.
PGIC is a transition question with no baseline and is never the patient global. Its own
figure, if shown, is "PGIC responders" (much or very much improved), never called OARSI.
Figures use responses on validated wording only, unless the reader includes the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import catalogue, responders
from marrowtrack.outcomes.selectors import results_table, unvalidated_count

PGIC_IMPROVED = 2  # 1 = very much improved, 2 = much improved
PGIC_RULE = "PGIC responders: much or very much improved (PGIC 1-2); not OMERACT-OARSI"


@dataclass
class TimepointResponders:
    timepoint: str
    changes: list[responders.ChangeResult] = field(default_factory=list)
    oarsi: responders.OarsiResult | None = None
    oarsi_note: str = ""
    pgic_responder: bool | None = None
    left_out_unvalidated: int = 0

    @property
    def label(self) -> str:
        return catalogue.timepoint_label(self.timepoint)


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


def _oarsi_domains(scores: dict) -> tuple[dict[str, float], list[str]]:
    """{pain, function, patient_global} on 0-100 (higher worse), and what is missing."""
    womac, pga = scores.get("WOMAC") or {}, scores.get("PGA") or {}
    found = {
        "pain": womac.get("pain"),
        "function": womac.get("function"),
        "patient_global": pga.get("total"),
    }
    missing = [name.replace("_", " ") for name, value in found.items() if value is None]
    return {k: v for k, v in found.items() if v is not None}, missing


def _womac_source(scores: dict) -> str:
    source = (scores.get("WOMAC") or {}).get("_from", "WOMAC")
    return "WOMAC" if source == "WOMAC" else f"WOMAC from the {source} items"


def oarsi_for(baseline: dict, follow_up: dict) -> tuple[responders.OarsiResult | None, str]:
    """OMERACT-OARSI from stored scores, or (None, why not)."""
    start, missing_start = _oarsi_domains(baseline)
    end, missing_end = _oarsi_domains(follow_up)
    if missing_start or missing_end:
        what = "; ".join(
            f"no {', '.join(missing)} at {when}"
            for missing, when in ((missing_start, "baseline"), (missing_end, "follow-up"))
            if missing
        )
        return None, f"not assessable: {what}"
    result = responders.omeract_oarsi_responder(
        pain=(start["pain"], end["pain"]),
        function=(start["function"], end["function"]),
        patient_global=(start["patient_global"], end["patient_global"]),
    )
    note = f"{_womac_source(baseline)} at baseline, {_womac_source(follow_up)} at follow-up; PGA"
    return result, note


def pgic_responder(follow_up: dict) -> bool | None:
    """Much or very much improved on the PGIC; None when it was not answered."""
    answer = (follow_up.get("PGIC") or {}).get("total")
    return None if answer is None else answer <= PGIC_IMPROVED


def plan_responders(
    *, plan: TreatmentPlan, include_unvalidated: bool = False
) -> list[TimepointResponders]:
    """Change from baseline at every follow-up time point that has results."""
    table = results_table(plan=plan, include_unvalidated=include_unvalidated, with_source=True)
    left_out = 0 if include_unvalidated else unvalidated_count(plan=plan)
    baseline = table.get("baseline")
    if not baseline:
        return []
    rows = []
    for timepoint, follow_up in table.items():
        if timepoint == "baseline":
            continue
        row = TimepointResponders(timepoint, _score_changes(baseline, follow_up))
        if catalogue.is_osteoarthritis(plan.condition, plan.target):
            row.oarsi, row.oarsi_note = oarsi_for(baseline, follow_up)
        row.pgic_responder = pgic_responder(follow_up)
        row.left_out_unvalidated = left_out
        rows.append(row)
    return sorted(rows, key=lambda r: catalogue.timepoint_order(r.timepoint))
