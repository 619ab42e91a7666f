"""Verdicts' figures (``Verdict.figure``) drawn as PNG files for a student's feedback folder, with matplotlib
when it is installed (``pip install "dlgrade[plot]"``); without it the text picture in the message stays."""
from __future__ import annotations

import os
import tempfile

from ..core.verdicts import Verdict


ARROWS = {"^": "\u2191", ">": "\u2192", "v": "\u2193", "<": "\u2190"}  # the text picture's arrows, drawn


def plotting_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def figure_file_name(verdict: Verdict) -> str:
    return f"figure-{verdict.function}-{verdict.check}.png"


def save_png(figure: dict, path) -> bool:
    """Draw ``figure`` into ``path`` (written whole or not at all); False when matplotlib is missing."""
    if not plotting_available():
        return False
    import matplotlib

    matplotlib.use("Agg", force=True)  # files only: never a window, whatever the user's backend
    import matplotlib.pyplot as plt
    import numpy as np

    panels = figure["panels"]
    rows, columns = len(panels[0]["cells"]), len(panels[0]["cells"][0])
    fig, axes = plt.subplots(len(panels), 1, figsize=(0.55 * columns + 1.6, (0.55 * rows + 0.8) * len(panels)),
                             squeeze=False)
    values = [np.array([[np.nan if v is None else v for v in row] for row in p.get("values") or
                        [[None] * columns] * rows], dtype=float) for p in panels]
    known = np.concatenate([v[np.isfinite(v)] for v in values] + [np.zeros(1)])
    low, high = float(known.min()), float(known.max())
    colours = matplotlib.colormaps["viridis"].with_extremes(bad="lightgray")  # cells without a value: labels
    for ax, panel, grid in zip(axes[:, 0], panels, values):
        image = ax.imshow(grid, cmap=colours, vmin=low, vmax=high if high > low else low + 1)
        for r, row in enumerate(panel["cells"]):
            for c, cell in enumerate(row):
                dark = np.isfinite(grid[r, c]) and grid[r, c] < (low + high) / 2
                colour = "white" if dark else "black"
                ax.text(c, r - 0.12, ARROWS.get(cell, cell), ha="center", va="center", fontsize=13, color=colour,
                        fontweight="bold")
                if np.isfinite(grid[r, c]):
                    ax.text(c, r + 0.3, f"{grid[r, c]:.3g}", ha="center", va="center", fontsize=6.5, color=colour)
        ax.set_title(panel["title"], fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(image, ax=ax, fraction=0.025, pad=0.02, label="value")
    fig.suptitle(figure.get("title", ""), fontsize=11)
    fig.tight_layout()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".png")
    try:
        with os.fdopen(fd, "wb") as handle:
            fig.savefig(handle, format="png", dpi=100)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        plt.close(fig)
    return True
