"""Interactive demos for the lessons: one module per lesson.

Each module has *pure* functions (tested directly in ``tests/``) and thin ``ipywidgets`` shells
that only wire sliders to those functions and draw the result. Widget callbacks never fire in a
headless test run, so nothing a widget shows is computed only inside a callback.
"""
