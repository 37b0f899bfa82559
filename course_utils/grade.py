"""``python -m course_utils.grade``: the classroom grader (see :mod:`course_utils.grading.cli`)."""

from course_utils.grading.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
