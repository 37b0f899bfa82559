"""The thread-pool interference benchmark runs and reports every case (no timing asserted)."""

from __future__ import annotations

import json

from course_utils import WAIT_POLICY_ENV
from course_utils.bench import interference


def test_cases_compare_library_defaults_with_sleeping_idle_threads() -> None:
    spinning, sleeping = interference.CASES.values()
    assert spinning == dict.fromkeys(WAIT_POLICY_ENV)  # removed: the libraries' defaults
    assert sleeping == WAIT_POLICY_ENV


def test_quick_run_reports_alone_and_alternating_times(capsys) -> None:
    assert interference.main(["--quick", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert list(results) == list(interference.CASES)
    for timings in results.values():
        for kind in ("alone", "alternating"):
            assert set(timings[kind]) == {"numpy matmul", "torch conv2d"}
            assert all(ms > 0 for ms in timings[kind].values())
    table = interference.format_results(results)
    assert len(table.splitlines()) == 2 + 4 and "slow-down" in table
