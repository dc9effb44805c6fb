"""What shapes a design's results, written in OUT and checked on every rerun."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from common.atomic import atomic_write
from common.errors import StudyError
from study.config import RunConfig
from study.data.dataset import Dataset
from study.design.rounds import Schedule

__all__ = ["SETTINGS_FILE", "DesignError", "check_settings", "design_settings"]

#: The settings' file in OUT.
SETTINGS_FILE = "design-settings.json"


class DesignError(StudyError, ValueError):
    """The design cannot start: its output holds another design's results."""


def design_settings(pool: Dataset, config: RunConfig, schedule: Schedule, methods) -> dict:
    """Collect what shapes a design's results: its schedule, each method's options, the data."""
    options = {m: config.applying_to(m) for m in methods}
    return {
        "schedule": asdict(schedule),
        "options": options,
        "data_sha256": pool.sha256,
        "features": list(pool.features),
        "pool": len(pool.train),
    }


def check_settings(out: Path, settings: dict) -> dict:
    """Write the design's settings, or refuse an output that holds another design's.

    Returns the settings written: these, with the options of methods that only an
    earlier run of the design ran.
    """
    path = out / SETTINGS_FILE
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
        stored_options = stored.get("options", {})
        differ = [
            k
            for k in ("schedule", "data_sha256", "features", "pool")
            if stored.get(k) != settings[k]
        ]
        differ += [
            m
            for m in settings["options"]
            if m in stored_options and stored_options[m] != settings["options"][m]
        ]
        if differ:
            raise DesignError(
                f"{path}: the design in {out} was run with other settings ({', '.join(differ)} "
                "differ); choose another --out or remove it"
            )
        settings = {**stored, "options": stored_options | settings["options"]}
    atomic_write(path, json.dumps(settings, indent=2, sort_keys=True))
    return settings
