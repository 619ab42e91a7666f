"""dlgrade: auto-graded deep-learning exercises, checked against PyTorch.

Layers, each a folder; imports point down only (tests/test_layers.py checks it):

- top: ``cli``, ``pytest_plugin``, ``registry`` (the only place that lists topics), ``gradcheck`` (a student tool);
- ``grading``: the grader, submission intake, the parallel batch, gradebook, reports, Gradescope;
- ``topics``: one module of check declarations per topic, built on the core;
- ``core``: checks and their context, inputs, oracle, comparison, diagnoses, verdicts, speed limits;
- ``execution``: the executor interface, loading, values, in-process execution, the sandbox.
"""
__version__ = "0.1.0"
