"""Bulk rescoring of the whole registry with the vectorised (numpy) scoring path.

The bulk path gives the same numbers as the one-by-one path (property-tested in
tests/test_bulk.py); rows with a null score fall back to the one-by-one path, which also
gives the reasons. Only rows whose scores or rule versions change are written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.outcomes import bulk, scoring
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services.responses import compute_scores


def _json_value(value: float, places: int) -> float | int | None:
    if math.isnan(value):
        return None
    return int(value) if places == 0 else float(value)


def _bulk_scores(code: str, answer_sets: Sequence[dict]) -> list[tuple[dict, str] | None]:
    """Scores per row for the instrument and its derived ones; None where a row needs reasons."""
    columns = scoring.instrument(code).definition.item_codes
    matrix = bulk.answers_to_matrix(code, answer_sets, columns)
    codes = [code, *scoring.derived_codes(code)]
    per_code = {c: bulk.score_matrix(c, matrix, columns) for c in codes}
    version = "; ".join(scoring.instrument(c).definition.rule_version for c in codes)
    rows: list[tuple[dict, str] | None] = []
    for index in range(len(answer_sets)):
        scores: dict[str, dict] = {}
        for c in codes:
            keys = scoring.instrument(c).definition.score_keys
            values = {k.key: _json_value(per_code[c][k.key][index], k.places) for k in keys}
            scores[c] = {**values, "reasons": []}
        complete = all(
            v is not None for s in scores.values() for k, v in s.items() if k != "reasons"
        )
        rows.append((scores, version) if complete else None)
    return rows


def _rescore_instrument(code: str, responses: list[SurveyResponse]) -> list[SurveyResponse]:
    changed = []
    for response, fast in zip(
        responses, _bulk_scores(code, [r.answers for r in responses]), strict=True
    ):
        scores, version = fast or compute_scores(code, response.answers)
        if scores != response.scores or version != response.rule_version:
            response.scores, response.rule_version = scores, version
            changed.append(response)
    return changed


def rescore_all(*, by: User | None, batch: int = 2000) -> dict[str, int]:
    """Recompute the scores of every submitted response; returns counts per instrument."""
    counts: dict[str, int] = {}
    submitted = SurveyResponse.objects.filter(status=SurveyResponse.Status.SUBMITTED)
    for code in submitted.values_list("instrument", flat=True).distinct().order_by("instrument"):
        responses = list(
            submitted.filter(instrument=code).only(
                "pk", "answers", "scores", "rule_version", "instrument"
            )
        )
        changed = _rescore_instrument(code, responses) if responses else []
        with transaction.atomic():
            SurveyResponse.objects.bulk_update(
                changed, ["scores", "rule_version"], batch_size=batch
            )
            if changed:
                event_record(
                    actor=by,
                    action=AuditAction.UPDATE,
                    target="outcomes.surveyresponse",
                    changes={"rescored": [None, len(changed)], "instrument": [None, code]},
                    reason="Bulk rescoring",
                    actor_label=None if by else "rescore command",
                )
        counts[code] = len(changed)
    return counts
