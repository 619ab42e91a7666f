"""Vectorized conv layers in the styles students write (tests/speed_styles/<style>/conv.py) pass every check of
the conv topic: correctness and all six performance limits."""
import pathlib

import pytest

from tests.support import grade

STYLES = pathlib.Path(__file__).parent / "speed_styles"
STYLE_NAMES = ["im2col", "stride_tricks", "einsum", "kernel_offsets"]


def test_every_style_folder_is_tested():
    assert sorted(p.name for p in STYLES.iterdir() if (p / "conv.py").is_file()) == sorted(STYLE_NAMES)


@pytest.mark.parametrize("style", STYLE_NAMES)
def test_style_passes_every_conv_check(style):
    verdicts = grade(STYLES / style, "conv")
    assert sum(cid.endswith("::fast_enough") for cid in verdicts) == 6
    assert {cid: v.message for cid, v in verdicts.items() if not v.passed} == {}
