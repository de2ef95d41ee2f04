"""The check behind each eligibility rule code: its parameters, message fields and logic.

``rules.py`` holds the data a clinic configures (severity, thresholds, wording, which
treatments a rule applies to); this module holds the fixed logic each rule code runs. A
check returns one dict of message fields per hit (for example one per NSAID), which
``rules.evaluate`` formats into a ``Finding``. Sources: docs/reference.md §0 (defaults), §4 (hard
stops, flags, washout windows, lidocaine); the bleeding-risk classes and hold table are in
``anatomy.py`` and ``holds.py``; docs/decisions/0005-clinical-choices.md lists every
threshold with its source.

Date conventions (tests pin every boundary):
- Condition status ("active", "resolved") is as known on the screening date ``on``.
- Time windows run to the **reference date**: the planned procedure date when booked, else
  the screening date, because a washout or a lab result must hold on the procedure day.
- A washout is over when the days elapsed since the last exposure are >= the window: a
  steroid injection exactly 12 weeks before the procedure date is outside the washout.
- A platelet count or weight is recent when measured at most ``max_age_days`` before the
  reference date: one exactly 90 days old is still recent.
- An INR counts when taken at most ``window_days`` before the reference date (and not after
  the screening date): 5 days before is inside the window, 6 days is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from marrowtrack.intake import holds
from marrowtrack.intake.anatomy import (
    SPINAL_TARGETS,
    BleedingRisk,
    at_target,
    same_compartment,
    target_risk,
)
from marrowtrack.intake.facts import (
    Agent,
    AllergyCategory,
    BodySite,
    Condition,
    ConditionKind,
    DrugClass,
    InjectedDrug,
    Medication,
    PatientFacts,
    PlanFacts,
    PriorInjection,
    Target,
    Treatment,
    lateralities_overlap,
)
from marrowtrack.intake.instructions import nsaid_window
from marrowtrack.patients.weights import bmi

Fields = dict[str, str]
Hits = tuple[Fields, ...]
Param = int | Decimal
Params = Mapping[str, Param]

# Available to every message template, filled in by rules.evaluate.
COMMON_FIELDS = frozenset(
    {"screened_on", "reference_date", "treatment", "target", "laterality", "bleeding_risk"}
)
HARVEST_TREATMENTS = frozenset({Treatment.BMAC, Treatment.BMAC_PRP})
OA_CONDITIONS = frozenset({"knee_oa", "other"})  # conditions graded with Kellgren-Lawrence
KL_TARGETS = frozenset({Target.KNEE, Target.HIP})


@dataclass(frozen=True)
class Context:
    patient: PatientFacts
    plan: PlanFacts
    on: date

    @property
    def reference(self) -> date:
        return self.plan.planned_date or self.on

    @property
    def risk(self) -> BleedingRisk:
        return target_risk(self.plan.target)

    @property
    def has_harvest(self) -> bool:
        return self.plan.treatment in HARVEST_TREATMENTS

    def common_fields(self) -> Fields:
        return {
            "screened_on": self.on.isoformat(),
            "reference_date": self.reference.isoformat(),
            "treatment": self.plan.treatment.value,
            "target": self.plan.target.value.replace("_", " "),
            "laterality": self.plan.laterality.value,
            "bleeding_risk": self.risk.value,
        }


@dataclass(frozen=True)
class ParamSpec:
    """A parameter's range. ``places`` > 0 makes it a decimal (written as a string in JSON,
    e.g. "1.5"); ``default`` lets rule sets written before the parameter existed load."""

    minimum: Param
    maximum: Param
    places: int = 0
    default: Param | None = None


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


def age_on(born: date, on: date) -> int:
    """Completed years: an 18th birthday on ``on`` makes the person 18 that day."""
    return on.year - born.year - int((on.month, on.day) < (born.month, born.day))


def _s(count: int | None) -> str:
    return "" if count == 1 else "s"


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "date not recorded"


def _active(ctx: Context, kind: ConditionKind) -> Iterable[Condition]:
    return (c for c in ctx.patient.conditions if c.kind == kind and c.active_on(ctx.on))


def _where(condition: Condition) -> str:
    if condition.site is None:
        return "site not recorded"
    side = f"{condition.side.value} " if condition.side else ""
    return f"{side}{condition.site.value.replace('_', ' ')}"


def _condition_fields(condition: Condition) -> Fields:
    return {
        "diagnosed_on": _iso(condition.diagnosed_on),
        "detail": condition.detail or "-",
        "site": _where(condition),
    }


def _condition_check(
    kind: ConditionKind, keep: Callable[[Condition, Context], bool] = lambda c, ctx: True
) -> Check:
    """A check that hits once per active condition of ``kind`` that ``keep`` accepts."""

    def run(params: Params, ctx: Context) -> Hits:
        return tuple(_condition_fields(c) for c in _active(ctx, kind) if keep(c, ctx))

    return Check(params={}, fields=frozenset({"diagnosed_on", "detail", "site"}), run=run)


# --- where: harvest site and target ------------------------------------------------------


def _at_harvest_site(condition: Condition, ctx: Context) -> bool:
    """At the iliac crest on the side the plan harvests from (unchosen: either side), or at
    an unrecorded site."""
    if condition.site is None:
        return True
    if condition.site != BodySite.ILIAC_CREST:
        return False
    return lateralities_overlap(condition.side, ctx.plan.harvest_side)


def _at_target(condition: Condition, ctx: Context) -> bool:
    if not at_target(condition.site, ctx.plan.target):
        return False
    return condition.site is None or lateralities_overlap(condition.side, ctx.plan.laterality)


def _elsewhere(condition: Condition, ctx: Context) -> bool:
    return not (
        _at_target(condition, ctx) or (ctx.has_harvest and _at_harvest_site(condition, ctx))
    )


def _harvest_site_problems(params: Params, ctx: Context) -> Hits:
    """Prior pelvic radiotherapy (any side), and an iliac-crest graft, hardware or skin
    disease on the harvest side: marrow may be poor or the site unsafe to puncture."""
    hits = []
    for c in ctx.patient.conditions:
        if c.kind == ConditionKind.PELVIC_IRRADIATION:
            hit = lateralities_overlap(c.side, ctx.plan.harvest_side)
            what = "radiotherapy to the pelvis"
        elif c.kind == ConditionKind.BONE_GRAFT_HARVEST:
            hit, what = _at_harvest_site(c, ctx), "bone graft taken from the iliac crest"
        elif c.kind == ConditionKind.IMPLANT:
            hit = c.active_on(ctx.on) and c.site == BodySite.ILIAC_CREST
            hit, what = hit and _at_harvest_site(c, ctx), "hardware in the pelvis"
        elif c.kind == ConditionKind.SKIN_DISEASE:
            hit = c.active_on(ctx.on) and _at_harvest_site(c, ctx)
            what = "skin disease at the harvest site"
        else:
            continue
        if hit:
            hits.append({**_condition_fields(c), "problem": what, "harvest_side": _side(ctx)})
    return tuple(hits)


def _side(ctx: Context) -> str:
    side = ctx.plan.harvest_side
    return f"{side.value} posterior iliac crest" if side else "harvest side not chosen"


def _prosthesis_at_target(params: Params, ctx: Context) -> Hits:
    return tuple(
        _condition_fields(c)
        for c in _active(ctx, ConditionKind.IMPLANT)
        if c.site is not None and _at_target(c, ctx)
    )


# --- cancer ------------------------------------------------------------------------------


def _malignancy_solid(params: Params, ctx: Context) -> Hits:
    # Non-melanoma skin cancer and carcinoma in situ are their own kinds and do not count
    # (issue 8 item 9): neither spreads through marrow the way the look-back guards against.
    years = int(params["lookback_years"])
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
    # Any history, however old (docs/reference.md §4 "any blood cancer"): a marrow product.
    return tuple(
        {
            **_condition_fields(c),
            "status": f"resolved {c.resolved_on}" if c.resolved_on else "not resolved",
        }
        for c in ctx.patient.conditions
        if c.kind == ConditionKind.MALIGNANCY_HAEMATOLOGICAL
    )


# --- blood: platelets, INR, blood thinners --------------------------------------------------


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


def _platelets_below_needle_floor(params: Params, ctx: Context) -> Hits:
    """SIR 2019: 20 ×10^9/L for low-risk needles, 50 for spinal and disc targets."""
    floor = params[f"floor_{ctx.risk.value}"]
    return _platelets_below_floor({"floor_per_nl": floor}, ctx)


def _platelets_missing(params: Params, ctx: Context) -> Hits:
    count, max_age = ctx.patient.platelets, int(params["max_age_days"])
    if count is not None and (ctx.reference - count.measured_on).days <= max_age:
        return ()
    latest = "none on record" if count is None else f"{count.per_nl} on {count.measured_on}"
    return ({"latest": latest, "max_age_days": str(max_age)},)


def _on_warfarin(params: Params, ctx: Context) -> Medication | None:
    since = ctx.reference - timedelta(days=int(params["lookback_days"]))
    return next(
        (
            m
            for m in ctx.patient.medications
            if m.agent == Agent.WARFARIN and m.taken_on_or_after(since)
        ),
        None,
    )


def _inr_fields(params: Params, ctx: Context, warfarin: Medication) -> Fields:
    window = int(params["window_days"])
    return {
        "name": warfarin.name,
        "window_days": str(window),
        "window_from": (ctx.reference - timedelta(days=window)).isoformat(),
        "max_inr": str(params[f"max_{ctx.risk.value}"]),
    }


def _inr_on_warfarin(params: Params, ctx: Context) -> Hits:
    """Once the window before the booked procedure has opened: no INR in it, or one above the
    limit for the target's class (SIR 2019: 3.0 low risk; 1.8 spinal, 1.5 disc per
    docs/reference.md §0)."""
    warfarin = _on_warfarin(params, ctx)
    window_from = ctx.reference - timedelta(days=int(params["window_days"]))
    # Before booking, or before the window opens, the INR cannot be due yet: the
    # inr_pending_on_warfarin flag says when to take it.
    if warfarin is None or ctx.plan.planned_date is None or ctx.on < window_from:
        return ()
    fields = _inr_fields(params, ctx, warfarin)
    inr = ctx.patient.inr
    if inr is None or not window_from <= inr.measured_on <= ctx.reference:
        latest = "none on record" if inr is None else f"{inr.value} on {inr.measured_on}"
        return ({**fields, "inr": f"no INR in the window (latest: {latest})"},)
    if inr.value > Decimal(fields["max_inr"]):
        return ({**fields, "inr": f"INR {inr.value} on {inr.measured_on}"},)
    return ()


def _inr_pending(params: Params, ctx: Context) -> Hits:
    """Before the window opens (or before booking): say when the INR must be drawn."""
    warfarin = _on_warfarin(params, ctx)
    window_from = ctx.reference - timedelta(days=int(params["window_days"]))
    if warfarin is None or (ctx.plan.planned_date is not None and ctx.on >= window_from):
        return ()
    return (_inr_fields(params, ctx, warfarin),)


def hold_basis(days: int, ctx: Context) -> str:
    harvest = " with a marrow harvest" if ctx.has_harvest else ""
    return f"{days} drug-free days before a procedure at {ctx.risk.value} bleeding risk{harvest}"


def blood_thinner_holds(params: Params, ctx: Context) -> tuple[holds.RequiredHold, ...]:
    """Every blood thinner hold the table asks of this plan (empty before booking)."""
    if ctx.plan.planned_date is None:
        return ()
    found = []
    for medication in ctx.patient.medications:
        agent = holds.agent_of(medication)
        if agent is None:
            continue
        days = holds.hold_days(params, agent, risk=ctx.risk, harvest=ctx.has_harvest)
        need = holds.required_hold(
            medication,
            days=days,
            procedure_on=ctx.plan.planned_date,
            holds=ctx.plan.holds,
            basis=hold_basis(days, ctx),
        )
        if need is not None:
            found.append(need)
    return tuple(found)


def _blood_thinner_hold(params: Params, ctx: Context) -> Hits:
    """A recorded last dose (stop date or hold plan) that leaves fewer drug-free days than
    the table, or still taking it once the last permitted day has passed."""
    hits = []
    for need in blood_thinner_holds(params, ctx):
        status = need.status
        if status == holds.HoldStatus.SHORT:
            free = need.drug_free_days
            taken = f"last dose {need.last_dose_on} leaves {free} drug-free day{_s(free)}"
        elif status == holds.HoldStatus.UNPLANNED and ctx.on > need.last_dose_by:
            taken = f"still taken on {ctx.on} with no hold recorded"
        else:
            continue
        hits.append(
            {
                "name": need.medication.name,
                "taken": taken,
                "basis": need.basis,
                "last_dose_by": need.last_dose_by.isoformat(),
            }
        )
    return tuple(hits)


def _blood_thinners(params: Params, ctx: Context) -> Hits:
    """A blood thinner taken lately with no structured hold recorded on the plan."""
    since = ctx.reference - timedelta(days=int(params["lookback_days"]) - 1)
    planned = {hold.medication_ref for hold in ctx.plan.holds}
    return tuple(
        {
            "name": m.name,
            "drug_class": m.drug_class.value,
            "last_dose": "ongoing" if m.stopped_on is None else f"last dose {m.stopped_on}",
        }
        for m in ctx.patient.medications
        if m.drug_class in holds.BLOOD_THINNERS
        and m.taken_on_or_after(since)
        and not (m.ref and m.ref in planned)
    )


# --- steroids -------------------------------------------------------------------------------


def _steroid_injections(ctx: Context) -> Iterable[PriorInjection]:
    """Corticosteroid injections into this target or a neighbouring compartment, on a side
    that overlaps the plan's, from every source (recorded or given here)."""
    plan = ctx.plan
    return (
        i
        for i in plan.prior_injections
        if i.drug == InjectedDrug.CORTICOSTEROID
        and same_compartment(i.target, plan.target)
        and lateralities_overlap(i.laterality, plan.laterality)
        and i.given_on <= ctx.reference
    )


