"""Lab services (writes): containers and their identification, custody, processing,
release and late results."""

from marrowtrack.lab.services.containers import (
    aspirate_create,
    collection_time,
    container_discard,
    container_for_entry,
    container_for_label,
    containers_discard_unused,
    din_allocate,
    expiry_for,
    hold_hours,
    is_expired,
    label_read,
)
from marrowtrack.lab.services.custody import (
    custody_dispatch_aspirate,
    custody_receive_aspirate,
    custody_return_to_lab,
    custody_scan,
    receiver_confirm,
    require_at,
)
from marrowtrack.lab.services.processing import run_record, times_check
from marrowtrack.lab.services.release import run_release
from marrowtrack.lab.services.results import late_result_add

__all__ = [
    "aspirate_create",
    "collection_time",
    "container_discard",
    "container_for_entry",
    "container_for_label",
    "containers_discard_unused",
    "custody_dispatch_aspirate",
    "custody_receive_aspirate",
    "custody_return_to_lab",
    "custody_scan",
    "din_allocate",
    "expiry_for",
    "hold_hours",
    "is_expired",
    "label_read",
    "late_result_add",
    "receiver_confirm",
    "require_at",
    "run_record",
    "run_release",
    "times_check",
]
