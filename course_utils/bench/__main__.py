"""Dispatch ``python -m course_utils.bench SUBCOMMAND [options]``."""

from __future__ import annotations

import importlib
import sys

from course_utils.bench import SUBCOMMANDS


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in SUBCOMMANDS:
        names = ", ".join(sorted(SUBCOMMANDS))
        print(f"usage: python -m course_utils.bench {{{names}}} [options]", file=sys.stderr)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module = importlib.import_module(SUBCOMMANDS[argv[0]])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