def _injection_label(injection: PriorInjection) -> str:
    where = injection.target.value.replace("_", " ")
    here = " (given here)" if injection.given_here else ""
    return f"{injection.laterality.value} {where}{here}"


def _steroid_injection_same_target(params: Params, ctx: Context) -> Hits:
    washout = timedelta(weeks=int(params["washout_weeks"]))
    return tuple(
        {
            "given_on": injection.given_on.isoformat(),
            "injected_side": injection.laterality.value,
            "injected_at": _injection_label(injection),
            "washout_weeks": str(params["washout_weeks"]),
            "clear_on": (injection.given_on + washout).isoformat(),
        }
        for injection in _steroid_injections(ctx)
        if ctx.reference - injection.given_on < washout
    )


def _steroid_injection_cap(params: Params, ctx: Context) -> Hits:
    """This injection would be one more than the cap in the window (rolling year); an
    injection exactly ``window_days`` before no longer counts."""
    window = timedelta(days=int(params["window_days"]))
    counted = {
        (i.given_on, i.target, i.laterality)
        for i in _steroid_injections(ctx)
        if ctx.reference - i.given_on < window
    }
    cap = int(params["cap"])
    if len(counted) + 1 <= cap:
        return ()
    dates = ", ".join(sorted(day.isoformat() for day, _, _ in counted))
    return (
        {
            "count": str(len(counted)),
            "dates": dates,
            "cap": str(cap),
            "window_days": str(params["window_days"]),
        },
    )


