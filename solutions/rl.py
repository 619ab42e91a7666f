"""Reinforcement learning on tabular MDPs (reference)."""
import numpy as np


def _model(P, pairs, n_states):
    """Rows for K (s, a) pairs: non-terminal transitions (K, S), mean rewards (K,), termination probs (K,)."""
    T, R, D = np.zeros((len(pairs), n_states)), np.zeros(len(pairs)), np.zeros(len(pairs))
    for i, (s, a) in enumerate(pairs):
        for p, s_next, r, terminated in P[s][a]:
            R[i] += p * r
            if terminated:
                D[i] += p
            else:
                T[i, s_next] += p
    return T, R, D


def _reaches(T):
    """Boolean (S, S) matrix: j is reachable from i (i included) through positive transitions."""
    reach = (T > 0) | np.eye(len(T), dtype=bool)
    while True:
        grown = (reach.astype(float) @ reach.astype(float)) > 0
        if (grown == reach).all():
            return reach
        reach = grown


def discounted_returns(rewards, gamma):
    """G_t = r_t + gamma G_{t+1}, by one backward pass."""
    G = np.array(rewards, dtype=np.float64)
    for t in range(len(G) - 2, -1, -1):
        G[t] += gamma * G[t + 1]
    return G


def value_iteration(P, n_states, n_actions, gamma, theta=1e-10):
    """Jacobi value iteration until max |V_new - V| < theta -> (V, greedy int64 policy)."""
    pairs = [(s, a) for s in range(n_states) for a in range(n_actions)]
    T, R, D = _model(P, pairs, n_states)
    T = T.reshape(n_states, n_actions, n_states)
    R, D = R.reshape(n_states, n_actions), D.reshape(n_states, n_actions)
    V = np.zeros(n_states)
    while True:
        V_new = (R + gamma * T @ V).max(axis=1)
        done = np.max(np.abs(V_new - V)) < theta
        V = V_new
        if done:
            break
    Q = R + gamma * T @ V
    policy = Q.argmax(axis=1)
    if gamma >= 1:  # a zero-reward loop can tie with progress (FrozenLake): among the greedy actions,
        greedy = Q >= Q.max(axis=1, keepdims=True) - theta  # grow the states with a path to termination
        settled = np.zeros(n_states, dtype=bool)
        while True:
            ok = greedy & ((D > 0) | (T @ settled > 0)) & ~settled[:, None]
            new = ok.any(axis=1)
            if not new.any():
                break
            policy[new], settled = ok[new].argmax(axis=1), settled | new
    return V, policy.astype(np.int64)


def policy_evaluation(P, policy, n_states, gamma, theta=1e-10):
    """Exact value of a deterministic policy from (I - gamma P_pi) V = r_pi; see the note for gamma = 1."""
    # With gamma = 1 the system is singular where the policy may never terminate. States that
    # terminate with probability 1 are still solved exactly; the others get the total reward in
    # Blackwell's sense: +-inf where the long-run reward per step (gain) is nonzero (|gain| > theta),
    # else the bias, e.g. 0 for a policy stuck in a zero-reward loop.
    T, R, D = _model(P, [(s, int(policy[s])) for s in range(n_states)], n_states)
    proper = np.ones(n_states, bool)
    if gamma >= 1:
        reach = _reaches(T)
        never_ends = ~reach[:, D > 0].any(axis=1)
        proper = ~reach[:, never_ends].any(axis=1)
    V = np.zeros(n_states)
    p, i = proper, ~proper
    V[p] = np.linalg.solve(np.eye(p.sum()) - gamma * T[np.ix_(p, p)], R[p])
    if i.any():
        n, c = i.sum(), R[i] + T[np.ix_(i, p)] @ V[p]
        A, I, Z = np.eye(n) - T[np.ix_(i, i)], np.eye(n), np.zeros((n, n))
        M = np.block([[A, Z, Z], [I, A, Z], [Z, I, A]])  # (I-P)g = 0, g + (I-P)h = c, h + (I-P)w = 0
        x = np.linalg.lstsq(M, np.concatenate([np.zeros(n), c, np.zeros(n)]), rcond=None)[0]
        gain, bias = x[:n], x[n:2 * n]
        V[i] = np.where(np.abs(gain) > theta, np.sign(gain) * np.inf, bias)
    return V


