"""The exercise contract (CONTRACT.md), frozen.

FROZEN below is a literal copy of every contract function's signature, topic by
topic. Names, parameter order, parameter kinds and defaults are frozen: a change
to any of them is a breaking change for students, instructors' hidden tests and
outside tools, so it must be made here, in CONTRACT.md and in both exercises/
and solutions/ at once, on purpose.

The source is read with ``ast`` only: nothing is imported (solutions import
sibling modules, and none of this needs numpy or torch).
"""
import ast
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FOLDERS = ("exercises", "solutions")
CONTRACT_PAGE = ROOT / "CONTRACT.md"
NOT_TOPICS = {"__init__", "conftest"}  # modules of exercises/ and solutions/ that are not topics

# topic -> {function: its parameter list, as written in a def}. Written out by hand; never computed.
FROZEN = {
    "perceptron": {
        "step": "z",
        "perceptron_predict": "X, w, b",
        "perceptron_train": "X, y, lr=1.0, max_epochs=100",
    },
    "activations": {
        "sigmoid_forward": "x",
        "sigmoid_backward": "dout, cache",
        "tanh_forward": "x",
        "tanh_backward": "dout, cache",
        "relu_forward": "x",
        "relu_backward": "dout, cache",
        "elu_forward": "x, alpha=1.0",
        "elu_backward": "dout, cache",
    },
    "losses": {
        "softmax": "x",
        "log_softmax": "x",
        "softmax_cross_entropy": "logits, y",
        "mse_loss": "pred, target",
    },
    "mlp": {
        "affine_forward": "x, w, b",
        "affine_backward": "dout, cache",
        "init_mlp": "layer_sizes, rng",
        "mlp_forward": "x, params, activation='relu'",
        "mlp_backward": "dscores, cache",
        "mlp_loss": "x, y, params, activation='relu'",
    },
    "optim": {
        "minibatches": "n, batch_size, rng=None, shuffle=True, drop_last=False",
        "sgd": "w, dw, lr",
        "sgd_momentum": "w, dw, state, lr, momentum=0.9",
        "adam": "w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0",
        "fit_mlp": "X, y, hidden_sizes, epochs, batch_size, lr, rng",
    },
    "dropout": {
        "dropout_forward": "x, p, train, rng",
        "dropout_backward": "dout, cache",
    },
    "batchnorm": {
        "batchnorm_forward": "x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5",
        "batchnorm_backward": "dout, cache",
        "spatial_batchnorm_forward": "x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5",
        "spatial_batchnorm_backward": "dout, cache",
    },
    "conv": {
        "conv2d_forward": "x, w, b, stride=1, padding=0",
        "conv2d_backward": "dout, cache",
        "max_pool2d_forward": "x, kernel_size, stride=None",
        "max_pool2d_backward": "dout, cache",
        "avg_pool2d_forward": "x, kernel_size, stride=None",
        "avg_pool2d_backward": "dout, cache",
        "flatten_forward": "x",
        "flatten_backward": "dout, cache",
    },
    "rnn": {
        "rnn_step_forward": "x, h_prev, Wx, Wh, b",
        "rnn_step_backward": "dh_next, cache",
        "rnn_forward": "x, h0, Wx, Wh, b",
        "rnn_backward": "dh, cache",
    },
    "lstm": {
        "lstm_step_forward": "x, h_prev, c_prev, Wx, Wh, b",
        "lstm_step_backward": "dh_next, dc_next, cache",
        "lstm_forward": "x, h0, Wx, Wh, b, c0=None",
        "lstm_backward": "dh, cache",
        "gru_step_forward": "x, h_prev, Wx, Wh, bx, bh",
    },
    "rl": {
        "discounted_returns": "rewards, gamma",
        "value_iteration": "P, n_states, n_actions, gamma, theta=1e-10",
        "policy_evaluation": "P, policy, n_states, gamma, theta=1e-10",
        "mc_prediction": "episodes, n_states, gamma, first_visit=True",
        "td0_update": "V, s, r, s_next, terminated, alpha, gamma",
        "sarsa_update": "Q, s, a, r, s_next, a_next, terminated, alpha, gamma",
        "q_learning_update": "Q, s, a, r, s_next, terminated, alpha, gamma",
        "epsilon_greedy": "q_values, epsilon, rng",
        "q_learning": "env, n_episodes, alpha, gamma, epsilon, rng",
        "sarsa": "env, n_episodes, alpha, gamma, epsilon, rng",
        "dqn_targets": "rewards, next_q, terminated, gamma",
        "dqn_loss": "q, actions, targets",
    },
    "gan": {
        "bce_with_logits": "logits, targets",
        "discriminator_loss": "logits_real, logits_fake",
        "generator_loss": "logits_fake",
        "generator_loss_minimax": "logits_fake",
    },
}
TOPICS = list(FROZEN)


