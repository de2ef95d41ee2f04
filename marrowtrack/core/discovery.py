"""Find an optional module (e.g. `permissions`, `navigation`) in each of our apps.

Apps plug their role permissions and navigation items in without editing the
shared tables, in INSTALLED_APPS order.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> list[ModuleType]:
    app_names = tuple(config.name for config in apps.get_app_configs())
    return list(_app_modules(name, app_names))


@cache
def _app_modules(name: str, app_names: tuple[str, ...]) -> tuple[ModuleType, ...]:
    # Once per set of apps: the navigation and the record's panels ask on every page, and
    # `find_spec` searched the file system for each app without the module (6 % of a
    # record page's CPU, docs/performance.md).
    modules = []
    for app_name in app_names:
        if not app_name.startswith("marrowtrack."):
            continue
        dotted = f"{app_name}.{name}"
        if find_spec(dotted) is not None:
            modules.append(import_module(dotted))
    return tuple(modules)
