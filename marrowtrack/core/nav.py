"""One link of the main navigation. Each app lists its own in ``<app>/navigation.py``
(``NAV_ITEMS``); ``web.navigation`` collects them and shows each to the roles holding its
permission. It lives in core so that apps declare links without importing ``web``, the
top layer (docs/decisions/0006-one-way-app-layers.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None
    section: str
    # Reached less often: under "More" when a role has too many links for one row.
    secondary: bool = False
