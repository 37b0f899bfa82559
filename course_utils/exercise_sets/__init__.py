"""One module per exercise notebook: ``exNN_<name>`` checks ``exercises/NN_<name>.ipynb``.

Each module defines its problems and an :class:`~course_utils.checks.ExerciseSet`; the notebook's
set-up cell calls its ``setup(globals())``.
"""
