"""Checks for the rl topic on real Gymnasium environments: returns, dynamic programming, Monte-Carlo and TD
rules, epsilon-greedy exploration, DQN targets and loss, and trained agents (q_learning, sarsa) judged by the exact
value of their greedy policies, pictured when they fall short."""
import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import torch.nn.functional as F
from hypothesis import strategies as st

from ..core import GLOBAL_RNG, Kind, Mistake, Rng, Topic, call
from ..core.perf import Limit, measure
from ..core.verdicts import figure_text
from ..core.strategies import array, floats, size

TOPIC = Topic("rl", "Reinforcement learning on tabular MDPs", difficulty="hard")


# -- environments: real Gymnasium toy-text ones, and hand-made ones for edge cases --------------------------------
def _plain(P):
    """A transition table as plain data: {s: {a: [(prob, next_state, reward, terminated), ...]}}."""
    return {int(s): {int(a): [(float(p), int(s2), float(r), bool(t)) for p, s2, r, t in outcomes]
                     for a, outcomes in actions.items()} for s, actions in P.items()}


@functools.lru_cache(maxsize=None)
def gym_table(name: str, **kwargs):
    """(P, states, actions) of a Gymnasium environment, read from env.unwrapped.P."""
    import gymnasium as gym

    env = gym.make(name, **dict(kwargs))
    try:
        return _plain(env.unwrapped.P), int(env.observation_space.n), int(env.action_space.n)
    finally:
        env.close()


def chain_table(n=6, slip=0.2):
    """A corridor whose last state is terminal but, unlike FrozenLake's, has exits (they must not be followed):
    right moves on (slipping back with probability ``slip``), left moves back; reaching the end pays 1 and
    terminates; from the end state itself every action pays 5 (never collected by a correct agent)."""
    P = {}
    for s in range(n):
        right, left = min(s + 1, n - 1), max(s - 1, 0)
        end = n - 1
        P[s] = {0: [(1.0, left, 0.0, False)],
                1: [(1.0 - slip, right, 1.0 if right == end else 0.0, right == end),
                    (slip, left, 0.0, False)]}
    P[n - 1] = {0: [(1.0, n - 2, 5.0, False)], 1: [(1.0, n - 2, 5.0, False)]}
    return P, n, 2


def tables():
    """Name -> (P, S, A): where every dynamic-programming check is graded."""
    return {"FrozenLake-v1 4x4 slippery": gym_table("FrozenLake-v1", map_name="4x4", is_slippery=True),
            "FrozenLake-v1 4x4": gym_table("FrozenLake-v1", map_name="4x4", is_slippery=False),
            "FrozenLake-v1 8x8 slippery": gym_table("FrozenLake-v1", map_name="8x8", is_slippery=True),
            "CliffWalking-v1": gym_table("CliffWalking-v1"),
            "Taxi-v4": gym_table("Taxi-v4"),
            "a corridor with an exit from its terminal state": chain_table()}


# -- the exact rules: dynamic programming on P ---------------------------------------------------------------------
def model(P, S, A, first_only=False, unweighted=False, no_mask=False):
    """T (S, A, S) non-terminal transition probabilities, R (S, A) expected rewards; the switches are the
    mistakes students make reading P."""
    T, R = np.zeros((S, A, S)), np.zeros((S, A))
    for s in range(S):
        for a in range(A):
            outcomes = P[s][a][:1] if first_only else P[s][a]
            for p, s2, r, terminated in outcomes:
                weight = 1.0 if first_only else p
                R[s, a] += r if unweighted else weight * r
                if no_mask or not terminated:
                    T[s, a, s2] += weight
    return T, R


def optimal_values(P, S, A, gamma, **switches):
    """V* by value iteration to machine precision (a contraction for gamma < 1)."""
    T, R = model(P, S, A, **switches)
    V = np.zeros(S)
    for _ in range(100_000):
        new = (R + gamma * T @ V).max(axis=1)
        if np.max(np.abs(new - V)) < 1e-13 * max(1.0, np.max(np.abs(new))):
            return new
        V = new
    return V


def policy_values(P, S, A, policy, gamma, **switches):
    """The exact value of a deterministic policy: (I - gamma T_pi) V = R_pi."""
    T, R = model(P, S, A, **switches)
    rows = np.arange(S)
    return np.linalg.solve(np.eye(S) - gamma * T[rows, policy], R[rows, policy])


# -- cases ---------------------------------------------------------------------------------------------------------
def dp_cases(gammas=(0.9, 0.99)):
    return [{"P": P, "n_states": S, "n_actions": A, "gamma": gamma, "theta": 1e-10}
            for (P, S, A), gamma in zip(tables().values(), list(gammas) * 3)]


def policy_cases(seed=100):
    cases = []
    for k, (P, S, A) in enumerate(tables().values()):
        rng = np.random.default_rng(seed + k)
        policy = rng.integers(0, A, S).astype(np.int64)
        cases.append({"P": P, "policy": policy, "n_states": S, "gamma": (0.9, 0.95, 0.99)[k % 3], "theta": 1e-10})
    return cases


MASK = ("a transition that terminates has no future: bootstrap gamma * V[s'] only where terminated is False "
        "(FrozenLake hides this, its terminal states have no exits; CliffWalking, Taxi and the corridor do not)")
WEIGHT = "the expected reward is sum(p * r) over the outcomes: weight each reward by its probability"
FIRST = "P[s][a] lists every outcome of a slippery move: sum over all of them, not only the first"
def dp_mistakes(rule):
    """The three misreadings of P, as variants of a dynamic-programming function (``rule(**switches)``)."""
    return [Mistake("dp_no_terminal_mask", MASK, variant=rule(no_mask=True)),
            Mistake("dp_rewards_not_weighted", WEIGHT, variant=rule(unweighted=True)),
            Mistake("dp_first_outcome_only", FIRST, variant=rule(first_only=True))]


def _vi_variant(**switches):
    return lambda P, n_states, n_actions, gamma, theta=1e-10: optimal_values(P, n_states, n_actions, gamma, **switches)


def _pe_variant(**switches):
    def variant(P, policy, n_states, gamma, theta=1e-10):
        return policy_values(P, n_states, len(P[0]), policy, gamma, **switches)
    return variant


# -- checks: returns -------------------------------------------------------------------------------------------------
def returns_rule(rewards, gamma, first_discounted=False, forward=False):
    G, running = np.zeros(len(rewards)), 0.0
    order = range(len(rewards)) if forward else range(len(rewards) - 1, -1, -1)
    for t in order:
        running = (gamma * rewards[t] if first_discounted else rewards[t]) + gamma * running
        G[t] = running
    return G


episode = st.fixed_dictionaries({}).flatmap(lambda _: size(1, 12).flatmap(
    lambda T: st.builds(lambda r, g: {"rewards": r, "gamma": g}, array((T,), -2, 2, values=[-1.0, 0.0, 1.0, 0.5]),
                        st.sampled_from([0.0, 0.5, 0.9, 1.0]))))
TOPIC.about("discounted_returns", "G_t = r_t + gamma G_{t+1} for every step of an episode", "easy")
TOPIC.compare("discounted_returns", inputs=episode, rule=lambda rewards, gamma: returns_rule(rewards, gamma),
              returns=("G",), name="matches_the_rule", mistakes=[
    Mistake("return_discounts_first_reward", "G_t = r_t + gamma G_{t+1}: the first reward counts in full, undiscounted",
            variant=lambda rewards, gamma: returns_rule(rewards, gamma, first_discounted=True)),
    Mistake("returns_accumulated_forward", "a return looks ahead: G_t sums the rewards from t to the end, so the "
            "pass goes backwards from the last step",
            variant=lambda rewards, gamma: returns_rule(rewards, gamma, forward=True)),
])


