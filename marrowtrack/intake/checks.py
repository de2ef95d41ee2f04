"""The check behind each eligibility rule code: its parameters, message fields and logic.

``rules.py`` holds the data a clinic configures (severity, thresholds, wording, which
treatments a rule applies to); this module holds the fixed logic each rule code runs. A
check returns one dict of message fields per hit (for example one per NSAID), which
``rules.evaluate`` formats into a ``Finding``. Sources: domain.md §0 (defaults), §4 (hard
stops, flags, washout windows, lidocaine).

Date conventions (tests pin every boundary):
- Condition status ("active", "resolved") is as known on the screening date ``on``.
- Time windows run to the **reference date**: the planned procedure date when booked, else
  the screening date, because a washout or a lab result must hold on the procedure day.
- A washout is over when the days elapsed since the last exposure are >= the window: a
  steroid injection exactly 12 weeks before the procedure date is outside the washout.
- A platelet count or weight is recent when measured at most ``max_age_days`` before the
  reference date: one exactly 90 days old is still recent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from marrowtrack.intake.facts import (
    AllergyCategory,
    Condition,
    ConditionKind,
    DrugClass,
    InfectionSite,
    InjectedDrug,
    PatientFacts,
    PlanFacts,
    lateralities_overlap,
)
from marrowtrack.intake.instructions import BLOOD_THINNERS, nsaid_window

Fields = dict[str, str]
Hits = tuple[Fields, ...]
Params = Mapping[str, int]

# Available to every message template, filled in by rules.evaluate.
COMMON_FIELDS = frozenset({"screened_on", "reference_date", "treatment", "target", "laterality"})


@dataclass(frozen=True)
class Context:
    patient: PatientFacts
    plan: PlanFacts
    on: date

    @property
    def reference(self) -> date:
        return self.plan.planned_date or self.on

    def common_fields(self) -> Fields:
        return {
            "screened_on": self.on.isoformat(),
            "reference_date": self.reference.isoformat(),
            "treatment": self.plan.treatment.value,
            "target": self.plan.target.value.replace("_", " "),
            "laterality": self.plan.laterality.value,
        }


@dataclass(frozen=True)
class ParamSpec:
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Check:
    params: Mapping[str, ParamSpec]
    fields: frozenset[str]
    run: Callable[[Params, Context], Hits]


def add_years(day: date, years: int) -> date:
    """Same calendar day ``years`` later; 29 February becomes 1 March (the later date,
    which keeps a look-back conservative)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "date not recorded"


def _active(ctx: Context, kind: ConditionKind) -> Iterable[Condition]:
    return (c for c in ctx.patient.conditions if c.kind == kind and c.active_on(ctx.on))


def _condition_fields(condition: Condition) -> Fields:
    return {"diagnosed_on": _iso(condition.diagnosed_on), "detail": condition.detail or "-"}


def _condition_check(
    kind: ConditionKind, keep: Callable[[Condition], bool] = lambda c: True
) -> Check:
    """A check that hits once per active condition of ``kind`` that ``keep`` accepts."""

    def run(params: Params, ctx: Context) -> Hits:
        return tuple(_condition_fields(c) for c in _active(ctx, kind) if keep(c))

    return Check(params={}, fields=frozenset({"diagnosed_on", "detail"}), run=run)


def _at_site(site: InfectionSite) -> Callable[[Condition], bool]:
    # An infection with no recorded site could be at either site: treat it as both.
    return lambda c: c.site is None or c.site == site


def _malignancy_solid(params: Params, ctx: Context) -> Hits:
    years = params["lookback_years"]
    hits = []
    for condition in ctx.patient.conditions:
        if condition.kind != ConditionKind.MALIGNANCY_SOLID:
            continue
        if condition.resolved_on is None or condition.resolved_on > ctx.on:
            status = "not resolved"
        elif (clear_on := add_years(condition.resolved_on, years)) > ctx.reference:
            status = f"resolved {condition.resolved_on}, look-back ends {clear_on}"
        else:
            continue
        hits.append(
            {**_condition_fields(condition), "status": status, "lookback_years": str(years)}
        )
    return tuple(hits)


