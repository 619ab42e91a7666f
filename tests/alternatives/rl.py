"""Tabular RL written differently from solutions/: loops over the table instead of matrices, Gauss-Seidel
value iteration, iterative policy evaluation to theta, dict accumulators, np.argmax's first maximizer."""
import numpy as np


def discounted_returns(rewards, gamma):
    G = np.zeros(len(rewards))
    running = 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        G[t] = running
    return G


def _backup(P, V, s, a, gamma):
    return sum(p * (r + (0.0 if done else gamma * V[s2])) for p, s2, r, done in P[s][a])


def value_iteration(P, n_states, n_actions, gamma, theta=1e-10):
    V = np.zeros(n_states)
    while True:
        delta = 0.0
        for s in range(n_states):  # in place (Gauss-Seidel): converges to the same fixed point
            best = max(_backup(P, V, s, a, gamma) for a in range(n_actions))
            delta = max(delta, abs(best - V[s]))
            V[s] = best
        if delta < theta:
            break
    policy = np.array([int(np.argmax([_backup(P, V, s, a, gamma) for a in range(n_actions)]))
                       for s in range(n_states)], dtype=np.int64)
    return V, policy


def policy_evaluation(P, policy, n_states, gamma, theta=1e-10):
    V = np.zeros(n_states)
    while True:
        new = np.array([_backup(P, V, s, int(policy[s]), gamma) for s in range(n_states)])
        if np.max(np.abs(new - V)) < theta * (1 - gamma) / max(gamma, 1e-12):
            return new
        V = new


def mc_prediction(episodes, n_states, gamma, first_visit=True):
    returns = {}
    for states, rewards in episodes:
        G, after = 0.0, []
        for t in reversed(range(len(states))):
            G = rewards[t] + gamma * G
            after.append((t, int(states[t]), G))
        first = {}
        for t, s, g in after:  # reversed: the last write per state is its first visit
            first[s] = (t, g)
        for t, s, g in after:
            if not first_visit or first[s][0] == t:
                returns.setdefault(s, []).append(g)
    V = np.zeros(n_states)
    for s, gs in returns.items():
        V[s] = sum(gs) / len(gs)
    return V


def td0_update(V, s, r, s_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * V[s_next]
    new = V.copy()
    new[s] = (1 - alpha) * V[s] + alpha * target
    return new


def sarsa_update(Q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * Q[s_next][a_next]
    new = Q.copy()
    new[s, a] = (1 - alpha) * Q[s, a] + alpha * target
    return new


def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * max(Q[s_next])
    new = Q.copy()
    new[s, a] = (1 - alpha) * Q[s, a] + alpha * target
    return new


def epsilon_greedy(q_values, epsilon, rng):
    if rng.random() < epsilon:
        return int(rng.integers(0, len(q_values)))
    return int(np.argmax(q_values))  # the first maximizer: the contract allows any


def q_learning(env, n_episodes, alpha, gamma, epsilon, rng):
    """Ties broken by np.argmax (the first maximizer), as most textbook agents do."""
    Q = np.zeros((env.observation_space.n, env.action_space.n))
    for _ in range(n_episodes):
        state, _ = env.reset(seed=int(rng.integers(2**31)))
        while True:
            action = epsilon_greedy(Q[state], epsilon, rng)
            following, reward, terminated, truncated, _ = env.step(action)
            best_next = 0.0 if terminated else np.max(Q[following])
            Q[state, action] += alpha * (reward + gamma * best_next - Q[state, action])
            state = following
            if terminated or truncated:
                break
    return Q


def sarsa(env, n_episodes, alpha, gamma, epsilon, rng):
    """np.argmax ties, the episode's end tested at the top of the loop, the target spelled out."""
    n_states, n_actions = env.observation_space.n, env.action_space.n
    Q = np.zeros((n_states, n_actions))
    for _ in range(n_episodes):
        state, _ = env.reset(seed=int(rng.integers(2**31)))
        action = epsilon_greedy(Q[state], epsilon, rng)
        terminated = truncated = False
        while not (terminated or truncated):
            following, reward, terminated, truncated, _ = env.step(action)
            next_action = epsilon_greedy(Q[following], epsilon, rng)
            target = reward if terminated else reward + gamma * Q[following, next_action]
            Q[state, action] += alpha * (target - Q[state, action])
            state, action = following, next_action
    return Q


def dqn_targets(rewards, next_q, terminated, gamma):
    return np.array([r + (0.0 if done else gamma * max(row)) for r, row, done in zip(rewards, next_q, terminated)])


def dqn_loss(q, actions, targets):
    n = len(actions)
    loss, dq = 0.0, np.zeros(q.shape)
    for i, (a, y) in enumerate(zip(actions, targets)):
        d = q[i, a] - y
        loss += 0.5 * d * d if abs(d) < 1 else abs(d) - 0.5
        dq[i, a] = max(-1.0, min(1.0, d)) / n
    return loss / n, dq
