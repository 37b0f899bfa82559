"""The one list of the course's lessons.

Every place that names the lessons reads :data:`LESSONS`: the course map in the welcome
notebook, the exercise sets the grader knows, the tests. Where a list is prose (the README's
lesson map, the welcome notebook's introduction, a lesson's prerequisites and time), a test
compares it with this table and names what differs. Adding a lesson means one entry here, its
three notebooks and its exercise set; ``tests/test_lessons.py`` says which of them is missing.

For a lesson ``NN_name`` the files are:

* ``notebooks/<stem>.ipynb``: the lesson;
* ``course_utils/exercise_sets/<exercise_set>``: its checks (``exNN_<name>``), whose notebooks
  are ``solutions/<exercise_stem>.ipynb`` and ``exercises/<exercise_stem>.ipynb`` (generated
  from the solutions by ``python -m course_utils.build_exercises``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LESSONS", "Lesson", "exercise_set_names", "lesson"]


@dataclass(frozen=True)
class Lesson:
    """One lesson.

    number: two digits, ``"03"``; stem: the lesson notebook's file stem, ``"03_im2col"``;
    title: as the course map and the README show it; topic: the short name prose uses for it
    (``"im2col"``); exercise_set: the module name in ``course_utils.exercise_sets``
    (``"ex03_im2col"``), or None for a lesson without exercises; prerequisites: the numbers of
    the lessons to do first; minutes: the estimated time, lesson and exercises together.
    """

    number: str
    stem: str
    title: str
    topic: str
    exercise_set: str | None
    prerequisites: tuple[str, ...]
    minutes: int

    @property
    def notebook(self) -> str:
        """The lesson notebook, relative to the repository: ``notebooks/03_im2col.ipynb``."""
        return f"notebooks/{self.stem}.ipynb"

    @property
    def exercise_stem(self) -> str | None:
        """The exercise notebooks' file stem: ``ex03_im2col`` -> ``03_im2col``."""
        return None if self.exercise_set is None else self.exercise_set.removeprefix("ex")

    def exercise_notebook(self, folder: str) -> str | None:
        """``folder/<exercise_stem>.ipynb`` (``folder`` is ``"exercises"`` or ``"solutions"``),
        relative to the repository; None for a lesson without exercises."""
        stem = self.exercise_stem
        return None if stem is None else f"{folder}/{stem}.ipynb"


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "00",
        "00_welcome",
        "Welcome and warm-up: output sizes, a first correlation",
        "welcome",
        "ex00_warmup",
        (),
        20,
    ),
    Lesson(
        "01",
        "01_direct_convolution",
        "Direct convolution: loops, vectorised, stride/padding/dilation",
        "direct",
        "ex01_direct_convolution",
        ("00",),
        60,
    ),
    Lesson(
        "02",
        "02_fft_convolution",
        "FFT convolution: the convolution theorem, padding, crossover",
        "FFT",
        "ex02_fft_convolution",
        ("00", "01"),
        60,
    ),
    Lesson(
        "03",
        "03_im2col",
        "im2col: patches as columns, one GEMM",
        "im2col",
        "ex03_im2col",
        ("00", "01"),
        60,
    ),
    Lesson(
        "04",
        "04_unfold_and_fold",
        "nn.Unfold and fold: gradients, patches as kernels",
        "unfold",
        "ex04_unfold_and_fold",
        ("01", "03"),
        60,
    ),
    Lesson(
        "05",
        "05_winograd",
        "Winograd: fewer multiplications, F(2×2,3×3) and F(4×4,3×3)",
        "Winograd",
        "ex05_winograd",
        ("01", "03"),
        75,
    ),
    Lesson(
        "06",
        "06_shootout",
        "The shootout: every method, measured",
        "shootout",
        "ex06_shootout",
        ("01", "02", "03", "04", "05"),
        45,
    ),
    Lesson(
        "07",
        "07_contextual_attention",
        "Contextual attention: matching, masked softmax, pasting patches back",
        "contextual attention",
        "ex07_contextual_attention",
        ("04", "06"),
        60,
    ),
    Lesson(
        "08",
        "08_inpainting_gan",
        "A DeepFill-style inpainting GAN on a CPU",
        "inpainting",
        "ex08_inpainting_gan",
        ("04", "07"),
        90,
    ),
)


def lesson(number: str) -> Lesson:
    """The lesson numbered ``number`` (``"03"``); KeyError if there is none."""
    for entry in LESSONS:
        if entry.number == number:
            return entry
    raise KeyError(f"no lesson {number!r} in course_utils.lessons.LESSONS")


def exercise_set_names() -> tuple[str, ...]:
    """The exercise sets' module names in lesson order (``ex00_warmup``, ``ex01_...``)."""
    return tuple(entry.exercise_set for entry in LESSONS if entry.exercise_set is not None)
