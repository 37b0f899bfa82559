"""``python -m course_utils.inpainting {train,evaluate} ...``."""

from __future__ import annotations

import sys

USAGE = "usage: python -m course_utils.inpainting {train,evaluate} [options] (-h for help)"


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the ``train`` or ``evaluate`` sub-command."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "train":
        from .train_cli import main as run
    elif command == "evaluate":
        from .evaluate import main as run
    else:
        print(f"unknown command {command!r}\n{USAGE}", file=sys.stderr)
        return 2
    return run(rest)


if __name__ == "__main__":
    sys.exit(main())
