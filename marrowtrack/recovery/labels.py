"""Patient-facing names of treatments, targets and sides, translated at render time."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TREATMENTS = {
    "bmac": _("an injection of bone marrow concentrate (BMAC) made from your own marrow"),
    "bmac_prp": _(
        "an injection of bone marrow concentrate (BMAC) with platelet-rich plasma (PRP), "
        "made from your own marrow and blood"
    ),
    "prp": _("an injection of platelet-rich plasma (PRP) made from your own blood"),
    "csi": _("a corticosteroid (steroid) injection"),
    "ha": _("a hyaluronic acid injection"),
    "nerve_block": _("a nerve block injection"),
}
TARGETS = {
    "knee": _("knee"),
    "hip": _("hip joint"),
    "glenohumeral": _("shoulder joint"),
    "subacromial": _("shoulder (subacromial bursa)"),
    "rotator_cuff": _("shoulder (rotator cuff)"),
    "si_joint": _("sacroiliac joint (low back)"),
    "facet": _("facet joint of the spine"),
    "disc": _("spinal disc"),
    "other": _("treated area"),
}
SIDES = {"left": _("left side"), "right": _("right side"), "bilateral": _("both sides")}
HARVEST_SIDES = {
    "l_pic": _("the back of your left hip (iliac crest)"),
    "r_pic": _("the back of your right hip (iliac crest)"),
    "bilateral": _("the back of both hips (iliac crests)"),
    "": _("the back of your hip (iliac crest)"),
}
TIMEPOINTS = {
    "2w": _("2 weeks"),
    "6w": _("6 weeks"),
    "3m": _("3 months"),
    "6m": _("6 months"),
    "12m": _("12 months"),
    "24m": _("24 months"),
}
LEVELS = {
    "expected": _("Expected"),
    "call_today": _("A nurse will call you today"),
    "urgent": _("Urgent"),
}


def target_label(target: str, side: str, level: str = "") -> str:
    """'knee, left side' / 'rodilla, lado izquierdo'; the spinal level when there is one."""
    parts = [str(TARGETS.get(target, TARGETS["other"]))]
    if level:
        parts.append(level)
    if side in SIDES:
        parts.append(str(SIDES[side]))
    return ", ".join(parts)
