"""Reference implementations of every exercise (numpy only)."""
