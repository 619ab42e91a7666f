"""The loop behind `dlgrade check --watch`: regrade what a student's save touched, until Ctrl-C."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import watchfiles

if TYPE_CHECKING:
    from rich.console import Console

EXIT_STOPPED, EXIT_FOLDER_GONE = 0, 2

# With no changes the watcher still wakes this often: the first wake-up runs the initial grade (so the
# watcher already exists and a save made during that grade is not missed), later ones notice a deleted folder.
IDLE_WAKEUP_MS = 250


def is_source_file(path: Path) -> bool:
    """A .py a student edits, not a cache or an editor's lock/backup/swap file (`.#x.py`, `x.py~`, `.x.py.swp`, `4913`)."""
    hidden = any(part.startswith(".") for part in path.parts)  # .#x.py, .x.py.swp, .hypothesis/, .git/, .venv/
    return (path.suffix == ".py" and not hidden and "__pycache__" not in path.parts
            and not path.name.startswith("flycheck_"))  # emacs flycheck writes flycheck_x.py next to x.py


def relative_to_folder(path: str | Path, folder: Path) -> Path:
    """`path` below `folder`; the watcher may report it through the folder's resolved path (macOS's /private/var)."""
    path = Path(path)
    for root in (folder, folder.resolve()):
        try:
            return path.relative_to(root)
        except ValueError:
            pass
    return Path(path.name)


def changed_topics(changed: Iterable[Path], topics: Sequence[str]) -> list[str]:
    """The topics to regrade for these changed source files (relative to the folder), in `topics`' order.

    A top-level `<topic>.py` is that topic; any other .py is a helper some topic may import, so all of them.
    """
    stems = set()
    for path in filter(is_source_file, changed):
        if len(path.parts) == 1 and path.stem in topics:
            stems.add(path.stem)
        else:
            return list(topics)
    return [topic for topic in topics if topic in stems]


def watch(folder: Path, topics: Sequence[str], regrade: Callable[[list[str]], object], *, console: Console,
          stop_event=None, clear: bool | None = None, debounce_ms: int = 300) -> int:
    """Grade `topics` once, then regrade the ones each batch of saves in `folder` touches.

    `regrade(names)` grades and prints; what it raises (SystemExit too) is printed as one line and watching goes on.
    `stop_event` is anything with `is_set()`. `clear` (default: the console is a terminal) clears the screen before
    each regrade; otherwise a rule separates them, so logs stay readable.
    Returns 0 once `stop_event` is set or on Ctrl-C, 2 when `folder` is (or becomes) missing.
    """
    folder = Path(folder).absolute()
    topics = list(topics)
    clear = console.is_terminal if clear is None else clear
    if not folder.is_dir():
        _say(console, f"cannot watch {folder}: no such folder", "bold red")
        return EXIT_FOLDER_GONE

    def keep(_change, path: str) -> bool:
        return is_source_file(relative_to_folder(path, folder))

    graded_once = False
    try:
        for changes in watchfiles.watch(folder, watch_filter=keep, debounce=debounce_ms, stop_event=stop_event,
                                        rust_timeout=IDLE_WAKEUP_MS, yield_on_timeout=True):
            if not folder.is_dir():
                return _folder_gone(console, folder)
            if not graded_once:  # a save already in this batch is covered by grading everything
                graded_once = True
                _run(regrade, topics, console)
                continue
            changed = sorted({relative_to_folder(path, folder) for _change, path in changes})
            names = changed_topics(changed, topics)
            if not names:  # an idle wake-up
                continue
            if clear:
                console.clear()
            else:
                console.rule(time.strftime("%H:%M:%S"))
            _say(console, f"changed: {_list(p.as_posix() for p in changed)} -> regrading {', '.join(names)}"
                          "  (Ctrl-C stops)", "bold")
            _run(regrade, names, console)
    except KeyboardInterrupt:
        pass
    except (OSError, RuntimeError) as error:  # the watcher itself failed, typically because the folder went away
        if not folder.is_dir():
            return _folder_gone(console, folder)
        _say(console, f"watching {folder} failed: {_one_line(error)}", "bold red")
        return EXIT_FOLDER_GONE
    _say(console, "stopped watching")
    return EXIT_STOPPED


def _run(regrade: Callable[[list[str]], object], names: list[str], console: Console) -> None:
    try:
        regrade(names)
    except (Exception, SystemExit) as error:  # noqa: BLE001 -- a bug in grading must not end the session; Ctrl-C still does
        _say(console, f"regrade failed: {_one_line(error)}", "bold red")


def _folder_gone(console: Console, folder: Path) -> int:
    _say(console, f"{folder} no longer exists; stopped watching", "bold red")
    return EXIT_FOLDER_GONE


def _say(console: Console, text: str, style: str | None = None) -> None:
    # markup off: file names and error messages may hold [brackets]; soft_wrap: one line stays one line in logs
    console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


def _one_line(error: BaseException) -> str:
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0]}" if message else type(error).__name__


def _list(names: Iterable[str], most: int = 3) -> str:
    names = list(names)
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"
