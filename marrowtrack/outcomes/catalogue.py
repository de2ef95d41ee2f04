"""Which instruments each condition gets, time-point labels and REDCap event names (pure).

Defaults follow the MarrowTrack instrument spec table "Which instruments for which condition";
a clinic can override them (InstrumentSet). The joint's own instrument for rheumatoid
arthritis and "other" conditions comes from the injection target.
PGIC (patient global impression of change) is asked at follow-ups only (**policy**): it is a
change question, meaningless before treatment, and it is the patient global of OMERACT-OARSI.
"""

from __future__ import annotations

JOINT_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "knee": ("KOOS",),
    "hip": ("LEFS",),
    "glenohumeral": ("QUICKDASH", "SPADI"),
    "subacromial": ("QUICKDASH", "SPADI"),
    "rotator_cuff": ("QUICKDASH", "SPADI"),
    "si_joint": ("ODI",),
    "facet": ("ODI",),
    "disc": ("ODI",),
    "other": ("LEFS",),
}

CONDITION_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "knee_oa": ("NPRS", "KOOS", "EQ5D5L"),
    "facet": ("NPRS", "ODI", "EQ5D5L"),
    "si_joint": ("NPRS", "ODI", "EQ5D5L"),
    "shoulder": ("NPRS", "QUICKDASH", "SPADI", "EQ5D5L"),
}

FOLLOW_UP_ONLY: tuple[str, ...] = ("PGIC",)

TIMEPOINT_LABELS: dict[str, str] = {
    "baseline": "Baseline",
    "2w": "2 weeks",
    "6w": "6 weeks",
    "3m": "3 months",
    "6m": "6 months",
    "12m": "12 months",
    "24m": "24 months",
}

REDCAP_EVENTS: dict[str, str] = {
    "baseline": "baseline_arm_1",
    "2w": "week_2_arm_1",
    "6w": "week_6_arm_1",
    "3m": "month_3_arm_1",
    "6m": "month_6_arm_1",
    "12m": "month_12_arm_1",
    "24m": "month_24_arm_1",
}


def default_instruments(condition: str, target: str) -> tuple[str, ...]:
    """Instruments asked at every time point for a condition and injection target."""
    if condition in CONDITION_INSTRUMENTS:
        return CONDITION_INSTRUMENTS[condition]
    joint = JOINT_INSTRUMENTS.get(target, ("LEFS",))
    if condition == "ra":
        return ("NPRS", *joint, "PROMIS_PI_4A", "EQ5D5L")
    return ("NPRS", *joint, "EQ5D5L")


def instruments_at(
    every: tuple[str, ...], follow_up_only: tuple[str, ...], timepoint: str
) -> tuple[str, ...]:
    """The instruments of one time point: PGIC and the like are skipped at baseline."""
    extra = () if timepoint == "baseline" else follow_up_only
    return (*every, *extra)


def timepoint_label(code: str | None) -> str:
    return "Unassigned (outside every window)" if code is None else TIMEPOINT_LABELS.get(code, code)
