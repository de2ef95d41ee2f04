"""Eligibility screening: a versioned, data-driven rule set and the function that applies it.

A ``Rule`` is data (code, severity, thresholds, message template, source, the treatments it
applies to); the logic behind each code lives in ``checks.py``. A clinic tunes thresholds and
wording through JSON (``ruleset_from_json``), and a screening records the version and SHA-256
of the exact rule set it used, so the decision can be reproduced. Source: docs/reference.md §4
"Hard stops", "Flags needing a documented plan", "Washout windows", and the §0 defaults;
each rule is a code, a severity (hard stop or flag) and its parameters. A physician
may override a hard stop with a reason; that is the clinic app's job, not this module's.
Every threshold and its source: docs/decisions/0005-clinical-choices.md.

Applicability (``applies_to``): comparator treatments (CSI, nerve block, PRP, HA, saline,
exercise) have no marrow harvest, so harvest rules (the 100 ×10^9/L platelet floor and its
recency, harvest-site problems, heparin in the harvest, rheumatic disease from the BMAC
series, height for the BMI) apply to BMAC and BMAC+PRP only. Rules about the biological
response (cancer, steroid washouts, NSAID hold, Kellgren-Lawrence grade) apply to BMAC,
BMAC+PRP and PRP. Rules about any needle (age, infection, pregnancy, bleeding, platelets by
target class, INR, blood-thinner holds, allergies, immunosuppression, implants at the
target, diabetes, weight and BMI, fever) apply to every injection. The yearly cap on
steroid injections applies to corticosteroid injections. Exercise gets no rule.

Versions: ``2026.3`` changed only the sources shown to users (each cites the public source
or the project's own notes in docs/reference.md). ``2026.1`` (first release) is kept
readable: its JSON still loads (parameters
added since have defaults), so a stored screening can always be re-read and re-run.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from marrowtrack.intake import holds
from marrowtrack.intake.checks import CHECKS, COMMON_FIELDS, SHARED_PARAMS, Context, Param
from marrowtrack.intake.facts import PatientFacts, PlanFacts, Treatment


class Severity(StrEnum):
    HARD_STOP = "hard_stop"
    FLAG = "flag"


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    NOT_ELIGIBLE = "not_eligible"


class RuleSetError(ValueError):
    """A rule or rule set is invalid; the message names the rule and the parameter."""


HARVEST = frozenset({Treatment.BMAC, Treatment.BMAC_PRP})
BIOLOGIC = HARVEST | {Treatment.PRP}
NEEDLE = frozenset(Treatment) - {Treatment.EXERCISE}
STEROID_INJECTION = frozenset({Treatment.CSI})
_RULE_KEYS = ("code", "severity", "params", "message", "source", "applies_to")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    params: Mapping[str, Param]
    message: str
    source: str
    applies_to: frozenset[Treatment] = NEEDLE

    def __post_init__(self) -> None:
        check = CHECKS.get(self.code) if isinstance(self.code, str) else None
        if check is None:
            raise RuleSetError(f"rule {self.code!r}: unknown rule code")
        object.__setattr__(self, "severity", _coerce(self, Severity, self.severity, "severity"))
        object.__setattr__(self, "params", MappingProxyType(_valid_params(self)))
        object.__setattr__(self, "applies_to", _valid_treatments(self))
        _validate_text(self, "source")
        _validate_text(self, "message")
        _validate_template(self, check.fields | COMMON_FIELDS)


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version.strip():
            raise RuleSetError("rule set: 'version' must be a non-empty string")
        object.__setattr__(self, "rules", tuple(self.rules))
        codes = [rule.code for rule in self.rules]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise RuleSetError(f"rule set: duplicate rule code(s) {', '.join(duplicates)}")
        _check_shared_params(self)

    def rule(self, code: str) -> Rule | None:
        """The rule with this code, or None when the clinic left it out."""
        return next((rule for rule in self.rules if rule.code == code), None)


def _check_shared_params(ruleset: RuleSet) -> None:
    """Paired rules agree: both present with the same values, or the pair's exception off
    (parameters at their defaults) when the second rule is left out."""
    for codes, names in SHARED_PARAMS.items():
        found = [ruleset.rule(code) for code in codes]
        first, second = found
        if first is not None and second is None:
            specs = CHECKS[first.code].params
            if any(first.params[name] != specs[name].default for name in names):
                raise RuleSetError(
                    f"rule set: {first.code} excepts cases that {codes[1]} flags; include "
                    f"{codes[1]} or set {', '.join(names)} to their defaults"
                )
        if None in found:
            continue
        for name in names:
            values = {rule.params[name] for rule in found if rule is not None}
            if len(values) > 1:
                raise RuleSetError(
                    f"rule set: param {name!r} must be the same in {' and '.join(codes)}"
                )


@dataclass(frozen=True)
class Finding:
    rule_code: str
    severity: Severity
    message: str
    source: str


@dataclass(frozen=True)
class ScreeningResult:
    ruleset_version: str
    ruleset_sha256: str
    outcome: Outcome
    findings: tuple[Finding, ...]
    screened_on: date
    reference_date: date  # the planned procedure date, else the screening date
    rules_applied: tuple[str, ...] = field(default=())

    @property
    def hard_stops(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.HARD_STOP)

    @property
    def flags(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.FLAG)


def evaluate(ruleset: RuleSet, patient: PatientFacts, plan: PlanFacts, on: date) -> ScreeningResult:
    """Screen a patient's plan against a rule set, as of the screening date ``on``.

    NOT_ELIGIBLE if any hard stop fires, NEEDS_REVIEW if only flags fire, else ELIGIBLE
    (docs/reference.md §4). Rules whose ``applies_to`` excludes the plan's treatment are skipped.
    """
    if isinstance(on, datetime):
        raise TypeError("'on' must be a date, not a datetime")
    ctx = Context(patient=patient, plan=plan, on=on)
    applied = tuple(rule for rule in ruleset.rules if plan.treatment in rule.applies_to)
    findings = tuple(finding for rule in applied for finding in _findings(rule, ctx))
    return ScreeningResult(
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset_sha256(ruleset),
        outcome=outcome_of(findings),
        findings=findings,
        screened_on=on,
        reference_date=ctx.reference,
        rules_applied=tuple(rule.code for rule in applied),
    )


def outcome_of(findings: Iterable[Finding]) -> Outcome:
    """Any hard stop makes a plan NOT_ELIGIBLE; flags alone make it NEEDS_REVIEW."""
    severities = {finding.severity for finding in findings}
    if Severity.HARD_STOP in severities:
        return Outcome.NOT_ELIGIBLE
    return Outcome.NEEDS_REVIEW if Severity.FLAG in severities else Outcome.ELIGIBLE


def _findings(rule: Rule, ctx: Context) -> Iterable[Finding]:
    common = ctx.common_fields()
    for hit in CHECKS[rule.code].run(rule.params, ctx):
        message = rule.message.format_map({**common, **hit})
        yield Finding(rule.code, rule.severity, message, rule.source)


# --- validation ----------------------------------------------------------------------------


def _coerce(rule: Rule, enum: type[StrEnum], value: object, name: str) -> Any:
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise RuleSetError(
            f"rule {rule.code!r}: {name} {value!r} is not one of {allowed}"
        ) from None


def _valid_params(rule: Rule) -> dict[str, Param]:
    specs = CHECKS[rule.code].params
    if not isinstance(rule.params, Mapping):
        raise RuleSetError(f"rule {rule.code!r}: params must be an object")
    for name in rule.params:
        if name not in specs:
            raise RuleSetError(f"rule {rule.code!r}: unknown param {name!r}")
    values: dict[str, Param] = {}
    for name, spec in specs.items():
        if name not in rule.params and spec.default is None:
            raise RuleSetError(f"rule {rule.code!r}: missing param {name!r}")
        value = rule.params.get(name, spec.default)
        values[name] = (
            _decimal_param(rule, name, spec, value)
            if spec.places
            else _whole_param(rule, name, spec, value)
        )
    return values


def _whole_param(rule: Rule, name: str, spec: Any, value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if spec.minimum <= value <= spec.maximum:
            return value
    raise RuleSetError(
        f"rule {rule.code!r}: param {name!r} must be a whole number from "
        f"{spec.minimum} to {spec.maximum}, got {value!r}"
    )


def _decimal_param(rule: Rule, name: str, spec: Any, value: object) -> Decimal:
    """Decimals are exact: written as a string ("1.5") or a whole number, with at most
    ``spec.places`` decimal places."""
    error = RuleSetError(
        f"rule {rule.code!r}: param {name!r} must be a number from {spec.minimum} to "
        f"{spec.maximum} with at most {spec.places} decimal place(s), written as a string "
        f'such as "{spec.maximum}", got {value!r}'
    )
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise error
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise error from None
    exponent = number.as_tuple().exponent
    if not number.is_finite() or not isinstance(exponent, int) or -exponent > spec.places:
        raise error
    if not spec.minimum <= number <= spec.maximum:
        raise error
    return number.quantize(Decimal(1).scaleb(-spec.places))


def _valid_treatments(rule: Rule) -> frozenset[Treatment]:
    values = rule.applies_to
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise RuleSetError(f"rule {rule.code!r}: applies_to must be a list of treatments")
    treatments = frozenset(_coerce(rule, Treatment, value, "applies_to") for value in values)
    if not treatments:
        raise RuleSetError(f"rule {rule.code!r}: applies_to must name at least one treatment")
    return treatments


def _validate_text(rule: Rule, name: str) -> None:
    value = getattr(rule, name)
    if not isinstance(value, str) or not value.strip():
        raise RuleSetError(f"rule {rule.code!r}: {name} must be a non-empty string")


def _validate_template(rule: Rule, allowed: frozenset[str]) -> None:
    """Only the check's own field names: no positional, attribute or index lookups."""
    try:
        names = [
            name for _, name, _, _ in string.Formatter().parse(rule.message) if name is not None
        ]
    except ValueError as error:
        raise RuleSetError(f"rule {rule.code!r}: message template is malformed: {error}") from None
    for name in names:
        if name not in allowed:
            raise RuleSetError(
                f"rule {rule.code!r}: message placeholder {{{name}}} is not one of "
                f"{', '.join(sorted(allowed))}"
            )