def _malignancy_haematological(params: Params, ctx: Context) -> Hits:
    # Any history, however old (domain.md §4 "any blood cancer"): a marrow product.
    return tuple(
        {
            **_condition_fields(c),
            "status": f"resolved {c.resolved_on}" if c.resolved_on else "not resolved",
        }
        for c in ctx.patient.conditions
        if c.kind == ConditionKind.MALIGNANCY_HAEMATOLOGICAL
    )


def _platelets_below_floor(params: Params, ctx: Context) -> Hits:
    # The latest count counts however old it is: a low count stays a hard stop until a newer
    # count replaces it; its age is the platelets_missing rule's business.
    count = ctx.patient.platelets
    if count is None or count.per_nl >= params["floor_per_nl"]:
        return ()
    return (
        {
            "count": str(count.per_nl),
            "measured_on": count.measured_on.isoformat(),
            "floor": str(params["floor_per_nl"]),
        },
    )


def _platelets_missing(params: Params, ctx: Context) -> Hits:
    count, max_age = ctx.patient.platelets, params["max_age_days"]
    if count is not None and (ctx.reference - count.measured_on).days <= max_age:
        return ()
    latest = "none on record" if count is None else f"{count.per_nl} on {count.measured_on}"
    return ({"latest": latest, "max_age_days": str(max_age)},)


def _blood_thinners(params: Params, ctx: Context) -> Hits:
    since = ctx.reference - timedelta(days=params["lookback_days"] - 1)
    return tuple(
        {
            "name": m.name,
            "drug_class": m.drug_class.value,
            "last_dose": "ongoing" if m.stopped_on is None else f"last dose {m.stopped_on}",
        }
        for m in ctx.patient.medications
        if m.drug_class in BLOOD_THINNERS and m.taken_on_or_after(since)
    )


def _steroid_injection_same_target(params: Params, ctx: Context) -> Hits:
    washout = timedelta(weeks=params["washout_weeks"])
    plan = ctx.plan
    return tuple(
        {
            "given_on": injection.given_on.isoformat(),
            "injected_side": injection.laterality.value,
            "washout_weeks": str(params["washout_weeks"]),
            "clear_on": (injection.given_on + washout).isoformat(),
        }
        for injection in plan.prior_injections
        if injection.drug == InjectedDrug.CORTICOSTEROID
        and injection.target == plan.target
        and lateralities_overlap(injection.laterality, plan.laterality)
        and ctx.reference - injection.given_on < washout
    )


def _systemic_corticosteroid(params: Params, ctx: Context) -> Hits:
    weeks = params["washout_weeks"]
    washout = timedelta(weeks=weeks)
    hits = []
    for m in ctx.patient.medications:
        if m.drug_class != DrugClass.SYSTEMIC_CORTICOSTEROID:
            continue
        if m.stopped_on is None:
            last_dose, clear_on = "ongoing", f"{weeks} weeks after the last dose"
        elif ctx.reference - m.stopped_on < washout:
            last_dose, clear_on = f"last dose {m.stopped_on}", (m.stopped_on + washout).isoformat()
        else:
            continue
        hits.append(
            {
                "name": m.name,
                "last_dose": last_dose,
                "washout_weeks": str(weeks),
                "clear_on": clear_on,
            }
        )
    return tuple(hits)


def _nsaid_hold(params: Params, ctx: Context) -> Hits:
    before, after = params["hold_days_before"], params["avoid_days_after"]
    if ctx.plan.planned_date is None:
        stop_on = f"{before} days before the procedure (date to follow when booked)"
        restart_on = f"{after} full days after the procedure"
        hold_from = ctx.on
    else:
        window = nsaid_window(
            ctx.plan.planned_date, hold_days_before=before, avoid_days_after=after
        )
        stop_on, restart_on = window.stop_on.isoformat(), window.restart_on.isoformat()
        hold_from = window.stop_on
    return tuple(
        {"name": m.name, "stop_on": stop_on, "restart_on": restart_on}
        for m in ctx.patient.medications
        if m.drug_class == DrugClass.NSAID and m.taken_on_or_after(hold_from)
    )


