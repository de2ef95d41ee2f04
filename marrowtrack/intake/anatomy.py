"""Where targets are: body regions, neighbouring compartments and bleeding-risk classes.

Pure tables (no ORM) shared by the eligibility checks, booking and the plan page.

- ``TARGET_REGION`` maps a target to the body region a local condition is recorded at
  (``patients.BodySite``), so an infection or an implant "at the right knee" can be
  compared with a right-knee plan.
- ``COMPARTMENTS``: neighbouring compartments count as the same target for a steroid
  washout and the yearly injection cap (issue 8 item 8): the shoulder's subacromial bursa,
  rotator cuff and glenohumeral joint; the lumbar facets, sacroiliac joints, discs and the
  epidural space. A steroid injected into one reaches, or is given for, the same pain.
- ``TARGET_RISK``: bleeding-risk class per target (issue 8 item 5; SIR 2019 consensus
  guideline, Patel et al., J Vasc Interv Radiol 2019: joint injections and marrow
  aspiration are low risk; ASRA 2018, Narouze et al., Reg Anesth Pain Med 2018: facet and
  epidural injections are intermediate). Discs are classed high as docs/reference.md §0 does;
  ASRA 2018 ranks intradiscal procedures intermediate, so this is the cautious reading (⚠).
  A target the table does not know is classed intermediate until someone classes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from marrowtrack.intake.facts import BodySite, Target


class BleedingRisk(StrEnum):
    LOW = "low"
    INTERMEDIATE = "intermediate"
    HIGH = "high"

    @property
    def label(self) -> str:
        return _RISK_LABELS[self]


_RISK_LABELS = {
    BleedingRisk.LOW: "low bleeding risk (joint or soft-tissue injection)",
    BleedingRisk.INTERMEDIATE: "intermediate bleeding risk (spinal: facet or epidural)",
    BleedingRisk.HIGH: "high bleeding risk (intervertebral disc)",
}

TARGET_REGION: Mapping[Target, BodySite] = MappingProxyType(
    {
        Target.KNEE: BodySite.KNEE,
        Target.HIP: BodySite.HIP,
        Target.GLENOHUMERAL: BodySite.SHOULDER,
        Target.SUBACROMIAL: BodySite.SHOULDER,
        Target.ROTATOR_CUFF: BodySite.SHOULDER,
        Target.SI_JOINT: BodySite.LUMBAR,
        Target.FACET: BodySite.LUMBAR,
        Target.DISC: BodySite.LUMBAR,
        Target.EPIDURAL: BodySite.LUMBAR,
        Target.ELBOW: BodySite.ELBOW,
        Target.WRIST_HAND: BodySite.WRIST_HAND,
        Target.ANKLE_FOOT: BodySite.ANKLE_FOOT,
    }
)

_SHOULDER = frozenset({Target.SUBACROMIAL, Target.ROTATOR_CUFF, Target.GLENOHUMERAL})
_LUMBAR = frozenset({Target.FACET, Target.SI_JOINT, Target.DISC, Target.EPIDURAL})
COMPARTMENTS: tuple[frozenset[Target], ...] = (_SHOULDER, _LUMBAR)
SPINAL_TARGETS = frozenset({Target.FACET, Target.DISC, Target.EPIDURAL})

TARGET_RISK: Mapping[Target, BleedingRisk] = MappingProxyType(
    {
        Target.KNEE: BleedingRisk.LOW,
        Target.HIP: BleedingRisk.LOW,
        Target.GLENOHUMERAL: BleedingRisk.LOW,
        Target.SUBACROMIAL: BleedingRisk.LOW,
        Target.ROTATOR_CUFF: BleedingRisk.LOW,
        Target.SI_JOINT: BleedingRisk.LOW,
        Target.ELBOW: BleedingRisk.LOW,
        Target.WRIST_HAND: BleedingRisk.LOW,
        Target.ANKLE_FOOT: BleedingRisk.LOW,
        Target.FACET: BleedingRisk.INTERMEDIATE,
        Target.EPIDURAL: BleedingRisk.INTERMEDIATE,
        Target.DISC: BleedingRisk.HIGH,
    }
)


def target_risk(target: Target) -> BleedingRisk:
    """The target's bleeding-risk class; unknown targets ("other") are intermediate."""
    return TARGET_RISK.get(target, BleedingRisk.INTERMEDIATE)


def same_compartment(a: Target, b: Target) -> bool:
    """The same target, or neighbouring compartments of one region (shoulder, lumbar)."""
    return a == b or any(a in group and b in group for group in COMPARTMENTS)


def at_target(site: BodySite | None, target: Target) -> bool:
    """Whether a condition recorded at ``site`` may be at the target. An unrecorded site may
    be anywhere; for a target the table does not place, any site except 'elsewhere' and
    the iliac crest counts."""
    if site is None:
        return True
    region = TARGET_REGION.get(target)
    if region is None:
        return site not in (BodySite.ELSEWHERE, BodySite.ILIAC_CREST)
    return site == region
