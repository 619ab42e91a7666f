"""The rl topic beyond what every topic's tests show: its oracles read real Gymnasium environments, the mistakes
public code makes are visible where the checks look (and only there), and it grades the same in the sandbox."""
import numpy as np

from dlgrade.execution.inprocess import InProcessExecutor
from dlgrade.execution.sandbox import SandboxExecutor
from dlgrade.registry import load_topic
from dlgrade.topics import rl
from tests.support import SOLUTIONS, grader


def test_the_tables_come_from_real_gymnasium_environments():
    import gymnasium as gym

    P, S, A = rl.gym_table("Taxi-v4")
    env = gym.make("Taxi-v4")
    assert (S, A) == (env.observation_space.n, env.action_space.n) == (500, 6)
    assert P[17][3] == [(float(p), int(s), float(r), bool(t)) for p, s, r, t in env.unwrapped.P[17][3]]
    assert set(rl.tables()) >= {"FrozenLake-v1 4x4 slippery", "FrozenLake-v1 8x8 slippery", "CliffWalking-v1", "Taxi-v4"}


def test_the_terminal_mask_shows_where_terminal_states_have_exits_only():
    """Dynamic programming without the terminal mask gives the right values on FrozenLake (its terminal states
    have no exits) and wrong ones on CliffWalking, Taxi and the corridor: the checks grade on all of them."""
    for name, (P, S, A) in rl.tables().items():
        right = rl.optimal_values(P, S, A, 0.9)
        unmasked = rl.optimal_values(P, S, A, 0.9, no_mask=True)
        if name.startswith("FrozenLake"):
            assert np.allclose(right, unmasked), name
        else:
            assert not np.allclose(right, unmasked), name


def test_reading_only_the_first_outcome_or_unweighted_rewards_shows_on_slippery_lakes():
    P, S, A = rl.tables()["FrozenLake-v1 4x4 slippery"]
    right = rl.optimal_values(P, S, A, 0.99)
    assert not np.allclose(right, rl.optimal_values(P, S, A, 0.99, first_only=True))
    assert not np.allclose(right, rl.optimal_values(P, S, A, 0.99, unweighted=True))
    deterministic = rl.tables()["FrozenLake-v1 4x4"]
    assert np.allclose(rl.optimal_values(*deterministic, 0.99), rl.optimal_values(*deterministic, 0.99, first_only=True))


def test_the_oracle_agrees_with_a_linear_solve_of_the_optimal_policy():
    for P, S, A in rl.tables().values():
        V = rl.optimal_values(P, S, A, 0.95)
        T, R = rl.model(P, S, A)
        policy = (R + 0.95 * T @ V).argmax(axis=1)
        assert np.allclose(rl.policy_values(P, S, A, policy, 0.95), V, rtol=1e-10, atol=1e-10)


def test_the_sandbox_grades_rl_as_in_process():
    checks = [c for c in load_topic("rl").checks if c.visibility == "public"]
    g = grader()
    verdicts = {}
    for make in (SandboxExecutor, InProcessExecutor):
        with make(SOLUTIONS) as executor:
            verdicts[make] = {c.id: g.run(c, executor).outcome for c in checks}
    assert verdicts[SandboxExecutor] == verdicts[InProcessExecutor]
    assert all(outcome.value == "passed" for outcome in verdicts[SandboxExecutor].values())


def test_the_agents_train_in_the_sandbox_on_environments_made_there():
    """The environment arguments are made inside the child (gymnasium readable there, nothing of the grader's)."""
    checks = [c for c in load_topic("rl").checks if c.function in ("q_learning", "sarsa") and c.visibility == "public"]
    g = grader()
    with SandboxExecutor(SOLUTIONS) as executor:
        verdicts = {c.id: g.run(c, executor) for c in checks}
    assert {n: v.message for n, v in verdicts.items() if not v.passed} == {}
    assert {v.check for v in verdicts.values() if v.function == "sarsa"} == {
        "learns_a_safe_path", "learns_the_time_limited_corridor", "reproducible_with_its_rng", "fast_enough"}
    assert {v.check for v in verdicts.values() if v.function == "q_learning"} == {
        "finds_the_optimal_path", "learns_the_time_limited_corridor", "reproducible_with_its_rng", "fast_enough"}


