"""What recovery looks like after each treatment: the numbers the discharge instructions,
the check-in triage and the NSAID date use. Pure data.

Sources (docs/decisions/0011-recovery-clinical-choices.md has the reasoning):
- BMAC: flare at the treated site for 2-5 days, ice on the harvest site, NSAIDs avoided
  for a configured window after the procedure (docs/reference.md §8 "Afterwards" and §0,
  "NSAID avoidance after the procedure: 7 days", the window intake's instructions use).
- PRP relies on the same inflammatory response, so it shares BMAC's NSAID window
  (clinic convention, docs/reference.md §4 "Washout windows").
- Corticosteroid, hyaluronic acid and nerve-block injections need no NSAID avoidance; a
  short flare of 1-2 days is possible after steroid and HA injections; a corticosteroid
  can raise blood glucose for a few days in people with diabetes (docs/reference.md §7).
- Rest, dressing and bathing periods are clinic conventions [K], configurable here.
Exercise therapy has no injection and no discharge: it has no profile.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    treatment: str
    harvest: bool
    flare_days: tuple[int, int]  # the expected extra pain at the treated site, days after
    avoid_nsaids: bool  # for the configured window (intake's nsaid_avoid_days_after)
    rest_days: int  # take it easy: short walks, no sport or heavy lifting
    light_activity_days: int  # no running, jumping or heavy lifting until then
    dressing_hours: int  # keep the dressings on and dry
    no_soaking_days: int  # no bath, pool or hot tub
    glucose_note: bool = False  # corticosteroid: blood sugar may rise for a few days
    numbness_note: bool = False  # local anaesthetic block: numb for some hours


PROFILES: dict[str, Profile] = {
    "bmac": Profile("bmac", True, (2, 5), True, 2, 14, 24, 3),
    "bmac_prp": Profile("bmac_prp", True, (2, 5), True, 2, 14, 24, 3),
    "prp": Profile("prp", False, (2, 5), True, 2, 14, 24, 2),
    "csi": Profile("csi", False, (1, 2), False, 1, 2, 24, 2, glucose_note=True),
    "ha": Profile("ha", False, (1, 2), False, 2, 2, 24, 2),
    "nerve_block": Profile("nerve_block", False, (1, 2), False, 1, 1, 24, 2, numbness_note=True),
}


def profile_for(treatment: str) -> Profile | None:
    """The recovery profile of an injected treatment; None for exercise therapy."""
    return PROFILES.get(treatment)
