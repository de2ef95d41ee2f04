"""No patient data in the logs: load the demo, serve it with gunicorn, tour it as every demo
user (pages, searches by name and MRN, the API, a mistyped address, a name typed as a user
name), then search everything that was logged for every demo patient's name and MRN."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from urllib.parse import urljoin, urlsplit

import requests

from marrowtrack.ops.server import Server
from marrowtrack.ops.tests.conftest import DemoSite, Site

DEMO_USERS = ("desk", "nurse", "doctor", "lab", "admin", "research", "northgate_nurse")
PASSWORD = "marrowtrack-demo"  # noqa: S105 - the demo's documented password
PAGES_PER_USER = 15
SKIP = re.compile(r"logout|\.pdf$|^/static/|^/django-admin/|^/metrics|/link/$")


def _patients(site: Site) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(site.database)) as db:
        return db.execute("SELECT family_name, given_name, mrn FROM patients_patient").fetchall()


def _login(server: Server, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{server.url}/accounts/login/", timeout=30)
    token = session.cookies["csrftoken"]
    answer = session.post(
        f"{server.url}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{server.url}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, f"{username} could not log in"
    return session


def _tour(server: Server, session: requests.Session) -> int:
    """Breadth-first over the links a user sees, GET only, a bounded number of pages."""
    queue, seen = ["/"], set()
    while queue and len(seen) < PAGES_PER_USER:
        path = queue.pop(0)
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        page = session.get(urljoin(server.url, path), timeout=60)
        assert page.status_code < 500, (path, page.status_code)
        for link in re.findall(r'href="(/[^"#]*)"', page.text):
            if urlsplit(link).path not in seen:
                queue.append(link.replace("&amp;", "&"))
    return len(seen)


def _searches_and_mistakes(server: Server, patients: list[tuple[str, str, str]]) -> None:
    desk = _login(server, "desk")
    token = requests.post(
        f"{server.url}/api/v1/auth/token",
        json={"username": "desk", "password": PASSWORD},
        timeout=30,
    ).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    for family, given, mrn in patients[:4]:
        for query in (family, f"{family} {given}", mrn):
            assert desk.get(f"{server.url}/patients/", params={"q": query}, timeout=30).ok
            api = requests.get(
                f"{server.url}/api/v1/patients/", params={"q": query}, headers=bearer, timeout=30
            )
            assert api.ok
        desk.get(f"{server.url}/patients/{family}-{given}/", timeout=30)  # a mistyped address
        requests.post(  # a patient's name typed as a user name
            f"{server.url}/api/v1/auth/token",
            json={"username": f"{given} {family}", "password": "wrong"},
            timeout=30,
        )


def test_no_patient_name_or_mrn_reaches_the_logs(demo_site: DemoSite, site_copy: Site) -> None:
    patients = _patients(site_copy)
    assert len(patients) >= 5
    server = site_copy.server("tour.log").start()
    try:
        toured = sum(_tour(server, _login(server, user)) for user in DEMO_USERS)
        _searches_and_mistakes(server, patients)
    finally:
        server.stop()
    logged = demo_site.load_output + (site_copy.root / "tour.log").read_text()
    assert toured > 3 * len(DEMO_USERS) and '"message": "request"' in logged
    found = sorted(
        {
            value
            for row in patients
            for value in row
            if re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", logged)
        }
    )
    assert found == [], f"patient data in the logs: {found}"
