"""What grading produces: one :class:`NotebookGrade` per collected notebook, made of one
:class:`ExerciseGrade` per exercise. Exports, feedback files and the teacher's report are
built from these objects only (never from a learner's process)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CORRECT = "correct"
NOT_YET = "not yet"
NOT_ATTEMPTED = "not attempted"
ERROR = "error in your code"
OUTCOMES = (CORRECT, NOT_YET, NOT_ATTEMPTED, ERROR)


@dataclass(frozen=True)
class ExerciseGrade:
    """The grade of one exercise of one notebook.

    label: the exercise, e.g. ``"q2"``; outcome: one of :data:`OUTCOMES`; message: the same
    teaching message the notebook's check shows; details: its extra lines (failing case,
    error sizes); cell: the 1-based number of the cell (all cells counted, as JupyterLab shows
    them) that defines the answer, and cell_line its first line; score / max_score: points.
    """

    label: str
    outcome: str
    message: str = ""
    details: tuple[str, ...] = ()
    cell: int | None = None
    cell_line: str = ""
    score: float = 0.0
    max_score: float = 1.0


@dataclass
class NotebookGrade:
    """The grade of one collected notebook.

    path: the submitted file; student: the student id (from the submission layout);
    exercise_set: module name (``"ex03_im2col"``) or None if unknown; exercises: in the set's
    order; notes: things the teacher should know (statements that failed, a sandbox warning);
    error: why the notebook could not be graded normally (unreadable file, syntax error, time
    limit, crash), else None -- its exercises then count as errors or zero.
    """

    path: Path
    student: str
    exercise_set: str | None
    exercises: list[ExerciseGrade] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    @property
    def correct(self) -> int:
        return sum(e.outcome == CORRECT for e in self.exercises)

    @property
    def total(self) -> int:
        return len(self.exercises)

    def exercise(self, label: str) -> ExerciseGrade | None:
        return next((e for e in self.exercises if e.label == label), None)