# -- checks: dynamic programming ---------------------------------------------------------------------------------------
def _check_policy(ctx, got_policy, case, V_star):
    S = case["n_states"]
    policy = got_policy
    if not isinstance(policy, np.ndarray) or policy.shape != (S,) or policy.dtype.kind not in "iu":
        ctx.fail(f"value_iteration()'s policy must be an integer array of shape ({S},), not "
                 f"{type(policy).__name__} {getattr(policy, 'dtype', '')} {getattr(policy, 'shape', '')}")
    if policy.min() < 0 or policy.max() >= case["n_actions"]:
        ctx.fail(f"value_iteration()'s policy holds actions outside 0 .. {case['n_actions'] - 1}")
    value = policy_values(case["P"], S, case["n_actions"], policy.astype(np.int64), case["gamma"])
    worst = int(np.argmax(V_star - value))
    if V_star[worst] - value[worst] > 1e-6 * max(1.0, abs(V_star[worst])):
        ctx.fail(f"value_iteration()'s policy is not optimal: in state {worst} its value is {value[worst]:.6g}, the "
                 f"optimum {V_star[worst]:.6g} (any greedy action of the optimal values is fine)")


@TOPIC.check("value_iteration", "optimal_on_gymnasium_and_edge_cases", cases=dp_cases(), points=2.0,
             mistakes=dp_mistakes(_vi_variant))
def value_iteration_optimal(ctx, case):
    """V matches V* of exact dynamic programming on P; the policy's own value is optimal."""
    V_star = optimal_values(case["P"], case["n_states"], case["n_actions"], case["gamma"])
    got = yield call("value_iteration", **case)
    value = got.value
    if type(value) not in (tuple, list) or len(value) != 2:
        ctx.fail("value_iteration() must return (V, policy)")
    ctx.expect(value[0], (V_star,), ("V",), mistakes=ctx.check.mistakes, function="value_iteration")
    _check_policy(ctx, value[1], case, V_star)


TOPIC.check("value_iteration", "optimal_on_gymnasium_and_edge_cases_hidden", cases=dp_cases((0.95, 0.8)),
            points=2.0, visibility="hidden", mistakes=dp_mistakes(_vi_variant))(value_iteration_optimal)

TOPIC.about("policy_evaluation", "the exact value of a deterministic policy", "medium")
TOPIC.compare("policy_evaluation", cases=policy_cases(), rule=lambda P, policy, n_states, gamma, theta:
              policy_values(P, n_states, len(P[0]), policy, gamma), returns=("V",), mistakes=dp_mistakes(_pe_variant),
              name="exact_on_gymnasium_and_edge_cases")
TOPIC.compare("policy_evaluation", cases=policy_cases(seed=200), rule=lambda P, policy, n_states, gamma, theta:
              policy_values(P, n_states, len(P[0]), policy, gamma), returns=("V",), mistakes=dp_mistakes(_pe_variant),
              name="exact_on_gymnasium_and_edge_cases_hidden", visibility="hidden")


# -- checks: Monte-Carlo ---------------------------------------------------------------------------------------------
def mc_rule(episodes, n_states, gamma, first_visit=True, nan_unvisited=False):
    total, count = np.zeros(n_states), np.zeros(n_states)
    for states, rewards in episodes:
        G = returns_rule(np.asarray(rewards, dtype=float), gamma)
        seen = set()
        for t, s in enumerate(states):
            if first_visit and s in seen:
                continue
            seen.add(s)
            total[s] += G[t]
            count[s] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count if nan_unvisited else np.divide(total, count, out=np.zeros(n_states), where=count > 0)


@functools.lru_cache(maxsize=None)
def recorded_episodes(name, count, seed, **kwargs):
    """Episodes of a random policy on a real Gymnasium environment: [(states, rewards)], states revisited."""
    import gymnasium as gym

    env, rng, found = gym.make(name, **dict(kwargs)), np.random.default_rng(seed), []
    try:
        for _ in range(count):
            s, _ = env.reset(seed=int(rng.integers(2**31)))
            states, rewards, done = [], [], False
            while not done:
                s2, r, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
                states.append(int(s))
                rewards.append(float(r))
                s, done = s2, terminated or truncated
            found.append((np.array(states, dtype=np.int64), np.array(rewards)))
    finally:
        env.close()
    return found, int(env.observation_space.n)


def mc_cases():
    cases = []
    for (name, kwargs, count, seed), gamma in zip([("FrozenLake-v1", (("is_slippery", True),), 30, 1),
                                                   ("FrozenLake-v1", (("map_name", "8x8"),), 20, 2),
                                                   ("CliffWalking-v1", (("max_episode_steps", 60),), 5, 3)],
                                                  (0.9, 1.0, 0.95)):
        episodes, S = recorded_episodes(name, count, seed, **dict(kwargs))
        for first in (True, False):
            cases.append({"episodes": episodes, "n_states": S, "gamma": gamma, "first_visit": first})
    return cases


TOPIC.about("mc_prediction", "Monte-Carlo averages of first-visit or every-visit returns", "medium")
TOPIC.compare("mc_prediction", cases=mc_cases(), rule=mc_rule, returns=("V",), name="matches_the_rule_on_gymnasium_episodes",
              defaults={"first_visit": True}, mistakes=[
    Mistake("mc_first_visit_ignored", "first_visit=True averages only the return after each state's first visit "
            "in an episode; later visits of that episode are skipped",
            variant=lambda episodes, n_states, gamma, first_visit: mc_rule(episodes, n_states, gamma, not first_visit)),
    Mistake("mc_unvisited_not_zero", "a state no episode visits has no return to average: its value is 0, not "
            "0/0 = nan", when=lambda obs: not np.all(np.isfinite(np.asarray(obs.got, dtype=float)))),
])


# -- checks: one-step TD rules -------------------------------------------------------------------------------------
@st.composite
def td_case(draw, kind):
    S, A = draw(size(2, 5)), draw(size(2, 4))
    table = draw(array((S,) if kind == "td0" else (S, A), -3, 3))
    s, s_next = draw(st.integers(0, S - 1)), draw(st.integers(0, S - 1))
    case = {"V" if kind == "td0" else "Q": table, "s": s}
    if kind != "td0":
        case["a"] = draw(st.integers(0, A - 1))
    case.update(r=draw(floats(-2, 2)), s_next=s_next)
    if kind == "sarsa":
        case["a_next"] = draw(st.integers(0, A - 1))
    case.update(terminated=draw(st.booleans()), alpha=draw(st.sampled_from([0.1, 0.5, 1.0])),
                gamma=draw(st.sampled_from([0.0, 0.9, 1.0])))
    return case


def td_rule(kind, bootstrap_terminal=False, target_only=False, action="rule"):
    def rule(**c):
        table = np.array(c["V" if kind == "td0" else "Q"], dtype=float)
        index = c["s"] if kind == "td0" else (c["s"], c["a"])
        if kind == "td0":
            ahead = table[c["s_next"]]
        elif kind == "sarsa":  # action="other": the other rule's look-ahead (max for SARSA, the taken a for Q)
            ahead = table[c["s_next"], c["a_next"]] if action == "rule" else table[c["s_next"]].max()
        else:
            ahead = table[c["s_next"]].max() if action == "rule" else table[c["s_next"], c["a"]]
        target = c["r"] + (0.0 if c["terminated"] and not bootstrap_terminal else c["gamma"] * ahead)
        table[index] = table[index] + (c["alpha"] * target if target_only else c["alpha"] * (target - table[index]))
        return table
    return rule