def _is_ra_maintenance(params: Params, ctx: Context, m: Medication) -> bool:
    """A stable low-dose maintenance steroid in rheumatic disease: at most the low-dose
    limit (EULAR: <= 7.5 mg prednisolone-equivalent a day), started at least
    ``maintenance_min_days`` before, for RA or another rheumatic disease."""
    rheumatic = ctx.plan.condition == "ra" or any(_active(ctx, ConditionKind.RHEUMATIC_DISEASE))
    dose, started = m.steroid_mg_per_day, m.started_on
    stable_since = ctx.reference - timedelta(days=int(params["maintenance_min_days"]))
    return (
        rheumatic
        and dose is not None
        and dose <= params["maintenance_max_mg"]
        and started is not None
        and started <= stable_since
    )


def _systemic_steroids(params: Params, ctx: Context) -> Iterable[Medication]:
    return (m for m in ctx.patient.medications if m.drug_class == DrugClass.SYSTEMIC_CORTICOSTEROID)


def _systemic_corticosteroid(params: Params, ctx: Context) -> Hits:
    weeks = int(params["washout_weeks"])
    washout = timedelta(weeks=weeks)
    hits = []
    for m in _systemic_steroids(params, ctx):
        if _is_ra_maintenance(params, ctx, m):
            continue  # a flag with the prescriber's plan, not a stop (ra_maintenance_steroid)
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


