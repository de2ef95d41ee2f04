#!/usr/bin/env python
"""Django's manage.py; `marrowtrack` (the console script) does the same."""

from marrowtrack.__main__ import main

if __name__ == "__main__":
    main()