def td_stated(kind, terminated):
    """A transition where every rule's look-ahead differs (the taken action is not the best next one, the next
    action is neither), and whether it terminated."""
    table = np.array([[0.0, 1.0, 0.3], [2.0, -1.0, 0.5]])
    case = {"V": table[:, 0].copy(), "s": 0} if kind == "td0" else {"Q": table, "s": 0, "a": 1}
    case.update(r=0.5, s_next=1)
    if kind == "sarsa":
        case["a_next"] = 2
    case.update(terminated=terminated, alpha=0.5, gamma=0.9)
    return case


TERMINAL = ("a terminated transition has no next state to bootstrap from: the target is r alone when terminated "
            "is True (only truncation keeps the bootstrap)")
for kind, function, name in (("td0", "td0_update", "V"), ("sarsa", "sarsa_update", "Q"),
                             ("q", "q_learning_update", "Q")):
    mistakes = [Mistake("td_bootstraps_at_terminal", TERMINAL, variant=td_rule(kind, bootstrap_terminal=True)),
                Mistake("td_adds_target_not_error", f"move {name}[s] toward the target by alpha times the error: "
                        f"{name} + alpha * (target - {name}), not + alpha * target", variant=td_rule(kind, target_only=True))]
    if kind == "sarsa":
        mistakes.append(Mistake("sarsa_uses_max", "SARSA is on-policy: it bootstraps on Q[s_next, a_next], the "
                                "action taken next, not on max Q[s_next] (that is Q-learning)",
                                variant=td_rule(kind, action="other")))
    if kind == "q":
        mistakes.append(Mistake("q_learning_uses_taken_action", "Q-learning bootstraps on the best next action, "
                                "max over a' of Q[s_next, a'], not on the action just taken",
                                variant=td_rule(kind, action="other")))
    TOPIC.about(function, f"one {'TD(0)' if kind == 'td0' else kind.upper() if kind == 'sarsa' else 'Q-learning'} "
                "update, on a copy", "easy")
    TOPIC.compare(function, inputs=td_case(kind), rule=td_rule(kind), returns=(name,), mistakes=mistakes,
                  name="matches_the_rule", cases=[td_stated(kind, terminated) for terminated in (True, False)])


# -- checks: epsilon-greedy, by its statistics -------------------------------------------------------------------------
DRAWS = 1000


def _binomial_ok(count, n, p, z=5.0):
    return abs(count - n * p) <= z * np.sqrt(n * p * (1 - p)) + 1


# Chosen so that each mistake moves the greedy frequency by more than 5 standard deviations of 1,000 draws
# (two actions at epsilon 0.6: 70% greedy; 80% if epsilon is the chance to exploit; 40% if exploring never picks
# the greedy action).
EPSILON_CASES = [{"q_values": np.array([0.1, 0.7, -0.2, 0.3]), "epsilon": 0.4},
                 {"q_values": np.array([-0.3, 0.2]), "epsilon": 0.6},
                 {"q_values": np.array([1.0, 1.0, 0.0, -1.0, 1.0]), "epsilon": 0.5},  # ties: any maximizer
                 {"q_values": np.array([0.5, -0.5]), "epsilon": 1.0},
                 {"q_values": np.array([0.0, 2.0, 1.0]), "epsilon": 0.0}]


@TOPIC.check("epsilon_greedy", "draws_with_the_right_probabilities", cases=EPSILON_CASES, points=2.0, mistakes=[
    Mistake("epsilon_excludes_greedy", "exploration picks uniformly among ALL actions, the greedy one included: "
            "each action gets epsilon / A from exploring", when=lambda obs: obs.got == "greedy too rare"),
    Mistake("epsilon_inverted", "explore (a random action) with probability epsilon, exploit (a greedy one) "
            "with probability 1 - epsilon", when=lambda obs: obs.got == "inverted"),
    GLOBAL_RNG])
def epsilon_statistics(ctx, case):
    """Over 1,000 calls (each with its own seeded rng): every action is drawn with probability epsilon / A
    besides the greedy pick, and greedy picks are maximizers; 5-sigma binomial bounds."""
    q, eps = case["q_values"], case["epsilon"]
    results = yield [call("epsilon_greedy", q_values=q, epsilon=eps, rng=Rng(seed)) for seed in range(DRAWS)]
    ctx.leaves_global_rng(*results)
    picks = []
    for r in results:
        if type(r.value) is not int and not (isinstance(r.value, np.ndarray) and r.value.shape == ()):
            ctx.fail(f"epsilon_greedy() must return an int action, not {type(r.value).__name__}")
        picks.append(int(r.value))
    A = len(q)
    if min(picks) < 0 or max(picks) >= A:
        ctx.fail(f"epsilon_greedy() returned actions outside 0 .. {A - 1}")
    counts = np.bincount(picks, minlength=A)
    best = np.flatnonzero(q == q.max())
    others = [a for a in range(A) if a not in best]
    expected_greedy = 1 - eps + eps * len(best) / A
    greedy = counts[best].sum()
    if not _binomial_ok(greedy, DRAWS, expected_greedy):
        # Which mistake the greedy frequency fits, the closest in standard deviations if both do.
        explained = {"greedy too rare": 1 - eps, "inverted": eps + (1 - eps) * len(best) / A}
        fitting = {k: abs(greedy - DRAWS * p) / np.sqrt(DRAWS * p * (1 - p) + 1e-9) for k, p in explained.items()
                   if _binomial_ok(greedy, DRAWS, p)}
        shown = min(fitting, key=fitting.get) if fitting else ""
        ctx.refute(f"with epsilon = {eps:g} and {A} actions a greedy action should come {expected_greedy:.1%} of "
                   f"the time ({DRAWS:,} draws), but came {greedy / DRAWS:.1%}", shown)
    for a in others:
        if not _binomial_ok(counts[a], DRAWS, eps / A):
            ctx.fail(f"action {a} (not greedy) came {counts[a] / DRAWS:.1%} of the time; exploring picks each of "
                     f"the {A} actions with probability epsilon / A = {eps / A:.1%}")


# -- checks: DQN -----------------------------------------------------------------------------------------------------
@st.composite
def dqn_target_case(draw):
    n, A = draw(size(1, 6)), draw(size(1, 4))
    return {"rewards": draw(array((n,), -2, 2)), "next_q": draw(array((n, A), -3, 3)),
            "terminated": draw(array((n,), values=[0.0, 1.0])).astype(bool), "gamma": draw(st.sampled_from([0.9, 0.99, 1.0]))}


def targets_rule(rewards, next_q, terminated, gamma, bootstrap_terminal=False, use_mean=False):
    ahead = next_q.mean(axis=1) if use_mean else next_q.max(axis=1)
    keep = np.ones_like(rewards) if bootstrap_terminal else 1.0 - terminated
    return rewards + gamma * ahead * keep


TOPIC.about("dqn_targets", "r + gamma max_a' Q_target(s', a'), no bootstrap when terminated", "easy")
TOPIC.compare("dqn_targets", inputs=dqn_target_case(), rule=targets_rule, returns=("targets",),
              name="matches_the_rule", mistakes=[
    Mistake("td_bootstraps_at_terminal", TERMINAL, variant=lambda **c: targets_rule(**c, bootstrap_terminal=True)),
    Mistake("dqn_target_not_max", "the target bootstraps on the best next action: max over axis 1 of next_q",
            variant=lambda **c: targets_rule(**c, use_mean=True)),
])