def test_the_corridor_is_a_real_gymnasium_environment_always_truncated_never_terminated():
    import gymnasium

    corridor = rl.TimeLimitedCorridor()
    env = corridor.live(None)
    assert isinstance(env.unwrapped, gymnasium.Env) and env.unwrapped.P == corridor.table()
    rng, starts = np.random.default_rng(0), set()
    for _ in range(50):
        s, _ = env.reset(seed=int(rng.integers(2**31)))
        starts.add(s)
        for step in range(1, corridor.horizon + 1):
            s, r, terminated, truncated, _ = env.step(int(rng.integers(2)))
            assert not terminated and truncated == (step == corridor.horizon)
    assert starts == set(range(corridor.length))
    P, S, A = rl.CORRIDOR.table()
    best = rl.optimal_values(P, S, A, rl.CORRIDOR.settings["gamma"])
    assert (rl.CORRIDOR.optimal_policy()[:-1] == 1).all() and best[0] > 1.9 / (1 - rl.CORRIDOR.settings["gamma"])


def test_sarsa_on_the_cliff_learns_what_its_exploration_earns_where_q_learning_does_not():
    """Sutton and Barto's cliff: acting epsilon-greedily, SARSA's Q earns what the best epsilon-greedy policy does
    (near enough), Q-learning's walks the cliff's edge: the line learns_a_safe_path draws lies between them."""
    import gymnasium

    P, S, A = rl.CLIFF_SARSA.table()
    gamma, epsilon = 0.99, 0.1
    from dlgrade.solutions import rl as reference

    sarsa = reference.sarsa(gymnasium.make("CliffWalking-v1"), **rl.CLIFF_SARSA.settings, rng=np.random.default_rng(0))
    T, R = rl.model(P, S, A)
    edge = rl.exploring_values(P, S, A, R + gamma * T @ rl.optimal_values(P, S, A, gamma), epsilon, gamma)[36]
    best = rl.optimal_exploring_values(P, S, A, epsilon, gamma)[36]
    assert edge < (edge + best) / 2 < rl.exploring_values(P, S, A, sarsa, epsilon, gamma)[36] <= best + 1e-9


def test_a_q_learning_that_samples_the_action_space_is_not_reproducible(tmp_path):
    from tests.support import grade, write_module

    folder = write_module(tmp_path, "rl", """
        def q_learning(env, n_episodes, alpha, gamma, epsilon, rng):
            Q = np.zeros((env.observation_space.n, env.action_space.n))
            for _ in range(n_episodes):
                s, _ = env.reset()
                done = False
                while not done:
                    a = env.action_space.sample() if rng.random() < epsilon else int(np.argmax(Q[s]))
                    s_next, r, terminated, truncated, _ = env.step(a)
                    Q[s, a] += alpha * (r + (0.0 if terminated else gamma * Q[s_next].max()) - Q[s, a])
                    s, done = s_next, terminated or truncated
            return Q
        """)
    verdict = grade(folder, "rl", only="rl::q_learning::reproducible_with_its_rng")["rl::q_learning::reproducible_with_its_rng"]
    assert not verdict.passed and "not env.action_space.sample()" in verdict.message


def test_a_q_learning_that_never_learns_shows_its_policy_beside_an_optimal_one(tmp_path):
    from tests.support import grade, write_module

    folder = write_module(tmp_path, "rl", """
        def q_learning(env, n_episodes, alpha, gamma, epsilon, rng):
            return np.zeros((env.observation_space.n, env.action_space.n))
        """)
    verdict = grade(folder, "rl", only="rl::q_learning::finds_the_optimal_path")["rl::q_learning::finds_the_optimal_path"]
    assert not verdict.passed and "it never reaches the goal" in verdict.message
    assert "your greedy policy        an optimal policy" in verdict.message
    assert "\n^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^   > > > > > > > > > > > v\n" in verdict.message and "C C C" in verdict.message
    assert "value per state, an optimal policy:" in verdict.message
    panels = verdict.figure["panels"]
    assert [p["title"] for p in panels] == ["your greedy policy", "an optimal policy"]
    assert panels[0]["cells"][3][1] == "C" and panels[1]["values"][3][0] == round(rl.agent_optimum(), 3)


def test_a_failing_agent_gets_its_picture_as_a_png_in_the_feedback_folder(tmp_path):
    import os

    from rich.console import Console

    from dlgrade.grading.batch import grade_batch
    from tests.support import batch_topics, write_module

    write_module(tmp_path / "subs" / "idle", "rl", """
        def q_learning(env, n_episodes, alpha, gamma, epsilon, rng):
            return np.zeros((env.observation_space.n, env.action_space.n))
        """)
    grade_batch(tmp_path / "subs", tmp_path / "out", topics=batch_topics(["rl"]), jobs=1, device="cpu",
                checks={"rl::q_learning::finds_the_optimal_path"}, progress=False,
                console=Console(file=open(os.devnull, "w")))
    folder = tmp_path / "out" / "idle"
    picture = folder / "figure-q_learning-finds_the_optimal_path.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 5000
    assert "](figure-q_learning-finds_the_optimal_path.png)" in (folder / "feedback.md").read_text()
    assert not list(folder.glob(".tmp-*"))
