"""KOOS: Knee injury and Osteoarthritis Outcome Score, 42 items in five subscales.

Source: KOOS User's Guide and KOOS Scoring 2012 (Roos EM, koos.nu). Each subscale is
100 - 25 x mean(answered items) and needs at least half its items (Pain 5/9, Symptoms 4/7,
ADL 9/17, Sport/Rec 3/5, QOL 2/4); the 1998 "1-2 missing" rule is superseded.
Label traps: S4/S5 are worded in reverse (Always 0 ... Never 4); P1 and Q1 are frequencies
(Never 0 ... Always/Constantly 4).
A KOOS answer set also scores KOOS JR (its 7 items) and WOMAC: the KOOS contains the WOMAC
LK3.0 items unchanged (KOOS User's Guide), WOMAC pain = P5-P9, stiffness = S6-S7, function =
A1-A17 (docs/outcomes.md, "Meaningful change": OMERACT-OARSI).
"""

from __future__ import annotations

from .base import Item, make_items, scale
from .joint_outcome import Subscales, joint_outcome_instrument

SEVERITY = scale("None", "Mild", "Moderate", "Severe", "Extreme")
PAIN_FREQUENCY = scale("Never", "Monthly", "Weekly", "Daily", "Always")
SYMPTOM_FREQUENCY = scale("Never", "Rarely", "Sometimes", "Often", "Always")
# S4/S5 ask whether the knee straightens/bends fully: "Always" is the best answer, so 0.
REVERSED_FREQUENCY = scale("Always", "Often", "Sometimes", "Rarely", "Never")
AWARENESS = scale("Never", "Monthly", "Weekly", "Daily", "Constantly")
LIFESTYLE = scale("Not at all", "Mildly", "Moderately", "Severely", "Totally")
CONFIDENCE = scale("Not at all", "Mildly", "Moderately", "Severely", "Extremely")

PAIN = (
    Item("P1", "How often the knee hurts", 0, 4, "pain", PAIN_FREQUENCY),
    *make_items(
        "P",
        (
            "Pain twisting or pivoting on the knee",
            "Pain straightening the knee fully",
            "Pain bending the knee fully",
            "Pain walking on level ground",
            "Pain on stairs, up or down",
            "Pain at night in bed",
            "Pain sitting or lying",
            "Pain standing upright",
        ),
        subscale="pain",
        labels=SEVERITY,
        start=2,
    ),
)
SYMPTOMS = (
    *make_items(
        "S",
        ("Knee swelling", "Grinding or clicking", "Knee catching or locking"),
        subscale="symptoms",
        labels=SYMPTOM_FREQUENCY,
    ),
    Item("S4", "Can straighten the knee fully", 0, 4, "symptoms", REVERSED_FREQUENCY),
    Item("S5", "Can bend the knee fully", 0, 4, "symptoms", REVERSED_FREQUENCY),
    *make_items(
        "S",
        ("Stiffness on first waking", "Stiffness later in the day after rest"),
        subscale="symptoms",
        labels=SEVERITY,
        start=6,
    ),
)
ADL = make_items(
    "A",
    (
        "Going down stairs",
        "Going up stairs",
        "Getting up from a chair",
        "Standing",
        "Bending to the floor to pick something up",
        "Walking on level ground",
        "Getting in or out of a car",
        "Shopping",
        "Putting on socks",
        "Getting out of bed",
        "Taking off socks",
        "Lying in bed, turning over",
        "Getting in or out of the bath",
        "Sitting",
        "Using the toilet",
        "Heavy housework",
        "Light housework",
    ),
    subscale="adl",
    labels=SEVERITY,
)
SPORT_REC = make_items(
    "SP",
    ("Squatting", "Running", "Jumping", "Twisting or pivoting", "Kneeling"),
    subscale="sport_rec",
    labels=SEVERITY,
)
QOL = (
    Item("Q1", "How often you are aware of the knee", 0, 4, "qol", AWARENESS),
    Item("Q2", "Changed how you live to protect the knee", 0, 4, "qol", LIFESTYLE),
    Item("Q3", "Troubled by lack of confidence in the knee", 0, 4, "qol", CONFIDENCE),
    Item("Q4", "Overall difficulty from the knee", 0, 4, "qol", SEVERITY),
)

# (score key, items, minimum answered) per KOOS Scoring 2012.
SUBSCALES: Subscales = (
    ("pain", PAIN, 5),
    ("symptoms", SYMPTOMS, 4),
    ("adl", ADL, 9),
    ("sport_rec", SPORT_REC, 3),
    ("qol", QOL, 2),
)
JR_CODES = ("S6", "P2", "P3", "P6", "P9", "A3", "A5")
# WOMAC item <- KOOS item (the KOOS holds the WOMAC LK3.0 items in WOMAC order).
WOMAC_MAP: tuple[tuple[str, str], ...] = (
    *((f"P{i}", f"P{i + 4}") for i in range(1, 6)),
    ("S1", "S6"),
    ("S2", "S7"),
    *((f"F{i}", f"A{i}") for i in range(1, 18)),
)

INSTRUMENT = joint_outcome_instrument(
    code="KOOS",
    name="Knee injury and Osteoarthritis Outcome Score",
    version="KOOS (LK1.0)",
    joint="Knee",
    items=PAIN + SYMPTOMS + ADL + SPORT_REC + QOL,
    subscales=SUBSCALES,
    jr_codes=JR_CODES,
    womac_map=WOMAC_MAP,
    rule_version="KOOS-2012.1",
    source="KOOS User's Guide; KOOS Scoring 2012",
    missing_rule="Each subscale needs at least half its items: Pain 5/9, Symptoms 4/7, "
    "ADL 9/17, Sport/Rec 3/5, QOL 2/4.",
    plain_name="Knee questionnaire (KOOS)",
)
DEFINITION = INSTRUMENT.definition
