"""The demo clinic: synthetic, deterministic data for a first run and for browser tests.

It sits above the product apps and no product app imports it: each app's data is seeded
by a module here (`intake.py`, `procedures.py`, `outcomes.py`), listed in `loader.STEPS`.
"""