@st.composite
def dqn_loss_case(draw):
    n, A = draw(size(1, 6)), draw(size(1, 4))
    return {"q": draw(array((n, A), -4, 4)), "actions": np.array(draw(st.lists(st.integers(0, A - 1), min_size=n,
                                                                               max_size=n)), dtype=np.int64),
            "targets": draw(array((n,), -4, 4))}


def dqn_loss_oracle(q, actions, targets):
    return F.smooth_l1_loss(q.gather(1, actions[:, None])[:, 0], targets, beta=1.0)


def huber(q, actions, targets, squared=False, dense=False, summed=False):
    rows = np.arange(len(actions))
    d = q[rows, actions] - targets
    per = 0.5 * d ** 2 if squared else np.where(np.abs(d) < 1, 0.5 * d ** 2, np.abs(d) - 0.5)
    grad = d if squared else np.clip(d, -1, 1)
    dq = np.zeros_like(q)
    if dense:
        dq += (grad / (1 if summed else len(d)))[:, None]
    else:
        dq[rows, actions] = grad / (1 if summed else len(d))
    return (float(per.sum()) if summed else float(per.mean())), dq


TOPIC.about("dqn_loss", "the mean Huber loss of the taken actions' Q against the targets, and dq", "medium")
TOPIC.compare("dqn_loss", inputs=dqn_loss_case(), oracle=dqn_loss_oracle, returns=("loss",), gradients=("q",),
              cases=[{"q": np.array([[0.0, 3.0], [1.0, -2.0], [0.5, 0.5]]), "actions": np.array([1, 0, 1]),
                      "targets": np.array([0.5, -1.0, 0.2])}],  # errors above 1: Huber's linear part
              mistakes=[
    Mistake("dqn_loss_is_squared_error", "F.smooth_l1_loss is quadratic only for errors below 1 and linear beyond "
            "(|d| - 0.5): the gradient is clipped to [-1, 1]", variant=lambda **c: huber(**c, squared=True)),
    Mistake("dqn_gradient_on_every_action", "only the taken action's Q enters the loss: dq is zero in every "
            "other column", variant=lambda **c: huber(**c, dense=True)),
    Mistake("dqn_loss_summed", "the loss is the mean over the batch, and dq carries 1/N",
            variant=lambda **c: huber(**c, summed=True)),
])


# -- trained agents, on an environment made where the student's code runs -----------------------------------------
@dataclass(frozen=True)
class GymEnv(Kind, tag="gym_env"):
    """``gymnasium.make(name, **kwargs)``, made on the executor's side (in a sandboxed child, inside it: the
    student's code holds an environment of its own, nothing of the grader's)."""

    name: str
    kwargs: tuple = ()
    packages = ("gymnasium", "cloudpickle", "farama_notifications", "typing_extensions")

    def live(self, lookup):
        import gymnasium

        return gymnasium.make(self.name, **dict(self.kwargs))

    def describe(self) -> str:
        options = "".join(f", {k}={v!r}" for k, v in self.kwargs)
        return f"gymnasium.make({self.name!r}{options})"

    def to_wire(self) -> list:
        return [self.name, [list(pair) for pair in self.kwargs]]

    @classmethod
    def from_wire(cls, body):
        return cls(str(body[0]), tuple(tuple(pair) for pair in body[1]))


@dataclass(frozen=True)
class TimeLimitedCorridor(Kind, tag="time_limited_corridor"):
    """A hand-made Gymnasium environment whose episodes never terminate and are always truncated: a corridor of
    ``length`` cells where "collect" (action 0) pays 1 (``end_reward`` in the last cell) and stays, "walk"
    (action 1) pays 0 and moves a cell on. Each episode starts in a random cell and a time limit cuts it after
    ``horizon`` steps, so only a learner that bootstraps through truncation sees that walking to the end pays."""

    length: int = 5
    horizon: int = 3
    end_reward: float = 3.0
    packages = ("gymnasium", "cloudpickle", "farama_notifications", "typing_extensions")

    def table(self) -> dict:
        last = self.length - 1
        return {s: {0: [(1.0, s, self.end_reward if s == last else 1.0, False)],
                    1: [(1.0, min(s + 1, last), 0.0, False)]} for s in range(self.length)}

    def live(self, lookup):
        import gymnasium
        from gymnasium import spaces

        P, n = self.table(), self.length

        class Corridor(gymnasium.Env):
            def __init__(self):
                self.P, self.observation_space, self.action_space, self.s = P, spaces.Discrete(n), spaces.Discrete(2), 0

            def reset(self, *, seed=None, options=None):
                super().reset(seed=seed)
                self.s = int(self.np_random.integers(n))
                return self.s, {}

            def step(self, action):
                _, self.s, reward, terminated = P[self.s][int(action)][0]
                return self.s, reward, terminated, False, {}

        return gymnasium.wrappers.TimeLimit(Corridor(), max_episode_steps=self.horizon)

    def describe(self) -> str:
        return (f"a hand-made corridor of {self.length} cells whose episodes are cut after {self.horizon} steps "
                "(always truncated, never terminated)")


@dataclass(frozen=True)
class Training:
    """Where and how an agent is trained, and how its states lie on a grid for pictures."""

    env: Kind
    settings: dict
    start: int | None  # the state values are judged from (None: every state)
    rows: int
    columns: int
    arrows: str  # one character per action
    labels: tuple = ()  # (state, character) drawn instead of an arrow (cliff, goal)

    def table(self):
        if isinstance(self.env, GymEnv):
            return gym_table(self.env.name, **dict(self.env.kwargs))
        P = self.env.table()
        return P, len(P), len(P[0])

    def values(self, Q):
        """The exact values of Q's greedy policy, and the optimal values."""
        P, S, A = self.table()
        gamma = self.settings["gamma"]
        return policy_values(P, S, A, greedy_policy(Q), gamma), optimal_values(P, S, A, gamma)

    def optimal_policy(self):
        P, S, A = self.table()
        T, R = model(P, S, A)
        return (R + self.settings["gamma"] * T @ optimal_values(P, S, A, self.settings["gamma"])).argmax(axis=1)

    def panel(self, title, policy, values):
        labels = dict(self.labels)
        cells = [[labels.get(r * self.columns + c, self.arrows[int(policy[r * self.columns + c])])
                  for c in range(self.columns)] for r in range(self.rows)]
        shown = [[None if r * self.columns + c in labels else round(float(values[r * self.columns + c]), 3)
                  for c in range(self.columns)] for r in range(self.rows)]
        return {"title": title, "cells": cells, "values": shown}

    def figure(self, title, Q):
        """The greedy policy of Q beside an optimal one, with each one's exact value per state."""
        mine, best = self.values(Q)
        return {"title": title, "panels": [self.panel("your greedy policy", greedy_policy(Q), mine),
                                           self.panel("an optimal policy", self.optimal_policy(), best)]}


#: CliffWalking costs -1 a step (-100 for the cliff): whichever maximizer epsilon_greedy takes (np.argmax's first or
#: a random one), exploration from Q = 0 reaches the goal. The reference finds the optimal path from 200 of 200 seeds
#: with these settings (0.12 CPU s a run).
CLIFF_LABELS = tuple((37 + c, "C") for c in range(10)) + ((47, "G"),)
CLIFF_Q = Training(GymEnv("CliffWalking-v1"), {"n_episodes": 300, "alpha": 0.5, "gamma": 0.99, "epsilon": 0.1},
                   start=36, rows=4, columns=12, arrows="^>v<", labels=CLIFF_LABELS)