def _allergy_check(category: AllergyCategory) -> Check:
    def run(params: Params, ctx: Context) -> Hits:
        return tuple(
            {"substance": a.substance} for a in ctx.patient.allergies if a.category == category
        )

    return Check(params={}, fields=frozenset({"substance"}), run=run)


def _weight_missing(params: Params, ctx: Context) -> Hits:
    return ({},) if ctx.patient.weight is None else ()


def _weight_stale(params: Params, ctx: Context) -> Hits:
    weight, max_age = ctx.patient.weight, params["max_age_days"]
    if weight is None or (ctx.reference - weight.measured_on).days <= max_age:
        return ()
    return (
        {
            "kg": str(weight.kg),
            "measured_on": weight.measured_on.isoformat(),
            "max_age_days": str(max_age),
        },
    )


_DAYS = ParamSpec(0, 3650)
_WEEKS = ParamSpec(0, 520)
_CONDITION_FIELDS = frozenset({"diagnosed_on", "detail", "status"})
_MEDICATION_FIELDS = frozenset({"name", "last_dose"})

CHECKS: Mapping[str, Check] = {
    "infection_systemic": _condition_check(ConditionKind.INFECTION_SYSTEMIC),
    "infection_target_site": _condition_check(
        ConditionKind.INFECTION_LOCAL, _at_site(InfectionSite.TARGET)
    ),
    "infection_harvest_site": _condition_check(
        ConditionKind.INFECTION_LOCAL, _at_site(InfectionSite.HARVEST)
    ),
    "malignancy_solid": Check(
        {"lookback_years": ParamSpec(0, 100)},
        _CONDITION_FIELDS | {"lookback_years"},
        _malignancy_solid,
    ),
    "malignancy_haematological": Check({}, _CONDITION_FIELDS, _malignancy_haematological),
    "pregnancy": _condition_check(ConditionKind.PREGNANCY),
    "bleeding_disorder_uncleared": _condition_check(
        ConditionKind.BLEEDING_DISORDER, lambda c: not c.cleared_by_haematology
    ),
    "platelets_below_floor": Check(
        {"floor_per_nl": ParamSpec(0, 1000)},
        frozenset({"count", "measured_on", "floor"}),
        _platelets_below_floor,
    ),
    "platelets_missing": Check(
        {"max_age_days": _DAYS}, frozenset({"latest", "max_age_days"}), _platelets_missing
    ),
    "anticoagulant_antiplatelet": Check(
        {"lookback_days": ParamSpec(1, 3650)}, _MEDICATION_FIELDS | {"drug_class"}, _blood_thinners
    ),
    "steroid_injection_same_target": Check(
        {"washout_weeks": _WEEKS},
        frozenset({"given_on", "injected_side", "washout_weeks", "clear_on"}),
        _steroid_injection_same_target,
    ),
    "systemic_corticosteroid": Check(
        {"washout_weeks": _WEEKS},
        _MEDICATION_FIELDS | {"washout_weeks", "clear_on"},
        _systemic_corticosteroid,
    ),
    "nsaid_hold": Check(
        {"hold_days_before": _DAYS, "avoid_days_after": _DAYS},
        frozenset({"name", "stop_on", "restart_on"}),
        _nsaid_hold,
    ),
    "allergy_local_anaesthetic": _allergy_check(AllergyCategory.LOCAL_ANAESTHETIC),
    "allergy_antiseptic": _allergy_check(AllergyCategory.ANTISEPTIC),
    "allergy_latex": _allergy_check(AllergyCategory.LATEX),
    "immunosuppression": _condition_check(ConditionKind.IMMUNOSUPPRESSION),
    "diabetes_uncontrolled": _condition_check(ConditionKind.DIABETES_UNCONTROLLED),
    "rheumatic_disease": _condition_check(ConditionKind.RHEUMATIC_DISEASE),
    "weight_missing": Check({}, frozenset(), _weight_missing),
    "weight_stale": Check(
        {"max_age_days": _DAYS}, frozenset({"kg", "measured_on", "max_age_days"}), _weight_stale
    ),
}
