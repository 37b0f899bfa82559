"""Classroom grading: sandboxed execution, trusted judging, gradebooks, feedback, reports."""