#: SARSA learns what its epsilon-greedy behaviour earns, so it keeps away from the cliff (Sutton and Barto's
#: example 6.6): its greedy path is a safe one, not the optimal one. With a constant step size its greedy policy
#: is noisy: the reference's reaches the goal from 97% of seeds (600 seeds), both maximizers alike; 2 of 3 seeds
#: reach it in 200 of 200 triples. 0.6 CPU s a run (0.3 with np.argmax).
CLIFF_SARSA = dataclasses.replace(CLIFF_Q, settings={"n_episodes": 1000, "alpha": 0.2, "gamma": 0.99, "epsilon": 0.1})
SAFE_STEPS = 17  # up to the top row, along it, and down to the goal: the longest path that never nears the cliff
#: The corridor: the reference's greedy policy is optimal in every cell from 1,000 of 1,000 seeds, both agents and
#: both maximizers; treating truncation as termination, from 0 of 100.
CORRIDOR = Training(TimeLimitedCorridor(), {"n_episodes": 500, "alpha": 0.2, "gamma": 0.9, "epsilon": 0.2},
                    start=None, rows=1, columns=5, arrows="o>")
AGENT_SEEDS = (0, 1, 2)
AGENT_LIMIT = Limit(factor=10.0, repeats=0, hint="one epsilon_greedy call and one table update per step; no copy "
                    "of the whole table per step (update Q in place inside your own loop)")
AGENT_TIMEOUT = 60.0


def greedy_policy(Q):
    return np.asarray(Q, dtype=float).argmax(axis=1)


def agent_optimum(training=None):
    """V* of the start state where q_learning is judged."""
    training = training or CLIFF_Q
    P, S, A = training.table()
    return optimal_values(P, S, A, training.settings["gamma"])[training.start]


def exploring_values(P, S, A, Q, epsilon, gamma):
    """The exact value of acting epsilon-greedily on Q (ties shared among the maximizers)."""
    Q = np.asarray(Q, dtype=float)
    greedy = Q == Q.max(axis=1, keepdims=True)
    pi = epsilon / A + (1 - epsilon) * greedy / greedy.sum(axis=1, keepdims=True)
    T, R = model(P, S, A)
    return np.linalg.solve(np.eye(S) - gamma * np.einsum("sa,sat->st", pi, T), (pi * R).sum(axis=1))


def _trained_q(ctx, got, function, training):
    P, S, A = training.table()
    Q = got.value
    if not isinstance(Q, np.ndarray) or Q.shape != (S, A) or not np.all(np.isfinite(Q)):
        ctx.fail(f"{function}() must return a finite float64 array Q of shape ({S}, {A}), got "
                 f"{type(Q).__name__} {getattr(Q, 'shape', '')}")
    return Q


def _train(function, training, rng, reuse=True):
    return call(function, env=training.env, **training.settings, rng=rng, reuse=reuse, timeout=AGENT_TIMEOUT)


def _settings_text(training):
    return ", ".join(f"{k} {v:g}" for k, v in training.settings.items())


TOPIC.about("q_learning", "Q-learning from Q = 0 on an environment, epsilon-greedy", "hard")
TOPIC.about("sarsa", "SARSA from Q = 0 on an environment: on-policy, epsilon-greedy", "hard")


@TOPIC.check("q_learning", "finds_the_optimal_path", cases=[{"rng": Rng(s)} for s in AGENT_SEEDS], points=2.0,
             timeout=AGENT_TIMEOUT, mistakes=[GLOBAL_RNG])
def q_learning_optimal(ctx, case):
    """Trained on CliffWalking-v1 (300 episodes, alpha 0.5, gamma 0.99, epsilon 0.1), the greedy policy of the
    returned Q is optimal from the start: the exact value of that policy on the environment's P is V*."""
    got = yield _train("q_learning", CLIFF_Q, case["rng"])
    ctx.leaves_global_rng(got, function="q_learning")
    Q = _trained_q(ctx, got, "q_learning", CLIFF_Q)
    mine, best = (v[CLIFF_Q.start] for v in CLIFF_Q.values(Q))
    if mine < best - 1e-6:
        figure = CLIFF_Q.figure(f"q_learning on CliffWalking-v1, rng seed {case['rng'].seed}", Q)
        never = mine <= -1 / (1 - CLIFF_Q.settings["gamma"]) + 1e-6
        ctx.fail(f"the greedy policy of your Q is worth {mine:.3g} from the start, the optimum {best:.3g} "
                 f"({'it never reaches the goal' if never else 'a longer or riskier path'}).\n"
                 f"{figure_text(figure)}", figure=figure)


SARSA_OFF_POLICY = Mistake(
    "sarsa_learns_off_policy", "SARSA learns what its epsilon-greedy behaviour earns, exploration's slips included, "
    "so it keeps away from the cliff: bootstrap on Q[s_next, a_next], the action you will take next, with the same "
    "epsilon all along (a max over Q[s_next], or an epsilon that shrinks during training, learns the cliff's edge "
    "as Q-learning does)", when=lambda obs: obs.got == "the cliff's edge")


@TOPIC.check("sarsa", "learns_a_safe_path", cases=[{}], points=2.0, timeout=3 * AGENT_TIMEOUT,
             mistakes=[SARSA_OFF_POLICY, GLOBAL_RNG])
def sarsa_safe_path(ctx, case):
    """Trained on CliffWalking-v1 (1,000 episodes, alpha 0.2, gamma 0.99, epsilon 0.1) from rng seeds 0, 1, 2:
    the greedy policy reaches the goal (at most 17 steps) from at least 2 of the 3, and acting epsilon-greedily on
    Q is worth, in the median run, more than halfway from the cliff's-edge path to the best epsilon-greedy policy."""
    runs = yield [_train("sarsa", CLIFF_SARSA, Rng(seed)) for seed in AGENT_SEEDS]
    ctx.leaves_global_rng(*runs, function="sarsa")
    tables = [_trained_q(ctx, run, "sarsa", CLIFF_SARSA) for run in runs]
    P, S, A = CLIFF_SARSA.table()
    gamma, epsilon, start = CLIFF_SARSA.settings["gamma"], CLIFF_SARSA.settings["epsilon"], CLIFF_SARSA.start
    safe = -(1 - gamma ** SAFE_STEPS) / (1 - gamma)
    greedy = [CLIFF_SARSA.values(Q)[0][start] for Q in tables]
    reaching = [seed for seed, value in zip(AGENT_SEEDS, greedy) if value >= safe - 1e-6]
    if len(reaching) < 2:
        seed = next(s for s in AGENT_SEEDS if s not in reaching)
        figure = CLIFF_SARSA.figure(f"sarsa on CliffWalking-v1, rng seed {seed}", tables[AGENT_SEEDS.index(seed)])
        ctx.fail(f"the greedy policy of your Q reaches the goal within {SAFE_STEPS} steps from {len(reaching)} of "
                 f"{len(AGENT_SEEDS)} rng seeds (at least 2 must); seed {seed}'s is worth "
                 f"{greedy[AGENT_SEEDS.index(seed)]:.3g} from the start.\n{figure_text(figure)}", figure=figure)
    exploring = sorted(exploring_values(P, S, A, Q, epsilon, gamma)[start] for Q in tables)[1]
    T, R = model(P, S, A)
    edge = exploring_values(P, S, A, R + gamma * T @ optimal_values(P, S, A, gamma), epsilon, gamma)[start]
    best = optimal_exploring_values(P, S, A, epsilon, gamma)[start]
    if exploring < (edge + best) / 2:
        Q = tables[1]
        figure = CLIFF_SARSA.figure("sarsa on CliffWalking-v1, rng seed 1", Q)
        ctx.refute(f"acting epsilon-greedily on your Q is worth {exploring:.3g} from the start (the median of 3 "
                   f"seeds); the best epsilon-greedy policy earns {best:.3g}, one along the cliff's edge "
                   f"{edge:.3g}.\n{figure_text(figure)}", "the cliff's edge" if exploring < edge + 0.25 * (best - edge)
                   else "", figure=figure)