# --- JSON ----------------------------------------------------------------------------------


def ruleset_to_dict(ruleset: RuleSet) -> dict[str, Any]:
    return {"version": ruleset.version, "rules": [_rule_to_dict(rule) for rule in ruleset.rules]}


def _rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "severity": rule.severity.value,
        "params": {
            name: str(value) if isinstance(value, Decimal) else value
            for name, value in rule.params.items()
        },
        "message": rule.message,
        "source": rule.source,
        # Declaration order, so the same rule set always serialises to the same text.
        "applies_to": [t.value for t in Treatment if t in rule.applies_to],
    }


def ruleset_to_json(ruleset: RuleSet) -> str:
    return json.dumps(ruleset_to_dict(ruleset), indent=2, ensure_ascii=False)


def ruleset_sha256(ruleset: RuleSet) -> str:
    """Fingerprint of the rule set's content, so an edited rule set cannot pass as the old one."""
    canonical = json.dumps(ruleset_to_dict(ruleset), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def ruleset_from_json(text: str) -> RuleSet:
    """Parse and validate a rule set; errors name the rule (index and code) and parameter."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RuleSetError(f"rule set: not valid JSON: {error}") from None
    return ruleset_from_dict(data)


def ruleset_from_dict(data: Any) -> RuleSet:
    if not isinstance(data, dict) or set(data) != {"version", "rules"}:
        raise RuleSetError("rule set: expected an object with exactly 'version' and 'rules'")
    if not isinstance(data["rules"], list):
        raise RuleSetError("rule set: 'rules' must be a list")
    return RuleSet(
        data["version"], tuple(_rule_from_dict(i, raw) for i, raw in enumerate(data["rules"]))
    )


def _rule_from_dict(index: int, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise RuleSetError(f"rules[{index}]: must be an object")
    where = f"rules[{index}] ({raw.get('code')!r})"
    missing = [key for key in _RULE_KEYS if key not in raw]
    unknown = sorted(set(raw) - set(_RULE_KEYS))
    if missing or unknown:
        raise RuleSetError(f"{where}: missing keys {missing}, unknown keys {unknown}")
    try:
        return Rule(**raw)
    except RuleSetError as error:
        raise RuleSetError(f"rules[{index}]: {error}") from None


# --- the shipped defaults (docs/reference.md §0; each configurable per clinic) -------------

_HARD_STOP_SOURCE = "docs/reference.md §4 Hard stops (clinic defaults; a physician may override)"
_THEMISTOCLEOUS = (
    "Themistocleous 2018, exclusions in a 233-patient BMAC series; docs/reference.md §4 Flags"
)
_LIDOCAINE = (
    "docs/reference.md §4 Lidocaine: min(4.5 mg/kg, 300 mg) plain, min(7 mg/kg, 500 mg) with "
    "epinephrine (US Xylocaine label)"
)
_SIR = "SIR 2019 consensus (Patel et al., J Vasc Interv Radiol 2019); docs/reference.md §0"
_ASRA = "ASRA 2018 (Narouze et al., Reg Anesth Pain Med 2018) and SIR 2019; docs/reference.md §4"
_MAINTENANCE_PARAMS: dict[str, Param] = {
    "maintenance_max_mg": Decimal("7.5"),
    "maintenance_min_days": 90,
}
_INR_PARAMS: dict[str, Param] = {
    "window_days": 5,
    "lookback_days": 14,
    "max_low": Decimal("3.0"),
    "max_intermediate": Decimal("1.8"),
    "max_high": Decimal("1.5"),
}


def _infection_and_cancer_rules() -> tuple[Rule, ...]:
    return (
        Rule(
            "infection_systemic",
            Severity.HARD_STOP,
            {},
            "Active systemic infection (diagnosed {diagnosed_on}; {detail}).",
            _HARD_STOP_SOURCE,
            NEEDLE,
        ),
        Rule(
            "infection_harvest_site",
            Severity.HARD_STOP,
            {},
            "Active infection at or possibly at the harvest site ({site}), diagnosed "
            "{diagnosed_on}; {detail}.",
            _HARD_STOP_SOURCE,
            HARVEST,
        ),
        Rule(
            "infection_target_site",
            Severity.HARD_STOP,
            {},
            "Active infection at or possibly at the target ({laterality} {target}): "
            "{site}, diagnosed {diagnosed_on}; {detail}.",
            _HARD_STOP_SOURCE,
            NEEDLE,
        ),
        Rule(
            "malignancy_solid",
            Severity.HARD_STOP,
            {"lookback_years": 5},
            "Solid cancer diagnosed {diagnosed_on} ({detail}), {status}: inside the "
            "{lookback_years}-year cancer-free look-back.",
            _HARD_STOP_SOURCE
            + "; 5-year look-back is a convention (docs/reference.md §0, uncertain); "
            "non-melanoma skin cancer and carcinoma in situ are not counted",
            BIOLOGIC,
        ),
        Rule(
            "malignancy_haematological",
            Severity.HARD_STOP,
            {},
            "Blood cancer diagnosed {diagnosed_on} ({detail}), {status}: any history of "
            "haematological malignancy excludes a marrow or blood-derived product.",
            _HARD_STOP_SOURCE + "; Bain 2003/2005 (myeloproliferative disorders: top bleeding "
            "risk after marrow biopsy)",
            BIOLOGIC,
        ),
        Rule(
            "pregnancy",
            Severity.HARD_STOP,
            {},
            "Pregnancy recorded (since {diagnosed_on}): elective injection is deferred.",
            _HARD_STOP_SOURCE,
            NEEDLE,
        ),
        Rule(
            "age_below_minimum",
            Severity.HARD_STOP,
            {"min_years": 18},
            "Aged {age} on {reference_date} (born {date_of_birth}): the minimum age is "
            "{min_years}.",
            "docs/reference.md §0 minimum age 18: skeletally mature; every BMAC series enrolled "
            "adults",
            NEEDLE,
        ),
        Rule(
            "fever",
            Severity.HARD_STOP,
            {"threshold_c": Decimal("38.0")},
            "Temperature {temperature_c} °C on {screened_on}: fever (from {threshold_c} °C) "
            "stops the procedure today.",
            "docs/reference.md §4 call-back triggers: temperature 38.0 °C / 100.4 °F or more",
            NEEDLE,
        ),
    )


def _blood_rules() -> tuple[Rule, ...]:
    return (
        Rule(
            "bleeding_disorder_uncleared",
            Severity.HARD_STOP,
            {},
            "Bleeding disorder (diagnosed {diagnosed_on}; {detail}) not cleared by haematology.",
            _HARD_STOP_SOURCE,
            NEEDLE,
        ),
        Rule(
            "platelets_below_floor",
            Severity.HARD_STOP,
            {"floor_per_nl": 100},
            "Platelet count {count} ×10^9/L on {measured_on} is below the clinic floor of "
            "{floor} ×10^9/L for a marrow harvest.",
            "docs/reference.md §0 and §4: elective floor 100 ×10^9/L, above SIR 2019 low-risk "
            "threshold",
            HARVEST,
        ),
        Rule(
            "platelets_below_needle_floor",
            Severity.HARD_STOP,
            {"floor_low": 20, "floor_intermediate": 50, "floor_high": 50},
            "Platelet count {count} ×10^9/L on {measured_on} is below {floor} ×10^9/L, the "
            "floor for a needle at this target ({target}: {bleeding_risk} bleeding risk).",
            _SIR + ": 20 ×10^9/L for low-risk procedures, 50 for spinal and disc targets",
            NEEDLE,
        ),
        Rule(
            "inr_on_warfarin",
            Severity.HARD_STOP,
            dict(_INR_PARAMS),
            "{name} (warfarin): {inr}. An INR taken from {window_from} to {reference_date} "
            "must be at most {max_inr} at this target ({target}: {bleeding_risk} bleeding "
            "risk).",
            _SIR + ": INR at most 3.0 low risk; 1.8 spinal, 1.5 disc; within 5 days before",
            NEEDLE,
        ),
        Rule(
            "inr_pending_on_warfarin",
            Severity.FLAG,
            dict(_INR_PARAMS),
            "{name} (warfarin): take an INR from {window_from} to {reference_date} (within "
            "{window_days} days before); it must be at most {max_inr} at this target "
            "({target}: {bleeding_risk} bleeding risk).",
            _SIR + ": INR within 5 days before the procedure",
            NEEDLE,
        ),
        Rule(
            "blood_thinner_hold",
            Severity.HARD_STOP,
            holds.default_hold_params(),
            "{name}: {taken}; the hold table asks for {basis} (last dose by {last_dose_by}).",
            _ASRA + ": hold table in intake/holds.py",
            NEEDLE,
        ),
        Rule(
            "anticoagulant_antiplatelet",
            Severity.FLAG,
            {"lookback_days": 7},
            "{name} ({drug_class}, {last_dose}): record the prescriber's hold plan (last dose, "
            "restart date, prescriber) on this plan.",
            "docs/reference.md §4 Flags: anticoagulants/antiplatelets, the prescriber decides; "
            "Bain "
            "2003 (aspirin, warfarin raised marrow-biopsy bleeding)",
            NEEDLE,
        ),
        Rule(
            "platelets_missing",
            Severity.FLAG,
            {"max_age_days": 90},
            "No platelet count within {max_age_days} days before {reference_date} (latest: "
            "{latest}); order one before the harvest.",
            "docs/reference.md §4 Hard stops: platelets below the clinic floor (needs a recent "
            "count)",
            HARVEST,
        ),
    )


def _site_rules() -> tuple[Rule, ...]:
    return (
        Rule(
            "prosthesis_at_target",
            Severity.HARD_STOP,
            {},
            "Prosthetic joint or hardware at the target ({laterality} {target}): {site}, {detail}.",
            "Clinic rule (docs/reference.md §4): no injection into a joint with a prosthesis or "
            "hardware "
            "(infection risk); refer to the surgeon",
            NEEDLE,
        ),
        Rule(
            "harvest_site_contraindication",
            Severity.HARD_STOP,
            {},
            "{problem} ({site}; {detail}): not a safe harvest site ({harvest_side}); choose "
            "the other side if it is clear.",
            "Clinic rule (docs/reference.md §4): prior pelvic radiotherapy (poor marrow), an "
            "iliac graft or "
            "hardware on that side, local skin disease",
            HARVEST,
        ),
        Rule(
            "allergy_heparin_harvest",
            Severity.HARD_STOP,
            {},
            "Heparin allergy or HIT ({substance}) and the harvest anticoagulant is "
            "{anticoagulant}: use ACD-A.",
            "docs/reference.md §1 Harvest fields: anticoagulant heparin or ACD-A",
            HARVEST,
        ),
        Rule(
            "infection_elsewhere",
            Severity.FLAG,
            {},
            "Infection away from the harvest site and target ({site}; {detail}, diagnosed "
            "{diagnosed_on}): confirm it is treated and the patient is well on the day.",
            "docs/reference.md §4: only harvest-site, target-site or systemic infection is a hard "
            "stop",
            NEEDLE,
        ),
    )


def _steroid_rules() -> tuple[Rule, ...]:
    return (
        Rule(
            "steroid_injection_same_target",
            Severity.HARD_STOP,
            {"washout_weeks": 12},
            "Corticosteroid injected into the {injected_at} on {given_on}: inside the "
            "{washout_weeks}-week washout for {reference_date}; earliest date outside it "
            "{clear_on}.",
            "docs/reference.md §0 and §4 Washout windows [CLINIC]; trials exclude intra-articular "
            "injections within 3 months; neighbouring compartments count",
            BIOLOGIC,
        ),
        Rule(
            "steroid_injections_yearly_cap",
            Severity.HARD_STOP,
            {"cap": 3, "window_days": 365},
            "{count} corticosteroid injections into this joint or its neighbours in the "
            "{window_days} days before {reference_date} ({dates}): one more would exceed the "
            "cap of {cap}.",
            "docs/reference.md §7: clinics cap injections at 3-4 per joint per year; McAlindon "
            "2017 "
            "(3-monthly injections, more cartilage loss)",
            STEROID_INJECTION,
        ),
        Rule(
            "systemic_corticosteroid",
            Severity.HARD_STOP,
            {"washout_weeks": 4, **_MAINTENANCE_PARAMS},
            "Systemic corticosteroid {name} ({last_dose}): inside the {washout_weeks}-week "
            "washout for {reference_date}; earliest date outside it {clear_on}. The "
            "prescriber plans any taper.",
            "docs/reference.md §0 and §4 Washout windows [CLINIC]: systemic steroids about 4 weeks",
            BIOLOGIC,
        ),
        Rule(
            "ra_maintenance_steroid",
            Severity.FLAG,
            dict(_MAINTENANCE_PARAMS),
            "{name} {mg_per_day} mg a day since {since}: a stable low-dose maintenance steroid "
            "in rheumatic disease is not stopped; record the prescriber's plan.",
            "Low dose = at most 7.5 mg prednisolone-equivalent a day "
            "(Buttgereit 2002, Ann Rheum Dis)",
            BIOLOGIC,
        ),
    )


def _medicine_and_allergy_flags() -> tuple[Rule, ...]:
    return (
        Rule(
            "nsaid_hold",
            Severity.FLAG,
            {"hold_days_before": 7, "avoid_days_after": 7},
            "NSAID {name}: no doses from {stop_on}; may restart on {restart_on}. Paracetamol "
            "(acetaminophen) is allowed.",
            "docs/reference.md §0 and §4 Washout windows [CLINIC]: stop 5-14 d before, avoid after",
            BIOLOGIC,
        ),
        Rule(
            "immunosuppressant_medication",
            Severity.FLAG,
            {"lookback_days": 90},
            "Immunosuppressant {name} ({last_dose}): review infection risk with the prescriber.",
            _THEMISTOCLEOUS,
            NEEDLE,
        ),
        Rule(
            "allergy_local_anaesthetic",
            Severity.FLAG,
            {},
            "Local anaesthetic allergy ({substance}): document an alternative-agent plan; "
            "lidocaine is the default for harvest and injection.",
            _LIDOCAINE,
            NEEDLE,
        ),
        Rule(
            "allergy_antiseptic",
            Severity.FLAG,
            {},
            "Antiseptic allergy ({substance}): plan an alternative skin preparation.",
            "docs/reference.md §1: harvest and target sites are cleaned with antiseptic",
            NEEDLE,
        ),
        Rule(
            "allergy_latex",
            Severity.FLAG,
            {},
            "Latex allergy ({substance}): book a latex-free room and kit.",
            "docs/reference.md §1: allergies confirmed at the time-out",
            NEEDLE,
        ),
        Rule(
            "allergy_contrast_spinal",
            Severity.FLAG,
            {},
            "Contrast allergy ({substance}) and a fluoroscopic spinal target ({target}): plan "
            "premedication, another contrast agent or another guidance.",
            "Contrast confirms needle position in fluoroscopic spinal injections "
            "(docs/reference.md §1)",
            NEEDLE,
        ),
    )


def _condition_flags() -> tuple[Rule, ...]:
    return (
        Rule(
            "immunosuppression",
            Severity.FLAG,
            {},
            "Immunosuppression (since {diagnosed_on}; {detail}): review infection risk.",
            _THEMISTOCLEOUS,
            NEEDLE,
        ),
        Rule(
            "diabetes_uncontrolled",
            Severity.FLAG,
            {},
            "Uncontrolled diabetes (since {diagnosed_on}): review infection risk; a steroid "
            "injection raises glucose.",
            _THEMISTOCLEOUS + "; docs/reference.md §7 (glucose rise after CSI)",
            NEEDLE,
        ),
        Rule(
            "rheumatic_disease",
            Severity.FLAG,
            {},
            "Rheumatic disease (since {diagnosed_on}; {detail}): excluded from the published "
            "BMAC series, and there are no BMAC trials in RA; review the indication.",
            _THEMISTOCLEOUS + "; docs/reference.md §6 (RA: no BMAC trials)",
            HARVEST,
        ),
        Rule(
            "kl_grade_4",
            Severity.FLAG,
            {},
            "Kellgren-Lawrence grade {grade} ({laterality} {target}): end-stage arthritis; "
            "discuss the limited evidence and a surgical opinion.",
            "docs/reference.md §7 (KL grade recorded in both cohorts)",
            BIOLOGIC,
        ),
        Rule(
            "kl_grade_missing",
            Severity.FLAG,
            {},
            "No Kellgren-Lawrence grade for the {laterality} {target}: grade the X-ray "
            "(0-4) before deciding.",
            "docs/reference.md §7 (KL grade recorded in both cohorts)",
            BIOLOGIC,
        ),
    )


def _body_flags() -> tuple[Rule, ...]:
    return (
        Rule(
            "weight_missing",
            Severity.FLAG,
            {},
            "No weight on record: cannot check lidocaine dose limits.",
            _LIDOCAINE,
            NEEDLE,
        ),
        Rule(
            "weight_stale",
            Severity.FLAG,
            {"max_age_days": 90},
            "Latest weight {kg} kg on {measured_on} is more than {max_age_days} days before "
            "{reference_date}: re-weigh to check lidocaine dose limits.",
            _LIDOCAINE,
            NEEDLE,
        ),
        Rule(
            "bmi_high",
            Severity.FLAG,
            {"threshold": Decimal("40.0")},
            "BMI {bmi} ({kg} kg on {measured_on}, {height_cm} cm) is at or above "
            "{threshold}: plan needle length, positioning and the harvest approach.",
            "Clinic threshold, default 40 (WHO obesity class III)",
            NEEDLE,
        ),
        Rule(
            "height_missing",
            Severity.FLAG,
            {},
            "No height on record: the BMI cannot be checked.",
            "Height on the record for the BMI (docs/reference.md §7)",
            HARVEST,
        ),
    )


DEFAULT_RULESET = RuleSet(
    version="2026.3",
    rules=(
        *_infection_and_cancer_rules(),
        *_blood_rules(),
        *_site_rules(),
        *_steroid_rules(),
        *_medicine_and_allergy_flags(),
        *_condition_flags(),
        *_body_flags(),
    ),
)
