"""Interactive demos for the lessons: one module per lesson.

Each module has *pure* functions (the computations live in :mod:`course_utils.demos`; all are
tested directly in ``tests/``) and a widget built on :class:`.shell.WidgetShell`, which only
wires controls to a pure drawing function, redraws once per change and keeps a PNG of the
default drawing for viewers without widgets. Widget callbacks never fire in a
headless test run, so nothing a widget shows is computed only inside a callback.
"""
