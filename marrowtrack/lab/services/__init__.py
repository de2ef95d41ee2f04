"""Lab services (writes): containers and DINs, custody, processing and release."""

from marrowtrack.lab.services.containers import (
    aspirate_create,
    container_discard,
    container_for_scan,
    containers_discard_unused,
    din_allocate,
    expiry_for,
    is_expired,
)
from marrowtrack.lab.services.custody import (
    custody_dispatch_aspirate,
    custody_receive_aspirate,
    custody_scan,
    require_at,
)
from marrowtrack.lab.services.processing import late_result_add, run_record, run_release

__all__ = [
    "aspirate_create",
    "container_discard",
    "container_for_scan",
    "containers_discard_unused",
    "custody_dispatch_aspirate",
    "custody_receive_aspirate",
    "custody_scan",
    "din_allocate",
    "expiry_for",
    "is_expired",
    "late_result_add",
    "require_at",
    "run_record",
    "run_release",
]
