"""The computations behind the lesson figures and widgets, one module per lesson topic.

The widget modules (:mod:`course_utils.widgets`) only draw and wire controls; everything they
show is computed here, by pure functions tested in ``tests/test_demos_*.py``.
"""
