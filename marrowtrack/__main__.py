"""`marrowtrack` console script: the project's commands plus Django's management commands."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["marrowtrack", *argv])
    args[0] = "marrowtrack"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