def _ra_maintenance_steroid(params: Params, ctx: Context) -> Hits:
    return tuple(
        {
            "name": m.name,
            "mg_per_day": str(m.steroid_mg_per_day),
            "since": _iso(m.started_on),
        }
        for m in _systemic_steroids(params, ctx)
        if m.stopped_on is None and _is_ra_maintenance(params, ctx, m)
    )


# --- medicines and allergies ------------------------------------------------------------------


def _nsaid_hold(params: Params, ctx: Context) -> Hits:
    before, after = int(params["hold_days_before"]), int(params["avoid_days_after"])
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


def _immunosuppressant(params: Params, ctx: Context) -> Hits:
    since = ctx.reference - timedelta(days=int(params["lookback_days"]))
    return tuple(
        {"name": m.name, "last_dose": "ongoing" if m.stopped_on is None else str(m.stopped_on)}
        for m in ctx.patient.medications
        if m.drug_class == DrugClass.IMMUNOSUPPRESSANT and m.taken_on_or_after(since)
    )


def _allergy_check(
    category: AllergyCategory, when: Callable[[Context], bool] = lambda ctx: True
) -> Check:
    def run(params: Params, ctx: Context) -> Hits:
        if not when(ctx):
            return ()
        return tuple(
            {"substance": a.substance} for a in ctx.patient.allergies if a.category == category
        )

    return Check(params={}, fields=frozenset({"substance"}), run=run)


