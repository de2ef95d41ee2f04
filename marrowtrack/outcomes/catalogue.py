"""Which instruments each plan gets, time-point labels and REDCap event names (pure).

Defaults follow the MarrowTrack instrument spec table "Which instruments for which condition"
(docs/outcomes.md); a clinic can override them per condition (InstrumentSet). The injection
target chooses the joint's instrument:
- knee: KOOS (KOOS JR and WOMAC derived) and the PGA, the knee-OA row;
- hip: HOOS (HOOS JR and WOMAC derived) and the PGA, the hip-OA row. MarrowTrack has no
  hip-OA referral condition, so a hip target is scored as hip OA (condition "other");
- shoulder (glenohumeral, subacromial, rotator cuff): QuickDASH and SPADI;
- other upper limb (elbow, wrist/hand): QuickDASH; other lower limb (ankle/foot): LEFS;
- spine and pelvis (facet, disc, SI joint): ODI;
- "other": no joint-specific instrument (the clinic chooses one in its instrument set).
Rheumatoid arthritis gets the joint's instrument plus PROMIS Pain Interference 4a, without the
PGA (the OMERACT-OARSI responder is an osteoarthritis criterion).
PGIC (patient global impression of change) is asked at follow-ups only: it is a change
question, meaningless before treatment, and never stored at baseline.
"""

from __future__ import annotations

JOINT_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "knee": ("KOOS",),
    "hip": ("HOOS",),
    "glenohumeral": ("QUICKDASH", "SPADI"),
    "subacromial": ("QUICKDASH", "SPADI"),
    "rotator_cuff": ("QUICKDASH", "SPADI"),
    "elbow": ("QUICKDASH",),
    "wrist_hand": ("QUICKDASH",),
    "ankle_foot": ("LEFS",),
    "si_joint": ("ODI",),
    "facet": ("ODI",),
    "disc": ("ODI",),
    "other": (),
}
OA_TARGETS = ("knee", "hip")  # the OA rows add the patient global assessment (PGA)

FOLLOW_UP_ONLY: tuple[str, ...] = ("PGIC",)
NEVER_AT_BASELINE: frozenset[str] = frozenset(FOLLOW_UP_ONLY)

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
OUT_OF_WINDOW = "Out of window"


def is_yearly(code: str) -> bool:
    """Yearly surveys after 24 months are coded by months: 36m, 48m, ..."""
    return code.endswith("m") and code[:-1].isdigit() and int(code[:-1]) > 24


def default_instruments(condition: str, target: str) -> tuple[str, ...]:
    """Instruments asked at every time point for a condition and injection target."""
    joint = JOINT_INSTRUMENTS.get(target, ())
    if condition == "ra":
        return ("NPRS", *joint, "PROMIS_PI_4A", "EQ5D5L")
    global_assessment = ("PGA",) if target in OA_TARGETS else ()
    return ("NPRS", *joint, *global_assessment, "EQ5D5L")


def is_osteoarthritis(condition: str, target: str) -> bool:
    """Knee or hip OA: the plans whose responders include OMERACT-OARSI."""
    return condition == "knee_oa" or (condition == "other" and target == "hip")


def instruments_at(
    every: tuple[str, ...], follow_up_only: tuple[str, ...], timepoint: str
) -> tuple[str, ...]:
    """The instruments of one time point: PGIC and the like are skipped at baseline."""
    extra = () if timepoint == "baseline" else follow_up_only
    return tuple(
        code
        for code in (*every, *extra)
        if not (timepoint == "baseline" and code in NEVER_AT_BASELINE)
    )


def timepoint_label(code: str | None) -> str:
    """A time point in words; None is a response answered outside every window."""
    if code is None:
        return OUT_OF_WINDOW
    if code in TIMEPOINT_LABELS:
        return TIMEPOINT_LABELS[code]
    if is_yearly(code):
        return f"{int(code[:-1]) // 12} years"
    return code


def redcap_event(code: str) -> str:
    """The REDCap unique event name of a time point (yearly: year_3_arm_1, ...)."""
    if code in REDCAP_EVENTS:
        return REDCAP_EVENTS[code]
    return f"year_{int(code[:-1]) // 12}_arm_1"


def timepoint_order(code: str | None) -> int:
    """Sort key of time points: baseline first, then by time after treatment."""
    if code is None:
        return 10_000
    if code == "baseline":
        return -1
    if code.endswith("w") and code[:-1].isdigit():
        return int(code[:-1]) * 7
    if code.endswith("m") and code[:-1].isdigit():
        return int(code[:-1]) * 31
    return 9_999