def optimal_exploring_values(P, S, A, epsilon, gamma):
    """The values of the best epsilon-greedy policy: V = (1 - eps) max_a Q + eps mean_a Q, to convergence."""
    T, R = model(P, S, A)
    V = np.zeros(S)
    for _ in range(100_000):
        Q = R + gamma * T @ V
        new = (1 - epsilon) * Q.max(axis=1) + epsilon * Q.mean(axis=1)
        if np.max(np.abs(new - V)) < 1e-12 * max(1.0, np.max(np.abs(new))):
            return new
        V = new
    return V


TRUNCATION = Mistake("truncation_treated_as_termination", "a truncated episode was cut by a time limit, not ended: "
                     "its last state still has a future, so bootstrap unless terminated is True (pass terminated "
                     "to the update, not terminated or truncated; end the loop on either)",
                     when=lambda obs: obs.got == "short-sighted")


EPSILON_DECAYED = Mistake("epsilon_decayed", "explore with the epsilon given, all through training: an epsilon "
                          "that shrinks stops exploring before the walk to the corridor's end is learned (a decay "
                          "schedule is the caller's choice, not the function's)",
                          when=lambda obs: obs.got == "explored too little")


def learns_the_time_limited_corridor(function):
    def body(ctx, case):
        got = yield _train(function, CORRIDOR, case["rng"])
        ctx.leaves_global_rng(got, function=function)
        Q = _trained_q(ctx, got, function, CORRIDOR)
        mine, best = CORRIDOR.values(Q)
        worst = int(np.argmax(best - mine))
        if best[worst] - mine[worst] > 1e-6 * max(1.0, abs(best[worst])):
            figure = CORRIDOR.figure(f"{function} on the time-limited corridor, rng seed {case['rng'].seed} "
                                     "(o collect, > walk)", Q)
            ctx.refute(f"on {CORRIDOR.env.describe()}, trained with {_settings_text(CORRIDOR)}: the greedy policy "
                       f"of your Q is worth {mine[worst]:.3g} in cell {worst}, the optimum {best[worst]:.3g}.\n"
                       f"{figure_text(figure)}", "short-sighted" if Q.max(axis=1).mean() < best.mean() / 3
                       else "explored too little", figure=figure)
    body.__doc__ = (f"Trained on a corridor whose episodes are always truncated after 3 steps ("
                    f"{_settings_text(CORRIDOR)}), the greedy policy walks to the end from every cell: only an agent "
                    "that bootstraps through truncation, and keeps exploring, learns that the end pays.")
    return body


def reproducible_with_its_rng(function, training):
    def body(ctx, case):
        first, again = yield [_train(function, training, case["rng"]), _train(function, training, case["rng"], reuse=False)]
        ctx.leaves_global_rng(first, again, function=function)
        if not np.array_equal(_trained_q(ctx, first, function, training), _trained_q(ctx, again, function, training)):
            ctx.fail("two runs given the same rng seed returned different Q: draw every random number from rng "
                     "(rng.random(), rng.integers()) and seed each episode's env.reset(seed=int(rng.integers(2**31)))"
                     "; not env.action_space.sample() or np.random")
    body.__doc__ = "Two runs with the same seed give the same Q: all randomness (exploration, env.reset seeds) comes from rng."
    return body


def fast_enough(function, training):
    def body(ctx, case):
        args = {"env": training.env, **training.settings, **case}
        timing, got, _ = yield from measure(ctx, function, args, AGENT_LIMIT)
        _trained_q(ctx, got, function, training)
        if timing.ratio > AGENT_LIMIT.factor:
            ctx.fail(f"{function}() took {timing.ratio:.1f}x the reference solution's time ({timing.student:.2f} s "
                     f"against {timing.reference:.2f} s); the limit is {AGENT_LIMIT.factor:g}x. Hint: "
                     f"{AGENT_LIMIT.hint}")
    body.__doc__ = f"The rng seed 0 training run on CliffWalking-v1 within {AGENT_LIMIT.factor:g}x the reference's time."
    return body


for function, training in (("q_learning", CLIFF_Q), ("sarsa", CLIFF_SARSA)):
    TOPIC.check(function, "learns_the_time_limited_corridor", cases=[{"rng": Rng(0)}, {"rng": Rng(1)}],
                timeout=AGENT_TIMEOUT, mistakes=[TRUNCATION, EPSILON_DECAYED, GLOBAL_RNG])(
        learns_the_time_limited_corridor(function))
    TOPIC.check(function, "reproducible_with_its_rng", cases=[{"rng": Rng(0)}], timeout=AGENT_TIMEOUT,
                mistakes=[GLOBAL_RNG])(reproducible_with_its_rng(function, training))
    TOPIC.check(function, "fast_enough", cases=[{"rng": Rng(0)}], timeout=AGENT_TIMEOUT)(fast_enough(function, training))


# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("discounted_returns",
            "The idea: the return from step t is the reward received now plus gamma times the return from the next "
            "step; the last step's return is its reward alone. So every return follows from its successor's.",
            "The formula: G_{T-1} = r_{T-1}, then G_t = r_t + gamma * G_{t+1} for t = T-2 .. 0; equivalently "
            "G_t = sum over k >= t of gamma^(k-t) * r_k. rewards (T,) -> G (T,) float64.",
            "The shape of the code: start from a float64 copy of the rewards (not zeros_like of a possibly integer "
            "array), then walk t backwards from the second-to-last step, adding gamma times the entry after it. "
            "One pass, O(T); a forward pass or a power sum per t is wrong or O(T^2).",
            questions=[("Why discount at all?",
                        "It keeps infinite-horizon returns finite (at most r_max / (1 - gamma)), makes the Bellman "
                        "operator a gamma-contraction, and sets an effective horizon of about 1 / (1 - gamma) steps."),
                       ("Can the backward loop be vectorized?",
                        "It is a linear recurrence: a first-order IIR filter on the reversed rewards "
                        "(scipy.signal.lfilter with a = [1, -gamma]) or a triangular solve. A cumsum of gamma^-t * r_t "
                        "is exact on paper but overflows or loses precision for long episodes.")])

