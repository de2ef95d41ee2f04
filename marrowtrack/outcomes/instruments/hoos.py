"""HOOS: Hip disability and Osteoarthritis Outcome Score, 40 items in five subscales.

Source: HOOS user's guide and "HOOS Scoring 2013" (Roos EM, Nilsdotter A; koos.nu); Nilsdotter
AK et al., BMC Musculoskelet Disord 2003;4:10. Each subscale is 100 - 25 x mean(answered items)
and, since 2013, needs at least half its items: Symptoms 3/5, Pain 5/10, ADL 9/17, Sport/Rec
2/4, QOL 2/4 (the 2003 "2 missing" rule is superseded).
Label traps: S1 and P1 are frequencies (Never 0 ... Always 4); Q1 is awareness (Never 0 ...
Constantly 4). Item order follows the HOOS 2.0 form: Symptoms S1-S3 and stiffness S4-S5, Pain
P1-P10, ADL A1-A17, Sport/Rec SP1-SP4, QOL Q1-Q4.
The HOOS holds the WOMAC LK3.0 items unchanged (Nilsdotter 2003), so a HOOS answer set also
scores WOMAC: pain P1-P5 <- HOOS P4-P8 (walking on a flat surface, stairs, night in bed, sitting
or lying, standing upright), stiffness S1-S2 <- HOOS S4-S5, function F1-F17 <- HOOS A1-A17.
It also gives HOOS JR's six items (P5, P10, A3, A5, A12, A14; see hoos_jr.py).
Texts are MarrowTrack's own short labels; a text pack supplies the published wording.
"""

from __future__ import annotations

from .base import Item, make_items, scale
from .joint_outcome import Subscales, joint_outcome_instrument

SEVERITY = scale("None", "Mild", "Moderate", "Severe", "Extreme")
FREQUENCY = scale("Never", "Rarely", "Sometimes", "Often", "Always")
PAIN_FREQUENCY = scale("Never", "Monthly", "Weekly", "Daily", "Always")
AWARENESS = scale("Never", "Monthly", "Weekly", "Daily", "Constantly")
LIFESTYLE = scale("Not at all", "Mildly", "Moderately", "Severely", "Totally")
CONFIDENCE = scale("Not at all", "Mildly", "Moderately", "Severely", "Extremely")

SYMPTOMS = (
    Item("S1", "Grinding, clicking or other noise from the hip", 0, 4, "symptoms", FREQUENCY),
    *make_items(
        "S",
        (
            "Difficulty spreading the legs wide apart",
            "Difficulty taking long strides when walking",
            "Hip stiffness on first waking",
            "Hip stiffness later in the day after rest",
        ),
        subscale="symptoms",
        labels=SEVERITY,
        start=2,
    ),
)
PAIN = (
    Item("P1", "How often the hip hurts", 0, 4, "pain", PAIN_FREQUENCY),
    *make_items(
        "P",
        (
            "Pain straightening the hip fully",
            "Pain bending the hip fully",
            "Pain walking on a flat surface",
            "Pain on stairs, up or down",
            "Pain at night in bed",
            "Pain sitting or lying",
            "Pain standing upright",
            "Pain walking on a hard surface",
            "Pain walking on an uneven surface",
        ),
        subscale="pain",
        labels=SEVERITY,
        start=2,
    ),
)
ADL = make_items(
    "A",
    (
        "Going down stairs",
        "Going up stairs",
        "Getting up from sitting",
        "Standing",
        "Bending to the floor to pick something up",
        "Walking on a flat surface",
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
    ("Squatting", "Running", "Twisting or pivoting on the loaded leg", "Walking on uneven ground"),
    subscale="sport_rec",
    labels=SEVERITY,
)
QOL = (
    Item("Q1", "How often you are aware of the hip", 0, 4, "qol", AWARENESS),
    Item("Q2", "Changed how you live to protect the hip", 0, 4, "qol", LIFESTYLE),
    Item("Q3", "Troubled by lack of confidence in the hip", 0, 4, "qol", CONFIDENCE),
    Item("Q4", "Overall difficulty from the hip", 0, 4, "qol", SEVERITY),
)

# (score key, items, minimum answered) per HOOS Scoring 2013.
SUBSCALES: Subscales = (
    ("pain", PAIN, 5),
    ("symptoms", SYMPTOMS, 3),
    ("adl", ADL, 9),
    ("sport_rec", SPORT_REC, 2),
    ("qol", QOL, 2),
)
JR_CODES = ("P5", "P10", "A3", "A5", "A12", "A14")
WOMAC_MAP: tuple[tuple[str, str], ...] = (
    *((f"P{i}", f"P{i + 3}") for i in range(1, 6)),
    ("S1", "S4"),
    ("S2", "S5"),
    *((f"F{i}", f"A{i}") for i in range(1, 18)),
)

INSTRUMENT = joint_outcome_instrument(
    code="HOOS",
    name="Hip disability and Osteoarthritis Outcome Score",
    version="HOOS 2.0 (LK2.0)",
    joint="Hip",
    items=SYMPTOMS + PAIN + ADL + SPORT_REC + QOL,
    subscales=SUBSCALES,
    jr_codes=JR_CODES,
    womac_map=WOMAC_MAP,
    rule_version="HOOS-2013.1",
    source="HOOS user's guide; HOOS Scoring 2013; Nilsdotter 2003",
    missing_rule="Each subscale needs at least half its items: Symptoms 3/5, Pain 5/10, "
    "ADL 9/17, Sport/Rec 2/4, QOL 2/4.",
    plain_name="Hip questionnaire (HOOS)",
)
DEFINITION = INSTRUMENT.definition
