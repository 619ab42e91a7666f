"""Buggy copies of the reference solutions, one per mistake a grader claims to name."""
