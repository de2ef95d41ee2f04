"""The dashboard as table rows (for the page and the CSV alike: the same numbers)."""

from __future__ import annotations

import csv
import io

from marrowtrack.analytics.dashboard import Dashboard, Filters
from marrowtrack.analytics.doseresponse import DoseResponse
from marrowtrack.intake.models import Treatment
from marrowtrack.patients.models import ReferralCondition

CSV_COLUMNS = (
    "condition",
    "treatment",
    "timepoint",
    "treated",
    "due",
    "followed_up",
    "followed_up_pct",
    "lost_to_follow_up",
    "analysed",
    "mean_improvement",
    "mean_ci_low",
    "mean_ci_high",
    "median_improvement",
    "q1",
    "q3",
    "meaningful_n",
    "meaningful_pct",
    "meaningful_ci_low",
    "meaningful_ci_high",
    "oarsi_responders_n",
    "oarsi_pct",
    "oarsi_ci_low",
    "oarsi_ci_high",
    "excluded_unverified",
    "excluded_unvalidated_wording",
    "excluded_out_of_window",
    "score",
    "meaningful_change_rule",
)


def _r(value: float | None, digits: int = 2) -> float | str:
    return "" if value is None else round(value, digits)


def _pct(value: float | None) -> float | str:
    return "" if value is None else round(100 * value, 1)


def treatment_label(code: str) -> str:
    try:
        return Treatment(code).label
    except ValueError:
        return code


def filters_in_force(filters: Filters, physician_label: str = "") -> str:
    """The patient filters a page or report applies, in words (condition, score and the
    excluded-data choice are said elsewhere); "none" when every patient counts."""
    parts = []
    if filters.physician_id is not None:
        parts.append(f"physician {physician_label or filters.physician_id}")
    start, end = filters.treated_from, filters.treated_to
    if start and end:
        parts.append(f"treated from {start.isoformat()} to {end.isoformat()}")
    elif start:
        parts.append(f"treated from {start.isoformat()}")
    elif end:
        parts.append(f"treated up to {end.isoformat()}")
    if filters.sex:
        parts.append(f"sex {filters.sex}")
    if filters.age_band:
        parts.append(f"age band {filters.age_band}")
    if filters.severity is not None:
        parts.append(f"Kellgren-Lawrence grade {filters.severity}")
    return "; ".join(parts) if parts else "none"


def condition_label(code: str) -> str:
    try:
        return str(ReferralCondition(code).label)
    except ValueError:
        return code


def dashboard_rows(board: Dashboard) -> list[dict[str, object]]:
    rows = []
    f = board.filters
    for t in board.treatments:
        for tp in t.timepoints:
            oarsi = tp.oarsi
            rows.append(
                {
                    "condition": f.condition,
                    "treatment": t.treatment,
                    "timepoint": tp.timepoint,
                    "treated": t.treated,
                    "due": tp.due,
                    "followed_up": tp.followed_up,
                    "followed_up_pct": _r(tp.followed_pct, 1),
                    "lost_to_follow_up": tp.lost,
                    "analysed": tp.analysed,
                    "mean_improvement": _r(tp.mean.mean),
                    "mean_ci_low": _r(tp.mean.low),
                    "mean_ci_high": _r(tp.mean.high),
                    "median_improvement": _r(tp.median.median),
                    "q1": _r(tp.median.q1),
                    "q3": _r(tp.median.q3),
                    "meaningful_n": tp.mcid.k,
                    "meaningful_pct": _pct(tp.mcid.p),
                    "meaningful_ci_low": _pct(tp.mcid.low),
                    "meaningful_ci_high": _pct(tp.mcid.high),
                    "oarsi_responders_n": "" if oarsi is None else oarsi.k,
                    "oarsi_pct": "" if oarsi is None else _pct(oarsi.p),
                    "oarsi_ci_low": "" if oarsi is None else _pct(oarsi.low),
                    "oarsi_ci_high": "" if oarsi is None else _pct(oarsi.high),
                    "excluded_unverified": tp.excluded["unverified"],
                    "excluded_unvalidated_wording": tp.excluded["unvalidated wording"],
                    "excluded_out_of_window": tp.excluded["out of window"],
                    "score": f"{f.instrument} {f.score_key}",
                    "meaningful_change_rule": board.rule,
                }
            )
    return rows


def dashboard_csv(board: Dashboard) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(dashboard_rows(board))
    return out.getvalue()


def survival_csv(board: Dashboard) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "treatment",
            "reintervention",
            "day",
            "at_risk",
            "events",
            "censored",
            "survival",
            "ci_low",
            "ci_high",
        ]
    )
    for t in board.treatments:
        for curve in t.survival:
            for s in curve.steps:
                writer.writerow(
                    [
                        t.treatment,
                        curve.kind or "any",
                        int(s.time),
                        s.at_risk,
                        s.events,
                        s.censored,
                        _r(s.survival, 4),
                        _r(s.low, 4),
                        _r(s.high, 4),
                    ]
                )
    return out.getvalue()


DOSE_COLUMNS = ("measure", "unit", "row", "dose", "improvement", "fitted", "ci_low", "ci_high")
DOSE_FIT_COLUMNS = (
    "measure",
    "unit",
    "timepoint",
    "score",
    "n",
    "slope",
    "slope_ci_low",
    "slope_ci_high",
    "intercept",
    "r_squared",
    "refused",
    "no_lab_result",
    "excluded_unverified",
    "excluded_unvalidated_wording",
    "excluded_out_of_window",
)


def dose_fit_rows(result: DoseResponse) -> list[dict[str, object]]:
    """One row per dose measure: the line and what was left out."""
    f = result.filters
    rows = []
    for d in result.fits:
        fit = d.fit
        rows.append(
            {
                "measure": d.label,
                "unit": d.unit,
                "timepoint": result.timepoint,
                "score": f"{f.instrument} {f.score_key}",
                "n": len(d.points),
                "slope": "" if fit is None else _r(fit.slope, 3),
                "slope_ci_low": "" if fit is None else _r(fit.slope_low, 3),
                "slope_ci_high": "" if fit is None else _r(fit.slope_high, 3),
                "intercept": "" if fit is None else _r(fit.intercept, 3),
                "r_squared": "" if fit is None else _r(fit.r_squared, 3),
                "refused": " ".join(d.refused),
                "no_lab_result": d.missing_dose,
                "excluded_unverified": result.excluded["unverified"],
                "excluded_unvalidated_wording": result.excluded["unvalidated wording"],
                "excluded_out_of_window": result.excluded["out of window"],
            }
        )
    return rows


def dose_rows(result: DoseResponse) -> list[dict[str, object]]:
    """Every patient's point (no identifier) and the fitted band, per dose measure."""
    rows: list[dict[str, object]] = []
    for d in result.fits:
        for p in sorted(d.points, key=lambda p: (p.dose, p.improvement)):
            rows.append(
                {
                    "measure": d.label,
                    "unit": d.unit,
                    "row": "patient",
                    "dose": _r(p.dose, 4),
                    "improvement": _r(p.improvement, 3),
                    "fitted": "",
                    "ci_low": "",
                    "ci_high": "",
                }
            )
        for dose, fitted, low, high in d.band:
            rows.append(
                {
                    "measure": d.label,
                    "unit": d.unit,
                    "row": "fitted line",
                    "dose": _r(dose, 4),
                    "improvement": "",
                    "fitted": _r(fitted, 3),
                    "ci_low": _r(low, 3),
                    "ci_high": _r(high, 3),
                }
            )
    return rows


def table_csv(rows: list[dict[str, object]], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
