"""Find an optional module (e.g. `permissions`, `navigation`) in each of our apps.

Apps plug their role permissions and navigation items in without editing the
shared tables, in INSTALLED_APPS order.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> list[ModuleType]:
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("marrowtrack."):
            continue
        dotted = f"{config.name}.{name}"
        if find_spec(dotted) is not None:
            modules.append(import_module(dotted))
    return modules