def mc_prediction(episodes, n_states, gamma, first_visit=True):
    """Monte-Carlo average of first-visit or every-visit returns; unvisited states 0."""
    total, count = np.zeros(n_states), np.zeros(n_states)
    for states, rewards in episodes:
        states, G = np.asarray(states, dtype=np.int64), discounted_returns(rewards, gamma)
        if first_visit:
            states, first = np.unique(states, return_index=True)
            G = G[first]
        np.add.at(total, states, G)
        np.add.at(count, states, 1.0)
    return np.divide(total, count, out=np.zeros(n_states), where=count > 0)


def _td_step(table, index, target, alpha):
    """In-place move of table[index] toward target by alpha."""
    table[index] += alpha * (target - table[index])
    return table


def td0_update(V, s, r, s_next, terminated, alpha, gamma):
    """V(s) += alpha (r + gamma V(s') [not terminated] - V(s)), on a copy."""
    V = np.array(V, dtype=np.float64)
    return _td_step(V, s, r + (0.0 if terminated else gamma * V[s_next]), alpha)


def sarsa_update(Q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    """Q(s, a) += alpha (r + gamma Q(s', a') [not terminated] - Q(s, a)), on a copy."""
    Q = np.array(Q, dtype=np.float64)
    return _td_step(Q, (s, a), r + (0.0 if terminated else gamma * Q[s_next, a_next]), alpha)


def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
    """Q(s, a) += alpha (r + gamma max_a' Q(s', a') [not terminated] - Q(s, a)), on a copy."""
    Q = np.array(Q, dtype=np.float64)
    return _td_step(Q, (s, a), r + (0.0 if terminated else gamma * Q[s_next].max()), alpha)


def epsilon_greedy(q_values, epsilon, rng):
    """A uniform random action with probability epsilon, else a greedy one (ties broken at random)."""
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(rng.choice(np.flatnonzero(q_values == np.max(q_values))))


def q_learning(env, n_episodes, alpha, gamma, epsilon, rng):
    """Q-learning from Q = 0 with a constant epsilon-greedy behaviour policy -> Q (S, A)."""
    Q = np.zeros((env.observation_space.n, env.action_space.n))
    for _ in range(n_episodes):
        s, _ = env.reset(seed=int(rng.integers(2**31)))
        done = False
        while not done:
            a = epsilon_greedy(Q[s], epsilon, rng)
            s_next, r, terminated, truncated, _ = env.step(a)
            _td_step(Q, (s, a), r + (0.0 if terminated else gamma * Q[s_next].max()), alpha)
            s, done = s_next, terminated or truncated
    return Q


def sarsa(env, n_episodes, alpha, gamma, epsilon, rng):
    """SARSA from Q = 0, bootstrapping on the epsilon-greedy action actually taken next -> Q (S, A)."""
    Q = np.zeros((env.observation_space.n, env.action_space.n))
    for _ in range(n_episodes):
        s, _ = env.reset(seed=int(rng.integers(2**31)))
        a = epsilon_greedy(Q[s], epsilon, rng)
        done = False
        while not done:
            s_next, r, terminated, truncated, _ = env.step(a)
            a_next = epsilon_greedy(Q[s_next], epsilon, rng)
            _td_step(Q, (s, a), r + (0.0 if terminated else gamma * Q[s_next, a_next]), alpha)
            s, a, done = s_next, a_next, terminated or truncated
    return Q


def dqn_targets(rewards, next_q, terminated, gamma):
    """r + gamma max_a' next_q[:, a'], without the bootstrap where terminated -> (N,)."""
    bootstrap = np.where(np.asarray(terminated, dtype=bool), 0.0, gamma * np.max(next_q, axis=1))
    return np.asarray(rewards, dtype=np.float64) + bootstrap


def dqn_loss(q, actions, targets):
    """Mean Huber loss (beta 1) of q[i, actions[i]] vs targets -> (loss, dq zero off the taken actions)."""
    rows = np.arange(q.shape[0])
    d = q[rows, actions] - targets
    loss = np.where(np.abs(d) < 1.0, 0.5 * d**2, np.abs(d) - 0.5).mean()
    dq = np.zeros_like(q, dtype=np.float64)
    dq[rows, actions] = np.clip(d, -1.0, 1.0) / len(d)
    return float(loss), dq
