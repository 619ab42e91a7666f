"""Every graded function's stub shows a worked example (input -> output) in its docstring's Examples section,
which `dlgrade practice` prints with the statement and the notebooks show; each example is true: it runs as a
doctest against the reference solution and must print exactly what the stub says."""
import doctest
import importlib

import pytest

from dlgrade.registry import available_topics, load_topic

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("topic", available_topics())
def test_every_function_has_an_example_that_the_reference_reproduces(topic):
    stub = importlib.import_module(f"exercises.{topic}")
    reference = importlib.import_module(f"solutions.{topic}")
    parser, report = doctest.DocTestParser(), []
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    for name in load_topic(topic).functions:
        docstring = getattr(stub, name).__doc__ or ""
        example = parser.get_doctest(docstring, dict(vars(reference)), f"{topic}.{name}", stub.__file__, 0)
        if not example.examples:
            report.append(f"{name}: no example in its docstring")
            continue
        assert "Examples\n    --------" in docstring, f"{name}: the example belongs in an Examples section"
        runner.run(example, out=report.append)
    assert not report, "\n".join(report)


def test_a_wrong_example_is_caught():
    """The check above can fail: the same runner on an example whose printed output is wrong."""
    wrong = doctest.DocTestParser().get_doctest(">>> 1 + 1\n3\n", {}, "wrong", None, 0)
    report = []
    result = doctest.DocTestRunner(optionflags=FLAGS).run(wrong, out=report.append)
    assert result.failed == 1 and report