TOPIC.hints("value_iteration",
            "The idea: start from V = 0 and repeatedly replace each state's value by its best one-step look-ahead: "
            "expected reward plus discounted value of where you land, maximized over actions. Stop when a sweep "
            "changes no value by theta or more, then act greedily on the final V.",
            "The formula: Q(s, a) = sum over (p, s', r, terminated) in P[s][a] of p * (r + gamma * (1 - terminated) "
            "* V(s')), an (S, A) table; V_new(s) = max_a Q(s, a); policy(s) = argmax_a Q(s, a), int64 (S,).",
            "The shape of the code: either loop over states, actions and their tuples per sweep, or build once an "
            "(S, A, S) array of non-terminated transition probabilities and an (S, A) array of expected rewards "
            "(accumulate with +=: a slippery move lists the same s' several times), so a sweep is a matrix product "
            "and a max over the action axis. Read termination from each tuple's flag, never a hard-coded goal "
            "list; the policy comes from one last look-ahead on the converged V.",
            questions=[("Why does value iteration converge, and how fast?",
                        "The Bellman optimality operator is a gamma-contraction in the max norm, so the error shrinks "
                        "by a factor gamma per sweep: about log(theta) / log(gamma) sweeps, each O(S^2 A) dense or "
                        "O(number of transitions) sparse."),
                       ("Value iteration or policy iteration?",
                        "Policy iteration alternates an exact evaluation (an O(S^3) solve) with greedy improvement and "
                        "usually needs only a handful of iterations; value iteration makes many cheap sweeps. Both "
                        "reach an optimal policy; modified policy iteration sits in between.")])

TOPIC.hints("policy_evaluation",
            "The idea: with the policy fixed, the Bellman expectation equations are linear in V, one per state. "
            "Solve that linear system exactly, or iterate the backup until it stops changing.",
            "The formula: r_pi(s) = sum of p * r over P[s][policy[s]], shape (S,); T_pi(s, s') = sum of p over the "
            "non-terminated tuples of that list leading to s', shape (S, S); then V = r_pi + gamma * T_pi V, "
            "i.e. (I - gamma * T_pi) V = r_pi.",
            "The shape of the code: for each state read only the tuples of the policy's action; every tuple adds "
            "p * r to the reward vector, only non-terminated ones add p to the matrix row, with += because next "
            "states repeat. Then one dense linear solve against the identity minus gamma times that matrix "
            "(O(S^3): Taxi's 500 states are fine). Iterating instead: sweep until the max change is below theta.",
            questions=[("Why is I - gamma * T_pi invertible?",
                        "T_pi is substochastic (rows sum to at most 1), so gamma * T_pi has spectral radius below 1 "
                        "for gamma < 1 and the Neumann series of its powers converges to the inverse. With gamma = 1 "
                        "it is singular when the policy can loop forever without terminating."),
                       ("Direct solve or iterative sweeps: which costs less?",
                        "The solve is O(S^3) once; a sweep is O(transitions) and about log(theta) / log(gamma) sweeps "
                        "are needed. For large sparse MDPs with gamma not near 1 iteration (or a sparse solver) wins; "
                        "for small dense ones, or gamma near 1, the solve does.")])

TOPIC.hints("mc_prediction",
            "The idea: a state's value is its expected return, so estimate it by averaging the returns actually "
            "observed after visiting it, over all episodes. No model and no bootstrapping, but episodes must end.",
            "The formula: per episode compute every G_t = r_t + gamma * G_{t+1}; V(s) = (sum of G_t over counted "
            "visits with s_t = s) / (number of counted visits). First-visit counts only the earliest t with s_t = s "
            "in each episode, every-visit counts all. V(s) = 0 where nothing was counted.",
            "The shape of the code: two (S,) float64 accumulators, sums and counts, kept across all episodes (not "
            "reset per episode). Per episode take all returns from your discounted_returns, keep the first "
            "occurrence of each state (np.unique can return first indices) or every visit, and scatter-add with "
            "np.add.at or a loop: fancy-indexed += drops repeated states. Divide only where the count is positive.",
            questions=[("First-visit or every-visit MC?",
                        "First-visit averages one independent return per episode, so it is unbiased; every-visit "
                        "uses correlated returns from one episode, is biased for finite data but consistent, and "
                        "often has lower error early. Both converge to V_pi."),
                       ("Monte-Carlo or TD(0)?",
                        "MC is unbiased but high-variance (a return sums many random rewards) and waits for the "
                        "episode to end; TD bootstraps on its own estimates, biased but lower-variance, learns online "
                        "and in continuing tasks, and exploits the Markov property. n-step and TD(lambda) "
                        "interpolate.")])

TOPIC.hints("td0_update",
            "The idea: after one transition, nudge V(s) toward a one-step target, the reward plus the discounted "
            "current estimate of the next state. Only the entry of s changes.",
            "The formula: delta = r + gamma * (1 - terminated) * V(s_next) - V(s), the TD error (a scalar); "
            "V_new(s) = V(s) + alpha * delta; V_new (S,) float64, equal to V elsewhere.",
            "The shape of the code: make a float64 copy, compute the target from the old values (s_next may equal "
            "s), leave out the bootstrap term when terminated, move the copy's entry at s by alpha times the error "
            "(not by alpha times the target), return the copy. A truncated step arrives with terminated False and "
            "bootstraps as usual.",
            questions=[("Why does terminated stop the bootstrap but truncated does not?",
                        "A terminal state has value 0 by definition. A truncated episode stops at a real state whose "
                        "future was only cut off by a time limit; zeroing its value teaches the agent that states near "
                        "the limit are worthless, a dependence on time the state does not contain."),
                       ("When does tabular TD(0) converge to V_pi?",
                        "With probability 1 if every state is visited infinitely often and the step sizes satisfy "
                        "Robbins-Monro (sum alpha_t infinite, sum alpha_t^2 finite). A constant alpha leaves the "
                        "estimate fluctuating around V_pi with noise that grows with alpha.")])

TOPIC.hints("sarsa_update",
            "The idea: the TD step on action values, where the target uses the action the behaviour policy actually "
            "chose next (State, Action, Reward, State, Action). It evaluates the policy that acts, exploration "
            "included: on-policy.",
            "The formula: target = r + gamma * (1 - terminated) * Q(s_next, a_next); Q_new(s, a) = Q(s, a) + "
            "alpha * (target - Q(s, a)); Q (S, A) float64, every index a scalar.",
            "The shape of the code: copy Q as float64, read the next value at (s_next, a_next) as given (no max "
            "over the row, no new draw), drop it when terminated (a_next is then meaningless), change only the "
            "(s, a) entry of the copy, return the copy.",
            questions=[("Why does SARSA walk a safer path than Q-learning on CliffWalking?",
                        "SARSA learns the values of the epsilon-greedy policy, which sometimes takes a random step; "
                        "next to the cliff that costs -100, so it learns to keep a row away. Q-learning learns the "
                        "greedy optimum along the edge, and under exploration falls off more, earning less online."),
                       ("What does Expected SARSA change?",
                        "It replaces Q(s', a') by its expectation under the policy, sum over a' of pi(a' | s') * "
                        "Q(s', a'), removing the variance of sampling a'. With a greedy target policy it is exactly "
                        "Q-learning.")])

TOPIC.hints("q_learning_update",
            "The idea: move Q(s, a) toward the reward plus the discounted value of the best action in the next "
            "state, whatever action will actually be taken there: it learns the greedy policy's values while "
            "behaving otherwise (off-policy).",
            "The formula: target = r + gamma * (1 - terminated) * max_a' Q(s_next, a'); Q_new(s, a) = Q(s, a) + "
            "alpha * (target - Q(s, a)); the max runs over the (A,) row of s_next only.",
            "The shape of the code: copy Q as float64, take the max over the next state's row (not the row of s, "
            "not the whole table), drop it when terminated, change only the (s, a) entry of the copy, return it.",
            questions=[("Why does off-policy Q-learning need no importance sampling?",
                        "The action a at s is given, and the target evaluates s' with the greedy action, not with "
                        "anything the behaviour policy chose, so no probability ratio appears. Off-policy MC and "
                        "n-step methods, whose targets follow behaviour actions, do need ratios."),
                       ("What is maximization bias, and how is it fixed?",
                        "A max over noisy estimates is biased upward (E[max] >= max E), so Q-learning overestimates, "
                        "more with many actions. Double Q-learning keeps two tables: one picks the argmax, the other "
                        "evaluates it.")])

