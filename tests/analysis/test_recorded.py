"""Today's analyses give the recorded numbers of fixed tiny files (speed-ups change no number)."""

from __future__ import annotations

import json

from tests.analysis.recorded import RECORD, compare, numbers


def test_every_analysis_number_is_as_recorded():
    recorded = json.loads(RECORD.read_text())
    problems = compare(recorded, numbers())
    assert not problems, f"{len(problems)} numbers changed:\n" + "\n".join(problems[:20])


def test_the_comparison_sees_a_changed_number():
    recorded = json.loads(RECORD.read_text())
    changed = dict(recorded)
    key = next(k for k, v in recorded.items() if isinstance(v, list) and isinstance(v[0], float))
    changed[key] = [v * (1 + 1e-8) + 1e-9 for v in recorded[key]]
    assert compare(recorded, changed) == [f"{key}: {recorded[key][0]!r} became {changed[key][0]!r}"]