def _fluoroscopic_spinal(ctx: Context) -> bool:
    # Contrast confirms the needle position in fluoroscopic spinal injections; guidance not
    # yet chosen counts as fluoroscopy (the usual choice for these targets).
    return ctx.plan.target in SPINAL_TARGETS and ctx.plan.guidance in ("fluoro", "")


def _heparin_allergy(params: Params, ctx: Context) -> Hits:
    if ctx.plan.harvest_anticoagulant not in ("heparin", ""):
        return ()
    anticoagulant = ctx.plan.harvest_anticoagulant or "not chosen"
    return tuple(
        {"substance": a.substance, "anticoagulant": anticoagulant}
        for a in ctx.patient.allergies
        if a.category == AllergyCategory.HEPARIN
    )


# --- body measures, age, day-of --------------------------------------------------------------


def _weight_missing(params: Params, ctx: Context) -> Hits:
    return ({},) if ctx.patient.weight is None else ()


def _weight_stale(params: Params, ctx: Context) -> Hits:
    weight, max_age = ctx.patient.weight, int(params["max_age_days"])
    if weight is None or (ctx.reference - weight.measured_on).days <= max_age:
        return ()
    return (
        {
            "kg": str(weight.kg),
            "measured_on": weight.measured_on.isoformat(),
            "max_age_days": str(max_age),
        },
    )


def _bmi(ctx: Context) -> Decimal | None:
    weight, height = ctx.patient.weight, ctx.patient.height_cm
    return None if weight is None or height is None else bmi(weight.kg, height)


def _bmi_high(params: Params, ctx: Context) -> Hits:
    value = _bmi(ctx)
    if value is None or value < params["threshold"]:
        return ()
    weight = ctx.patient.weight
    assert weight is not None
    return (
        {
            "bmi": str(value),
            "threshold": str(params["threshold"]),
            "kg": str(weight.kg),
            "measured_on": weight.measured_on.isoformat(),
            "height_cm": str(ctx.patient.height_cm),
        },
    )


def _height_missing(params: Params, ctx: Context) -> Hits:
    return ({},) if ctx.patient.height_cm is None else ()


def _age_below_minimum(params: Params, ctx: Context) -> Hits:
    age = age_on(ctx.patient.date_of_birth, ctx.reference)
    if age >= params["min_years"]:
        return ()
    return (
        {
            "age": str(age),
            "min_years": str(params["min_years"]),
            "date_of_birth": ctx.patient.date_of_birth.isoformat(),
        },
    )


