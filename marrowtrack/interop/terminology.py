"""Standard codes and units for MarrowTrack's vocabularies, in one place (pure, no ORM).

ICD-10-CM for the treated conditions, SNOMED CT for procedures, specimens and laterality,
LOINC for observations and instrument panels, UCUM for every unit. Each code below is
checked against the published page it was taken from (tests/fixtures/terminology_sources.json
records the address). Where no code could be verified the resource carries text only and
docs/fhir.md says so: a wrong code is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# ISBT 128 (ICCBBA) as HL7 Terminology names it (OID 2.16.840.1.113883.6.18):
# https://terminology.hl7.org/CodeSystem-ib.html. Our product codes are the clinic's own
# ("D" descriptions, lab/isbt128.py), so they carry no display of ICCBBA's.
ISBT128 = "http://terminology.hl7.org/CodeSystem/ib"


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str

    def fhir(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


@dataclass(frozen=True)
class Unit:
    """A UCUM unit: `code` is the case-sensitive UCUM expression, `display` what people read."""

    code: str
    display: str


def _icd(code: str, display: str) -> Coding:
    return Coding(ICD10CM, code, display)


def _sct(code: str, display: str) -> Coding:
    return Coding(SNOMED, code, display)


def _loinc(code: str, display: str) -> Coding:
    return Coding(LOINC, code, display)


# --- Conditions (ICD-10-CM) -------------------------------------------------------------

KNEE_OA = {
    "bilateral": _icd("M17.0", "Bilateral primary osteoarthritis of knee"),
    "right": _icd("M17.11", "Unilateral primary osteoarthritis, right knee"),
    "left": _icd("M17.12", "Unilateral primary osteoarthritis, left knee"),
    "": _icd("M17.10", "Unilateral primary osteoarthritis, unspecified knee"),
}
SHOULDER_BURSITIS = {
    "right": _icd("M75.51", "Bursitis of right shoulder"),
    "left": _icd("M75.52", "Bursitis of left shoulder"),
    "": _icd("M75.50", "Bursitis of unspecified shoulder"),
}
LUMBAR_SPONDYLOSIS = _icd(
    "M47.816", "Spondylosis without myelopathy or radiculopathy, lumbar region"
)
SACROILIITIS = _icd("M46.1", "Sacroiliitis, not elsewhere classified")
RHEUMATOID_ARTHRITIS = _icd("M06.9", "Rheumatoid arthritis, unspecified")


def condition_coding(condition: str, laterality: str, level: str = "") -> Coding | None:
    """The ICD-10-CM code of a plan's condition, or None when no verified code fits.

    Facet arthritis is coded as lumbar spondylosis only for a lumbar level ("L4-L5"): the
    cervical and thoracic codes were not verified. Bilateral shoulder bursitis has no single
    code (ICD-10-CM codes each side); it stays uncoded rather than coded as one side.
    """
    if condition == "knee_oa":
        return KNEE_OA.get(laterality, KNEE_OA[""])
    if condition == "shoulder":
        return SHOULDER_BURSITIS.get(laterality) if laterality != "bilateral" else None
    if condition == "facet":
        return LUMBAR_SPONDYLOSIS if level.strip().upper().startswith("L") else None
    if condition == "si_joint":
        return SACROILIITIS
    if condition == "ra":
        return RHEUMATOID_ARTHRITIS
    return None


# --- Procedures, specimens, body sites, laterality (SNOMED CT) ----------------------------

LATERALITY = {
    "left": _sct("7771000", "Left"),
    "right": _sct("24028007", "Right"),
    "bilateral": _sct("51440002", "Right and left"),
}
# Only the hip joint was verified; other targets go out as text (docs/fhir.md, "Codes").
BODY_SITE = {"hip": _sct("24136001", "Hip joint structure")}
HARVEST_PROCEDURE = _sct("49401003", "Bone marrow aspiration procedure")
ASPIRATE_SPECIMEN = _sct("396997002", "Specimen from bone marrow obtained by aspiration")

# --- Observations (LOINC) ---------------------------------------------------------------

PLATELETS = _loinc("777-3", "Platelets [#/volume] in Blood by Automated count")
INR = _loinc("6301-6", "INR in Platelet poor plasma by Coagulation assay")
BODY_WEIGHT = _loinc("29463-7", "Body weight")
BODY_HEIGHT = _loinc("8302-2", "Body height")
BMI = _loinc("39156-5", "Body mass index (BMI) [Ratio]")
CONSENT_DOCUMENT = _loinc("59284-0", "Patient Consent")

INSTRUMENT_PANELS = {
    "KOOS": _loinc("72091-2", "Knee injury and Osteoarthritis Outcome Score [KOOS]"),
    "ODI": _loinc("97908-8", "Oswestry Disability Index"),
}
INSTRUMENT_SCORES = {
    ("NPRS", "total"): _loinc(
        "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
    ),
    ("KOOS", "pain"): _loinc("72102-7", "Pain score [KOOS]"),
    ("KOOS", "symptoms"): _loinc("72101-9", "Symptoms score [KOOS]"),
    ("KOOS", "adl"): _loinc("72100-1", "Activities of daily living score [KOOS]"),
    ("HOOS", "pain"): _loinc("72097-9", "Pain score [HOOS]"),
    ("ODI", "total"): _loinc("97909-6", "Oswestry disability index score ODI"),
}

# --- FHIR's own code systems --------------------------------------------------------------

VITAL_SIGNS = Coding(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")
LABORATORY = Coding(OBSERVATION_CATEGORY, "laboratory", "Laboratory")
SURVEY = Coding(OBSERVATION_CATEGORY, "survey", "Survey")
TREATMENT_CONSENT = Coding(CONSENT_SCOPE, "treatment", "Treatment")
AMBULATORY = Coding(ACT_CODE, "AMB", "ambulatory")

# --- Units (UCUM) -------------------------------------------------------------------------

GIGA_PER_L = Unit("10*9/L", "10^9/L")
PER_UL = Unit("/uL", "/µL")
INR_UNIT = Unit("{INR}", "INR")
KG = Unit("kg", "kg")
CM = Unit("cm", "cm")
KG_PER_M2 = Unit("kg/m2", "kg/m²")
ML = Unit("mL", "mL")
MG = Unit("mg", "mg")
PERCENT = Unit("%", "%")
MINUTES = Unit("min", "min")
SECONDS = Unit("s", "s")
TIMES_G = Unit("[g]", "×g")
MILLIGRAY = Unit("mGy", "mGy")
GRAY_CM2 = Unit("Gy.cm2", "Gy·cm²")
SCORE = Unit("{score}", "score")
RATIO = Unit("1", "ratio")

# The product's own unit labels (lab screens, intake's LabValue.UNITS) and their UCUM units.
PRODUCT_UNITS = {
    "×10^9/L": GIGA_PER_L,
    "/µL": PER_UL,
    "ratio": INR_UNIT,
    "kg": KG,
    "mL": ML,
    "mg": MG,
    "%": PERCENT,
}

# 1 x 10^9/L = 10^9 per 10^6 µL = 1,000 /µL (tests check this with a UCUM library).
PER_UL_IN_GIGA_PER_L = Decimal(1000)


def platelets_giga_per_l(per_ul: Decimal) -> Decimal:
    """A platelet count in /µL (the lab's unit) as x10^9/L (intake's and most EHRs' unit).

    Both the screening counts and the lab's aspirate and concentrate counts leave in 10*9/L,
    so a receiver compares like with like; the conversion is exact (decimal, no rounding).
    """
    return Decimal(per_ul) / PER_UL_IN_GIGA_PER_L


def ucum_for(label: str) -> Unit | None:
    """The UCUM unit of one of the product's unit labels, or None if it has none."""
    return PRODUCT_UNITS.get(label.strip())
