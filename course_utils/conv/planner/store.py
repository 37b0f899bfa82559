"""Remembered plans: a :class:`PlanStore` keyed by layer, methods, thread count and CPU,
kept in memory and, when asked, in a JSON file (like FFTW's "wisdom").

A plan measured on one machine says little about another, so the key holds the CPU's
name as well as the layer's shapes, dtype and the number of threads. The file is plain
JSON (``{"version": 1, "plans": {key: record}}``); a file that cannot be read as one
raises ``ValueError`` saying so, and saving writes a temporary file first and renames it,
so a plan file is never left half written.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from course_utils.conv.layers import LayerShape

__all__ = ["PLAN_FILE_VERSION", "PlanStore", "cpu_name", "plan_key"]

PLAN_FILE_VERSION = 1


@lru_cache(maxsize=1)
def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else the platform's word."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def plan_key(layer: LayerShape, methods: tuple[str, ...], threads: int) -> str:
    """``"8x128x28x28*128x128x3x3 s1 p1 float32 | winograd,im2col | 2 threads | CPU"``."""
    x, w = "x".join(map(str, layer.x_shape)), "x".join(map(str, layer.w_shape))
    return (
        f"{x}*{w} s{layer.stride} p{layer.padding} {layer.dtype} | {','.join(methods)} | "
        f"{threads} threads | {cpu_name()}"
    )


class PlanStore:
    """Plans by key (records as :meth:`course_utils.conv.ConvPlan.to_json` writes them)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.records)

    def get(self, key: str) -> dict[str, Any] | None:
        return self.records.get(key)

    def put(self, key: str, record: dict[str, Any]) -> None:
        self.records[key] = record

    def clear(self) -> None:
        self.records.clear()

    def save(self, path: str | os.PathLike) -> Path:
        """Write every plan to ``path`` (JSON), atomically; returns the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": PLAN_FILE_VERSION, "plans": self.records}, indent=1)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".plans-", suffix=".tmp")
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.replace(temporary, target)
        return target

    def load(self, path: str | os.PathLike) -> int:
        """Add the plans of the file ``path`` (they replace plans of the same key);
        returns how many it held. ``ValueError`` if it is not a plan file."""
        source = Path(path)
        try:
            data = json.loads(source.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"cannot read plans from {source}: {error}") from None
        if not isinstance(data, dict) or data.get("version") != PLAN_FILE_VERSION:
            raise ValueError(f"{source} is not a plan file of version {PLAN_FILE_VERSION}")
        plans = data.get("plans")
        if not isinstance(plans, dict):
            raise ValueError(f"{source} has no 'plans' mapping")
        self.records.update(plans)
        return len(plans)