# ---------------------------------------------------------------- signatures

def _default(node):
    """A default as a comparable value: (type, value) for literals (1e-3 == 0.001, 1 != 1.0), else its source."""
    if node is None:
        return None
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return ("source", ast.unparse(node))
    return (type(value).__name__, value)


def params_of(fn):
    """[(kind, name, default)] of an ast function definition, in order."""
    args = fn.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params = [("positional-only" if i < len(args.posonlyargs) else "positional", a.arg, _default(d))
              for i, (a, d) in enumerate(zip(positional, defaults))]
    if args.vararg:
        params.append(("*args", args.vararg.arg, None))
    params += [("keyword-only", a.arg, _default(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        params.append(("**kwargs", args.kwarg.arg, None))
    return params


def frozen_params(name, text):
    return params_of(ast.parse(f"def {name}({text}): pass").body[0])


def fmt(name, fn):
    """The signature as written in a def, e.g. adam(w, dw, state, lr=0.001, ...)."""
    return f"{name}({ast.unparse(fn.args)})"


def frozen_fmt(topic, name):
    """The frozen signature, written as ast writes the source's (so the two line up in a failure)."""
    return fmt(name, ast.parse(f"def {name}({FROZEN[topic][name]}): pass").body[0])


def module_tree(folder, topic):
    path = ROOT / folder / f"{topic}.py"
    assert path.exists(), f"{folder}/{topic}.py is missing (topic {topic!r} is in the contract)"
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def top_level_functions(tree):
    """[(name, node)] of the module's top-level defs, in source order (duplicates kept)."""
    return [(n.name, n) for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def public_functions(folder, topic):
    return [(name, fn) for name, fn in top_level_functions(module_tree(folder, topic)) if not name.startswith("_")]


def signature_problems(folder, topic):
    """Every way folder/topic.py differs from the frozen table, one readable line each."""
    where = f"{folder}/{topic}.py"
    problems = []
    found = public_functions(folder, topic)
    names = [name for name, _ in found]
    expected = FROZEN[topic]
    for name in sorted(set(names)):
        if names.count(name) > 1:
            problems.append(f"{where}: {name} is defined {names.count(name)} times")
    for name in expected:
        if name not in names:
            problems.append(f"{where}: missing contract function {name}; expected {frozen_fmt(topic, name)}")
    for name, fn in found:
        if name not in expected:
            problems.append(f"{where}: public function {fmt(name, fn)} is not in the contract "
                            f"(make it private with a leading _ or add it to the contract)")
        elif isinstance(fn, ast.AsyncFunctionDef):
            problems.append(f"{where}: {name} is async; the contract has a plain def {frozen_fmt(topic, name)}")
        elif params_of(fn) != frozen_params(name, expected[name]):
            problems.append(f"{where}: {name} signature differs:\n"
                            f"    expected {frozen_fmt(topic, name)}\n"
                            f"    found    {fmt(name, fn)}"
                            + _first_difference(params_of(fn), frozen_params(name, expected[name])))
    return problems


def _first_difference(found, expected):
    for i, (f, e) in enumerate(zip(found, expected)):
        if f != e:
            return f"\n    parameter {i + 1}: expected {_describe(e)}, found {_describe(f)}"
    if len(found) != len(expected):
        return f"\n    expected {len(expected)} parameters, found {len(found)}"
    return ""


def _describe(param):
    kind, name, default = param
    shown = "no default" if default is None else f"default {default[1]!r}"
    return f"{kind} {name!r} ({shown})"


# ---------------------------------------------------------------- stubs

def _docstring_and_rest(fn):
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].value.value, body[1:]
    return None, body


def _is_raise_not_implemented(stmt):
    if not isinstance(stmt, ast.Raise) or stmt.cause is not None or stmt.exc is None:
        return False
    exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def is_stub(fn):
    """An optional docstring, then `raise NotImplementedError` only."""
    _, rest = _docstring_and_rest(fn)
    return len(rest) == 1 and _is_raise_not_implemented(rest[0])


def is_stub_like(fn):
    """A stub, or a body that does nothing (pass, ..., or only a docstring)."""
    _, rest = _docstring_and_rest(fn)
    nothing = all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                               and s.value.value is Ellipsis) for s in rest)
    return is_stub(fn) or nothing


# ---------------------------------------------------------------- the contract page

SECTION = re.compile(r"^## ([a-z_][a-z0-9_]*):", re.M)
DEFINED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)\(([^`]*)\)`")


def contract_sections():
    """{topic: text of its '## <topic>: ...' section} of CONTRACT.md (up to the next '## ' heading)."""
    text = CONTRACT_PAGE.read_text(encoding="utf-8")
    sections = {}
    for chunk in re.split(r"^(?=## )", text, flags=re.M):
        head = SECTION.match(chunk)
        if head:
            sections[head.group(1)] = chunk
    return sections


def documented_signatures(section):
    """[(name, params text)] named in the first cell of the section's table rows."""
    found = []
    for line in section.splitlines():
        if line.startswith("| `"):
            found += DEFINED.findall(line.split("|")[1])
    return found


# ---------------------------------------------------------------- tests

@pytest.mark.parametrize("folder", FOLDERS)
def test_the_topic_modules_are_the_contracts_topics(folder):
    present = {p.stem for p in (ROOT / folder).glob("*.py") if p.stem not in NOT_TOPICS}
    missing, extra = sorted(set(TOPICS) - present), sorted(present - set(TOPICS))
    if missing or extra:
        pytest.fail(f"{folder}/: topic modules missing: {missing}; modules not in the contract: {extra}",
                    pytrace=False)


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("folder", FOLDERS)
def test_signatures_are_frozen(folder, topic):
    problems = signature_problems(folder, topic)
    if problems:
        pytest.fail(f"{folder}/{topic}.py does not match the frozen contract:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("topic", TOPICS)
def test_exercises_are_documented_stubs(topic):
    problems = []
    for name, fn in top_level_functions(module_tree("exercises", topic)):
        doc, _ = _docstring_and_rest(fn)
        if not (doc and doc.strip()):
            problems.append(f"exercises/{topic}.py: {name} has no docstring (a stub must say what to build)")
        if not is_stub(fn):
            problems.append(f"exercises/{topic}.py: {name} is not a stub; its body must be an optional "
                            f"docstring then `raise NotImplementedError` only (line {fn.lineno})")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.parametrize("topic", TOPICS)
def test_solutions_are_implemented(topic):
    stubs = [f"solutions/{topic}.py: {name} (line {fn.lineno}) is a stub, not an implementation"
             for name, fn in top_level_functions(module_tree("solutions", topic)) if is_stub_like(fn)]
    if stubs:
        pytest.fail("\n".join(stubs), pytrace=False)


def test_contract_page_has_a_section_per_topic():
    assert CONTRACT_PAGE.exists(), "CONTRACT.md is missing at the repository root"
    sections = list(contract_sections())
    assert sorted(sections) == sorted(TOPICS), (
        f"CONTRACT.md has topic sections {sections}; the frozen table has {TOPICS}")
    text = CONTRACT_PAGE.read_text(encoding="utf-8")
    assert "tests/test_contract.py" in text and "frozen" in text.lower() and "PyTorch" in text


@pytest.mark.parametrize("topic", TOPICS)
def test_contract_page_documents_every_function(topic):
    section = contract_sections().get(topic)
    assert section is not None, f"CONTRACT.md has no '## {topic}: ...' section"
    documented = documented_signatures(section)
    names = [name for name, _ in documented]
    problems = [f"CONTRACT.md, section {topic}: {name} is not documented; expected a table row "
                f"starting with `{frozen_fmt(topic, name)}`" for name in FROZEN[topic] if name not in names]
    for name, text in documented:
        if name not in FROZEN[topic]:
            problems.append(f"CONTRACT.md, section {topic}: documents `{name}({text})`, "
                            f"which is not a {topic} function of the frozen table")
            continue
        try:
            written = frozen_params(name, text)
        except SyntaxError:
            written = None
        if written != frozen_params(name, FROZEN[topic][name]):
            problems.append(f"CONTRACT.md, section {topic}: documents `{name}({text})`, "
                            f"the frozen signature is {frozen_fmt(topic, name)}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# Built from pieces so that this file does not match itself: a relative path up to the folder (either
# slash), its absolute path, and a path joined in Python from the repository's parent folder.
OUTSIDE = [re.compile(p) for p in (
    r"\.\.[/\\]" + "shared",
    "/work/" + "shared",
    r"\.parents?(\[\d+\])?\s*/\s*['\"]" + "shared",
)]


def test_no_tracked_file_refers_to_the_shared_folder():
    try:
        listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    hits = []
    for rel in filter(None, listing.stdout.decode().split("\0")):
        path = ROOT / rel
        if not path.is_file():
            continue  # deleted in the working tree
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary
        for lineno, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if any(p.search(line) for p in OUTSIDE):
                hits.append(f"{rel}:{lineno}: {line.strip()}")
    if hits:
        pytest.fail("the repository carries its own contract (CONTRACT.md, tests/test_contract.py); "
                    "these tracked files still refer to the shared folder outside it:\n" + "\n".join(hits),
                    pytrace=False)
