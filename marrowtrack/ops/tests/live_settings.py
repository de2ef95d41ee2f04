"""Settings for a gunicorn server started by a test: production's, with plain static files
(the tests do not run collectstatic)."""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
