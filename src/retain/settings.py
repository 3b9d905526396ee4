"""The settings a collection keeps, and their defaults (see `retain config`)."""

from __future__ import annotations

from typing import Any

DEFAULT_NEW_PER_DAY = 20
DEFAULT_SETTINGS: dict[str, Any] = {
    "new_per_day": DEFAULT_NEW_PER_DAY,
    "desired_retention": 0.9,
    "day_start_hour": 4,
    # The 21 FSRS-6 parameters; empty: FSRS-6's defaults.
    "fsrs_parameters": [],
}
