"""Eligibility screening: a versioned, data-driven rule set and the function that applies it.

A ``Rule`` is data (code, severity, thresholds, message template, source, the treatments it
applies to); the logic behind each code lives in ``checks.py``. A clinic tunes thresholds and
wording through JSON (``ruleset_from_json``), and a screening records the version and SHA-256
of the exact rule set it used, so the decision can be reproduced. Source: domain.md §4
"Hard stops", "Flags that need a documented plan", "Washout windows", and the §0 defaults;
``EligibilityRule(code, severity{HARD_STOP, FLAG}, params)`` in §4 "Encode as". A physician
may override a hard stop with a reason; that is the clinic app's job, not this module's.

Applicability (``applies_to``): comparator treatments (CSI, nerve block, PRP, HA, saline,
exercise) have no marrow harvest, so harvest rules (platelet floor and recency, harvest-site
infection, rheumatic disease from the BMAC series) apply to BMAC and BMAC+PRP only. Rules
about the biological response (cancer, steroid washouts, NSAID hold) apply to BMAC, BMAC+PRP
and PRP. Rules about any needle (infection, pregnancy, bleeding disorder, blood thinners,
allergies, immunosuppression, diabetes, weight for lidocaine) apply to every injection.
Exercise gets no rule.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from marrowtrack.intake.checks import CHECKS, COMMON_FIELDS, Context
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
_RULE_KEYS = ("code", "severity", "params", "message", "source", "applies_to")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    params: Mapping[str, int]
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
    (domain.md §4). Rules whose ``applies_to`` excludes the plan's treatment are skipped.
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
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise RuleSetError(
            f"rule {rule.code!r}: {name} {value!r} is not one of {allowed}"
        ) from None


def _valid_params(rule: Rule) -> dict[str, int]:
    specs = CHECKS[rule.code].params
    if not isinstance(rule.params, Mapping):
        raise RuleSetError(f"rule {rule.code!r}: params must be an object")
    for name in rule.params:
        if name not in specs:
            raise RuleSetError(f"rule {rule.code!r}: unknown param {name!r}")
    for name, spec in specs.items():
        if name not in rule.params:
            raise RuleSetError(f"rule {rule.code!r}: missing param {name!r}")
        value = rule.params[name]
        in_range = isinstance(value, int) and not isinstance(value, bool)
        if not in_range or not spec.minimum <= value <= spec.maximum:
            raise RuleSetError(
                f"rule {rule.code!r}: param {name!r} must be a whole number from "
                f"{spec.minimum} to {spec.maximum}, got {value!r}"
            )
    return dict(rule.params)


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
        "params": dict(rule.params),
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


# --- the shipped defaults (domain.md §0; each configurable per clinic) ---------------------

_HARD_STOP_SOURCE = "domain.md §4 Hard stops (clinic defaults; a physician may override)"
_THEMISTOCLEOUS = "Themistocleous 2018, exclusions in a 233-patient BMAC series; domain.md §4 Flags"
_LIDOCAINE = (
    "domain.md §4 Lidocaine: min(4.5 mg/kg, 300 mg) plain, min(7 mg/kg, 500 mg) with "
    "epinephrine (US Xylocaine label)"
)

DEFAULT_RULESET = RuleSet(
    version="2026.1",
    rules=(
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
            "Active infection at or possibly at the harvest site (iliac crest), diagnosed "
            "{diagnosed_on}; {detail}.",
            _HARD_STOP_SOURCE,
            HARVEST,
        ),
        Rule(
            "infection_target_site",
            Severity.HARD_STOP,
            {},
            "Active infection at or possibly at the target ({laterality} {target}), diagnosed "
            "{diagnosed_on}; {detail}.",
            _HARD_STOP_SOURCE,
            NEEDLE,
        ),
        Rule(
            "malignancy_solid",
            Severity.HARD_STOP,
            {"lookback_years": 5},
            "Solid cancer diagnosed {diagnosed_on} ({detail}), {status}: inside the "
            "{lookback_years}-year cancer-free look-back.",
            _HARD_STOP_SOURCE + "; 5-year look-back is a convention (domain.md §0, uncertain)",
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
            "{floor} ×10^9/L.",
            "domain.md §0 and §4: elective floor 100 ×10^9/L, above SIR 2019 low-risk threshold",
            HARVEST,
        ),
        Rule(
            "steroid_injection_same_target",
            Severity.HARD_STOP,
            {"washout_weeks": 12},
            "Corticosteroid injected into the {injected_side} {target} on {given_on}: inside "
            "the {washout_weeks}-week washout for {reference_date}; earliest date outside it "
            "{clear_on}.",
            "domain.md §0 and §4 Washout windows [CLINIC]; trials exclude intra-articular "
            "injections within 3 months",
            BIOLOGIC,
        ),
        Rule(
            "systemic_corticosteroid",
            Severity.HARD_STOP,
            {"washout_weeks": 4},
            "Systemic corticosteroid {name} ({last_dose}): inside the {washout_weeks}-week "
            "washout for {reference_date}; earliest date outside it {clear_on}. The "
            "prescriber plans any taper.",
            "domain.md §0 and §4 Washout windows [CLINIC]: systemic steroids about 4 weeks",
            BIOLOGIC,
        ),
        Rule(
            "platelets_missing",
            Severity.FLAG,
            {"max_age_days": 90},
            "No platelet count within {max_age_days} days before {reference_date} (latest: "
            "{latest}); order one before the harvest.",
            "domain.md §4 Hard stops: platelets below the clinic floor (needs a recent count)",
            HARVEST,
        ),
        Rule(
            "anticoagulant_antiplatelet",
            Severity.FLAG,
            {"lookback_days": 7},
            "{name} ({drug_class}, {last_dose}): needs a documented plan from the prescriber "
            "(last dose, hold, restart).",
            "domain.md §4 Flags: anticoagulants/antiplatelets, the prescriber decides; Bain "
            "2003 (aspirin, warfarin raised marrow-biopsy bleeding)",
            NEEDLE,
        ),
        Rule(
            "nsaid_hold",
            Severity.FLAG,
            {"hold_days_before": 7, "avoid_days_after": 7},
            "NSAID {name}: no doses from {stop_on}; may restart on {restart_on}. Paracetamol "
            "(acetaminophen) is allowed.",
            "domain.md §0 and §4 Washout windows [CLINIC]: stop 5-14 d before, avoid after",
            BIOLOGIC,
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
            "MISSION.md: harvest and target sites are cleaned with antiseptic",
            NEEDLE,
        ),
        Rule(
            "allergy_latex",
            Severity.FLAG,
            {},
            "Latex allergy ({substance}): book a latex-free room and kit.",
            "MISSION.md procedure day; allergies confirmed at time-out (domain.md §1)",
            NEEDLE,
        ),
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
            _THEMISTOCLEOUS + "; domain.md §7 (glucose rise after CSI)",
            NEEDLE,
        ),
        Rule(
            "rheumatic_disease",
            Severity.FLAG,
            {},
            "Rheumatic disease (since {diagnosed_on}; {detail}): excluded from the published "
            "BMAC series; review the indication.",
            _THEMISTOCLEOUS,
            HARVEST,
        ),
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
    ),
)
