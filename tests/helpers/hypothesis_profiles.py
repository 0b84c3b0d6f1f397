"""Hypothesis settings shared by the property tests.

A test that renders a PDF per example costs 50-200 ms an example: shrinking a
failure can take Hypothesis' full five-minute budget. Those tests skip the
shrink phase: a failure is reported at once with the example that failed
(and its reproduction blob).
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

RENDERING = settings(
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
