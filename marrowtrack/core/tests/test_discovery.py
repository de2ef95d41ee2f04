"""Each app's optional modules are found once, not on every page (issue 17)."""

from __future__ import annotations

from marrowtrack.core import discovery


def test_app_modules_searches_the_apps_once(monkeypatch) -> None:
    discovery._app_modules.cache_clear()
    searched: list[str] = []
    find_spec = discovery.find_spec

    def counting(name: str):
        searched.append(name)
        return find_spec(name)

    monkeypatch.setattr(discovery, "find_spec", counting)
    first = discovery.app_modules("navigation")
    after_first = len(searched)
    assert discovery.app_modules("navigation") == first
    assert after_first > 0 and len(searched) == after_first
    assert "marrowtrack.web.navigation" in [module.__name__ for module in first]
