"""Grading: the grader (checks of topics against an implementation, with the reference for speed limits),
submission intake, the parallel batch with resume records, the gradebook and summary, reports and Gradescope."""
