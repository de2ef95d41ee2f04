"""The dashboard as table rows (for the page and the CSV alike: the same numbers)."""

from __future__ import annotations

import csv
import io

from marrowtrack.analytics.dashboard import Dashboard
from marrowtrack.intake.models import Treatment

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
