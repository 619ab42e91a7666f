"""Execution of student code: the executor interface (executor.py), loading a folder as a package
(loading.py), the values that cross the seam (values.py), in-process execution (inprocess.py) and the
sandbox (sandbox.py, its child sandbox_child.py and the wire format wire.py). Nothing here knows a topic,
a check or a verdict."""
