"""Your exercises: fill in each function, then run `pytest exercises` or `dlgrade check <topic>`."""
