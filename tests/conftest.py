"""Shared test configuration: hypothesis profiles and tolerances.

Profiles: ``ci`` (default, quick, derandomized so that a run is repeatable) and
``thorough`` (random, many examples; select with ``HYPOTHESIS_PROFILE=thorough``).
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