TOPIC.hints("epsilon_greedy",
            "The idea: mostly exploit the current estimates, but with probability epsilon take a uniformly random "
            "action so that every action keeps being tried.",
            "The formula: P(a) = epsilon / A + (1 - epsilon) * [a is the greedy action] (the second term shared "
            "among tied maximizers if you break ties at random). The random pick includes the greedy action.",
            "The shape of the code: one uniform draw from rng compared with epsilon decides explore or exploit; "
            "exploring draws an integer in [0, A) from rng; exploiting takes an argmax (random among ties via rng "
            "if you like). Return a Python int. Never np.random's globals or action_space.sample(); epsilon 0 and "
            "1 must both work.",
            questions=[("What is GLIE, and why would you decay epsilon?",
                        "Greedy in the Limit with Infinite Exploration: every (s, a) is tried infinitely often while "
                        "the policy becomes greedy, e.g. epsilon_t = 1 / t. With it (and Robbins-Monro steps) SARSA "
                        "converges to Q*; with a constant epsilon only to the best epsilon-soft policy."),
                       ("What are the alternatives to epsilon-greedy?",
                        "Boltzmann (softmax) exploration with probabilities proportional to exp(Q / tau), optimism "
                        "(optimistic initial values, UCB bonuses c * sqrt(ln t / N(s, a))) and Thompson sampling; they "
                        "direct exploration to promising or uncertain actions instead of uniformly.")])

TOPIC.hints("dqn_targets",
            "The idea: the batched Q-learning target. Each transition's regression target is its reward plus the "
            "discounted best next-state value according to the target network, with no bootstrap where the "
            "episode terminated.",
            "The formula: y_i = r_i + gamma * (1 - terminated_i) * max_a' next_q[i, a']; next_q (N, A) reduced over "
            "the action axis gives (N,); y (N,) float64.",
            "The shape of the code: reduce next_q over axis 1 (not the batch axis), turn terminated into a bool or "
            "0/1 float mask (bitwise ~ on an integer array gives -1 and -2), combine elementwise with the rewards. "
            "No loop needed.",
            questions=[("Why does DQN use a target network?",
                        "With the online network in the target, each gradient step moves its own target; with function "
                        "approximation, bootstrapping and off-policy data (the deadly triad) that can oscillate or "
                        "diverge. A copy updated every C steps (or by Polyak averaging) holds the targets still, "
                        "making each phase a near-supervised regression."),
                       ("What does Double DQN change in this function?",
                        "The next action is chosen by the online network and evaluated by the target network: "
                        "y = r + gamma * (1 - terminated) * Q_target(s', argmax_a' Q_online(s', a')). That curbs the "
                        "overestimation of taking a max over noisy estimates.")])

TOPIC.hints("dqn_loss",
            "The idea: regress the online network's Q of the action actually taken toward its fixed target; the "
            "other actions' outputs get no gradient. Huber is quadratic for small errors and linear for large "
            "ones, so outliers cannot blow up the gradient.",
            "The formula: d_i = q[i, a_i] - y_i; loss = (1/N) * sum_i h(d_i) with h(d) = 0.5 * d^2 if |d| < 1 else "
            "|d| - 0.5; dloss/dq[i, a_i] = clip(d_i, -1, 1) / N and 0 elsewhere, dq (N, A).",
            "The shape of the code: gather the taken entries with a row-index array paired with actions (indexing "
            "columns by actions alone gives an (N, N) block), apply the Huber cases with a where on |d|, take the "
            "mean, and scatter the clipped error over N into a float64 zero array shaped like q at the same "
            "(row, action) pairs. Targets get no gradient. Return the loss as a float.",
            questions=[("Why Huber rather than squared error?",
                        "TD errors are large and heavy-tailed, especially early and after target updates; Huber bounds "
                        "each sample's gradient by 1, like clipping the error, which stabilizes training while "
                        "behaving like MSE near zero."),
                       ("Why is no gradient taken through the targets?",
                        "The target is a label (a semi-gradient method), and with a target network it is another "
                        "network's output. Differentiating through it (residual gradients) learns slower and, with "
                        "stochastic transitions, converges to a biased solution (the double-sampling problem).")])

TOPIC.hints("q_learning",
            "The idea: start from Q = 0; in each episode act epsilon-greedily on the current Q, apply the "
            "Q-learning update after every step with what was observed, and continue from the new state until "
            "the episode ends.",
            "The formula: per step a = epsilon-greedy(Q[s]); (s', r, terminated, truncated) from env.step(a); "
            "Q(s, a) += alpha * (r + gamma * (1 - terminated) * max_a' Q(s', a') - Q(s, a)); the episode ends on "
            "terminated or truncated. Q (S, A) with S, A from the Discrete spaces' n.",
            "The shape of the code: a zero table; an outer loop over episodes, each reset with a seed drawn from "
            "rng as an int below 2**31; an inner loop while not done: choose, step, update, move to s_next, end on "
            "either flag. Only terminated drops the bootstrap. Copying the whole table every step is slow: "
            "update your own table in place inside the loop.",
            questions=[("When does tabular Q-learning converge to Q*?",
                        "With probability 1 if every (s, a) is updated infinitely often and the step sizes satisfy "
                        "Robbins-Monro; the behaviour policy may be anything that keeps exploring. With a constant "
                        "alpha it only settles near Q*, and with function approximation there is no guarantee."),
                       ("What does it cost, and how does it scale?",
                        "O(A) per step for the max and O(S A) memory, so it breaks down when states are many or "
                        "continuous; function approximation (DQN, with a replay buffer and a target network) "
                        "generalizes across states.")])

TOPIC.hints("sarsa",
            "The idea: on-policy control. The action chosen for the next state both enters the update's target "
            "and is the action actually taken next, so the first action is chosen right after reset.",
            "The formula: a_0 = epsilon-greedy(Q[s_0]); per step (s', r, terminated, truncated) from env.step(a), "
            "a' = epsilon-greedy(Q[s']), Q(s, a) += alpha * (r + gamma * (1 - terminated) * Q(s', a') - Q(s, a)), "
            "then (s, a) becomes (s', a'); stop on terminated or truncated.",
            "The shape of the code: a zero table; per episode reset with a seed drawn from rng and choose the first "
            "action before the inner loop; inside it step, choose the next action, update, carry state and action "
            "forward. Never draw a fresh action at the top of the loop; only terminated drops the bootstrap; "
            "update your own table in place for speed.",
            questions=[("What does SARSA converge to with a constant epsilon?",
                        "To the values of the best epsilon-greedy policy, not Q*. Under GLIE exploration (epsilon "
                        "decaying to 0 while every action stays tried) and Robbins-Monro step sizes it converges to "
                        "Q* and an optimal policy."),
                       ("Why would you use n-step SARSA or SARSA(lambda)?",
                        "Bootstrapping after n rewards (or averaging over all n with eligibility traces) propagates a "
                        "reward back along the trajectory in one update instead of one state per episode, trading "
                        "bootstrap bias for Monte-Carlo variance.")])