def _fever(params: Params, ctx: Context) -> Hits:
    temperature = ctx.patient.temperature_c
    if temperature is None or temperature < params["threshold_c"]:
        return ()
    return ({"temperature_c": str(temperature), "threshold_c": str(params["threshold_c"])},)


def _kl_applies(ctx: Context) -> bool:
    return ctx.plan.target in KL_TARGETS and ctx.plan.condition in OA_CONDITIONS


def _kl_grade_4(params: Params, ctx: Context) -> Hits:
    grade = ctx.plan.kellgren_lawrence_grade
    return ({"grade": "4"},) if _kl_applies(ctx) and grade == 4 else ()


def _kl_grade_missing(params: Params, ctx: Context) -> Hits:
    missing = ctx.plan.kellgren_lawrence_grade is None
    return ({},) if _kl_applies(ctx) and missing else ()


_DAYS = ParamSpec(0, 3650)
_WEEKS = ParamSpec(0, 520)
_CONDITION_FIELDS = frozenset({"diagnosed_on", "detail", "site", "status"})
_MEDICATION_FIELDS = frozenset({"name", "last_dose"})
_PLATELETS = ParamSpec(0, 1000)
_INR = ParamSpec(Decimal("1.0"), Decimal("10.0"), places=1)
# The defaults (0 mg) switch the maintenance exception off, so a rule set written before it
# existed (2026.1) still stops every systemic steroid, as it did.
_MAINTENANCE = {
    "maintenance_max_mg": ParamSpec(Decimal("0"), Decimal("100"), places=1, default=Decimal("0")),
    "maintenance_min_days": ParamSpec(0, 3650, default=90),
}
_HOLD_PARAMS = {name: ParamSpec(0, 60) for name in holds.default_hold_params()}

CHECKS: Mapping[str, Check] = {
    "infection_systemic": _condition_check(ConditionKind.INFECTION_SYSTEMIC),
    "infection_target_site": _condition_check(ConditionKind.INFECTION_LOCAL, _at_target),
    "infection_harvest_site": _condition_check(ConditionKind.INFECTION_LOCAL, _at_harvest_site),
    "infection_elsewhere": _condition_check(ConditionKind.INFECTION_LOCAL, _elsewhere),
    "malignancy_solid": Check(
        {"lookback_years": ParamSpec(0, 100)},
        _CONDITION_FIELDS | {"lookback_years"},
        _malignancy_solid,
    ),
    "malignancy_haematological": Check({}, _CONDITION_FIELDS, _malignancy_haematological),
    "pregnancy": _condition_check(ConditionKind.PREGNANCY),
    "bleeding_disorder_uncleared": _condition_check(
        ConditionKind.BLEEDING_DISORDER, lambda c, ctx: not c.cleared_by_haematology
    ),
    "platelets_below_floor": Check(
        {"floor_per_nl": _PLATELETS},
        frozenset({"count", "measured_on", "floor"}),
        _platelets_below_floor,
    ),
    "platelets_below_needle_floor": Check(
        {f"floor_{risk.value}": _PLATELETS for risk in BleedingRisk},
        frozenset({"count", "measured_on", "floor"}),
        _platelets_below_needle_floor,
    ),
    "platelets_missing": Check(
        {"max_age_days": _DAYS}, frozenset({"latest", "max_age_days"}), _platelets_missing
    ),
    "inr_on_warfarin": Check(
        {
            "window_days": ParamSpec(0, 30),
            "lookback_days": ParamSpec(1, 60),
            **{f"max_{risk.value}": _INR for risk in BleedingRisk},
        },
        frozenset({"name", "window_days", "window_from", "max_inr", "inr"}),
        _inr_on_warfarin,
    ),
    "inr_pending_on_warfarin": Check(
        {
            "window_days": ParamSpec(0, 30),
            "lookback_days": ParamSpec(1, 60),
            **{f"max_{risk.value}": _INR for risk in BleedingRisk},
        },
        frozenset({"name", "window_days", "window_from", "max_inr"}),
        _inr_pending,
    ),
    "blood_thinner_hold": Check(
        _HOLD_PARAMS,
        frozenset({"name", "taken", "basis", "last_dose_by"}),
        _blood_thinner_hold,
    ),
    "anticoagulant_antiplatelet": Check(
        {"lookback_days": ParamSpec(1, 3650)}, _MEDICATION_FIELDS | {"drug_class"}, _blood_thinners
    ),
    "steroid_injection_same_target": Check(
        {"washout_weeks": _WEEKS},
        frozenset({"given_on", "injected_side", "injected_at", "washout_weeks", "clear_on"}),
        _steroid_injection_same_target,
    ),
    "steroid_injections_yearly_cap": Check(
        {"cap": ParamSpec(1, 52), "window_days": ParamSpec(1, 3650)},
        frozenset({"count", "dates", "cap", "window_days"}),
        _steroid_injection_cap,
    ),
    "systemic_corticosteroid": Check(
        {"washout_weeks": _WEEKS, **_MAINTENANCE},
        _MEDICATION_FIELDS | {"washout_weeks", "clear_on"},
        _systemic_corticosteroid,
    ),
    "ra_maintenance_steroid": Check(
        dict(_MAINTENANCE),
        frozenset({"name", "mg_per_day", "since"}),
        _ra_maintenance_steroid,
    ),
    "nsaid_hold": Check(
        {"hold_days_before": _DAYS, "avoid_days_after": _DAYS},
        frozenset({"name", "stop_on", "restart_on"}),
        _nsaid_hold,
    ),
    "immunosuppressant_medication": Check(
        {"lookback_days": ParamSpec(0, 3650)}, _MEDICATION_FIELDS, _immunosuppressant
    ),
    "allergy_local_anaesthetic": _allergy_check(AllergyCategory.LOCAL_ANAESTHETIC),
    "allergy_antiseptic": _allergy_check(AllergyCategory.ANTISEPTIC),
    "allergy_latex": _allergy_check(AllergyCategory.LATEX),
    "allergy_contrast_spinal": _allergy_check(AllergyCategory.CONTRAST, _fluoroscopic_spinal),
    "allergy_heparin_harvest": Check(
        {}, frozenset({"substance", "anticoagulant"}), _heparin_allergy
    ),
    "immunosuppression": _condition_check(ConditionKind.IMMUNOSUPPRESSION),
    "diabetes_uncontrolled": _condition_check(ConditionKind.DIABETES_UNCONTROLLED),
    "rheumatic_disease": _condition_check(ConditionKind.RHEUMATIC_DISEASE),
    "prosthesis_at_target": Check(
        {}, frozenset({"diagnosed_on", "detail", "site"}), _prosthesis_at_target
    ),
    "harvest_site_contraindication": Check(
        {},
        frozenset({"diagnosed_on", "detail", "site", "problem", "harvest_side"}),
        _harvest_site_problems,
    ),
    "age_below_minimum": Check(
        {"min_years": ParamSpec(0, 120)},
        frozenset({"age", "min_years", "date_of_birth"}),
        _age_below_minimum,
    ),
    "weight_missing": Check({}, frozenset(), _weight_missing),
    "weight_stale": Check(
        {"max_age_days": _DAYS}, frozenset({"kg", "measured_on", "max_age_days"}), _weight_stale
    ),
    "bmi_high": Check(
        {"threshold": ParamSpec(Decimal("20"), Decimal("80"), places=1)},
        frozenset({"bmi", "threshold", "kg", "measured_on", "height_cm"}),
        _bmi_high,
    ),
    "height_missing": Check({}, frozenset(), _height_missing),
    "kl_grade_4": Check({}, frozenset({"grade"}), _kl_grade_4),
    "kl_grade_missing": Check({}, frozenset(), _kl_grade_missing),
    "fever": Check(
        {"threshold_c": ParamSpec(Decimal("37.0"), Decimal("40.0"), places=1)},
        frozenset({"temperature_c", "threshold_c"}),
        _fever,
    ),
}

# Used by rules.RuleSet to refuse rule sets whose two steroid rules disagree on what a
# maintenance dose is (a steroid would then be neither stopped nor flagged, or both).
SHARED_PARAMS = {("systemic_corticosteroid", "ra_maintenance_steroid"): tuple(_MAINTENANCE)}
