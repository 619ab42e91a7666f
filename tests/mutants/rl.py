"""Mutants for rl: one buggy copy of the reference per mistake the grader names, written as students write them."""
from tests.support import Mutant

MUTANTS = [
    # -- discounted_returns ----------------------------------------------------------------------------------------
    Mutant("returns_exponent_starts_at_one", """
        def discounted_returns(rewards, gamma):
            T = len(rewards)
            G = np.zeros(T)
            for t in range(T):
                for k in range(t, T):
                    G[t] += gamma ** (k - t + 1) * rewards[k]     # the first reward already discounted
            return G
        """, "rl::discounted_returns::matches_the_rule", "return_discounts_first_reward"),
    Mutant("returns_running_sum_forward", """
        def discounted_returns(rewards, gamma):
            G = np.zeros(len(rewards))
            running = 0.0
            for t in range(len(rewards)):                         # forward, from the first step
                running = rewards[t] + gamma * running
                G[t] = running
            return G
        """, "rl::discounted_returns::matches_the_rule", "returns_accumulated_forward"),

    # -- value_iteration -------------------------------------------------------------------------------------------
    Mutant("vi_bootstraps_through_terminated", """
        def value_iteration(P, n_states, n_actions, gamma, theta=1e-10):
            V = np.zeros(n_states)
            while True:
                delta = 0.0
                for s in range(n_states):
                    q = [sum(p * (r + gamma * V[s2]) for p, s2, r, done in P[s][a]) for a in range(n_actions)]
                    best = max(q)
                    delta = max(delta, abs(best - V[s]))
                    V[s] = best
                if delta < theta:
                    break
            policy = np.zeros(n_states, dtype=np.int64)
            for s in range(n_states):
                q = [sum(p * (r + gamma * V[s2]) for p, s2, r, done in P[s][a]) for a in range(n_actions)]
                policy[s] = int(np.argmax(q))
            return V, policy
        """, "rl::value_iteration::optimal_on_gymnasium_and_edge_cases", "dp_no_terminal_mask"),
    Mutant("vi_reward_outside_the_probability", """
        def value_iteration(P, n_states, n_actions, gamma, theta=1e-10):
            def backup(V, s, a):
                total = 0.0
                for p, s2, r, done in P[s][a]:
                    total += r + (0.0 if done else p * gamma * V[s2])   # only the bootstrap weighted
                return total
            V = np.zeros(n_states)
            while True:
                V_new = np.array([max(backup(V, s, a) for a in range(n_actions)) for s in range(n_states)])
                if np.max(np.abs(V_new - V)) < theta:
                    V = V_new
                    break
                V = V_new
            policy = np.array([np.argmax([backup(V, s, a) for a in range(n_actions)]) for s in range(n_states)],
                              dtype=np.int64)
            return V, policy
        """, "rl::value_iteration::optimal_on_gymnasium_and_edge_cases", "dp_rewards_not_weighted"),
    Mutant("vi_reads_only_the_first_tuple", """
        def value_iteration(P, n_states, n_actions, gamma, theta=1e-10):
            V = np.zeros(n_states)
            while True:
                delta = 0.0
                for s in range(n_states):
                    q = np.zeros(n_actions)
                    for a in range(n_actions):
                        prob, s2, r, done = P[s][a][0]             # as if every move were deterministic
                        q[a] = r + (0.0 if done else gamma * V[s2])
                    delta = max(delta, abs(q.max() - V[s]))
                    V[s] = q.max()
                if delta < theta:
                    break
            policy = np.zeros(n_states, dtype=np.int64)
            for s in range(n_states):
                q = []
                for a in range(n_actions):
                    prob, s2, r, done = P[s][a][0]
                    q.append(r + (0.0 if done else gamma * V[s2]))
                policy[s] = int(np.argmax(q))
            return V, policy
        """, "rl::value_iteration::optimal_on_gymnasium_and_edge_cases", "dp_first_outcome_only"),

    # -- policy_evaluation -----------------------------------------------------------------------------------------
    Mutant("pe_solve_without_terminal_mask", """
        def policy_evaluation(P, policy, n_states, gamma, theta=1e-10):
            T = np.zeros((n_states, n_states))
            R = np.zeros(n_states)
            for s in range(n_states):
                for p, s2, r, done in P[s][int(policy[s])]:
                    T[s, s2] += p
                    R[s] += p * r
            return np.linalg.solve(np.eye(n_states) - gamma * T, R)
        """, "rl::policy_evaluation::exact_on_gymnasium_and_edge_cases", "dp_no_terminal_mask"),
    Mutant("pe_sweeps_reward_not_weighted", """
        def policy_evaluation(P, policy, n_states, gamma, theta=1e-10):
            V = np.zeros(n_states)
            while True:
                V_new = np.zeros(n_states)
                for s in range(n_states):
                    for p, s2, r, done in P[s][int(policy[s])]:
                        V_new[s] += r
                        if not done:
                            V_new[s] += p * gamma * V[s2]
                delta = np.max(np.abs(V_new - V))
                V = V_new
                if delta < theta:
                    return V
        """, "rl::policy_evaluation::exact_on_gymnasium_and_edge_cases", "dp_rewards_not_weighted"),
    Mutant("pe_first_tuple_as_deterministic", """
        def policy_evaluation(P, policy, n_states, gamma, theta=1e-10):
            A = np.eye(n_states)
            b = np.zeros(n_states)
            for s in range(n_states):
                prob, s2, r, done = P[s][int(policy[s])][0]
                b[s] = r
                if not done:
                    A[s, s2] -= gamma
            return np.linalg.solve(A, b)
        """, "rl::policy_evaluation::exact_on_gymnasium_and_edge_cases", "dp_first_outcome_only"),

    # -- mc_prediction ---------------------------------------------------------------------------------------------
    Mutant("mc_always_every_visit", """
        def mc_prediction(episodes, n_states, gamma, first_visit=True):
            total = np.zeros(n_states)
            count = np.zeros(n_states)
            for states, rewards in episodes:
                G = discounted_returns(rewards, gamma)
                for t, s in enumerate(states):
                    total[s] += G[t]
                    count[s] += 1
            V = np.zeros(n_states)
            seen = count > 0
            V[seen] = total[seen] / count[seen]
            return V
        """, "rl::mc_prediction::matches_the_rule_on_gymnasium_episodes", "mc_first_visit_ignored"),
    Mutant("mc_divides_by_zero_counts", """
        def mc_prediction(episodes, n_states, gamma, first_visit=True):
            total = np.zeros(n_states)
            count = np.zeros(n_states)
            for states, rewards in episodes:
                G = discounted_returns(rewards, gamma)
                seen = set()
                for t, s in enumerate(states):
                    if first_visit and s in seen:
                        continue
                    seen.add(s)
                    total[s] += G[t]
                    count[s] += 1
            return total / count
        """, "rl::mc_prediction::matches_the_rule_on_gymnasium_episodes", "mc_unvisited_not_zero"),

    # -- td0_update ------------------------------------------------------------------------------------------------
    Mutant("td0_ignores_terminated", """
        def td0_update(V, s, r, s_next, terminated, alpha, gamma):
            V = V.copy()
            target = r + gamma * V[s_next]
            V[s] = V[s] + alpha * (target - V[s])
            return V
        """, "rl::td0_update::matches_the_rule", "td_bootstraps_at_terminal"),
    Mutant("td0_adds_alpha_target", """
        def td0_update(V, s, r, s_next, terminated, alpha, gamma):
            V_new = V.copy()
            target = r if terminated else r + gamma * V[s_next]
            V_new[s] += alpha * target
            return V_new
        """, "rl::td0_update::matches_the_rule", "td_adds_target_not_error"),
    Mutant("td0_updates_callers_table", """
        def td0_update(V, s, r, s_next, terminated, alpha, gamma):
            target = r if terminated else r + gamma * V[s_next]
            V[s] += alpha * (target - V[s])
            return V
        """, "rl::td0_update::matches_the_rule", "modifies_input_in_place"),

    # -- sarsa_update ----------------------------------------------------------------------------------------------
    Mutant("sarsa_ignores_terminated", """
        def sarsa_update(Q, s, a, r, s_next, a_next, terminated, alpha, gamma):
            Q = Q.copy()
            Q[s, a] += alpha * (r + gamma * Q[s_next, a_next] - Q[s, a])
            return Q
        """, "rl::sarsa_update::matches_the_rule", "td_bootstraps_at_terminal"),
    Mutant("sarsa_adds_alpha_target", """
        def sarsa_update(Q, s, a, r, s_next, a_next, terminated, alpha, gamma):
            Q = Q.copy()
            target = r + (0.0 if terminated else gamma * Q[s_next, a_next])
            Q[s, a] = Q[s, a] + alpha * target
            return Q
        """, "rl::sarsa_update::matches_the_rule", "td_adds_target_not_error"),
    Mutant("sarsa_bootstraps_on_max", """
        def sarsa_update(Q, s, a, r, s_next, a_next, terminated, alpha, gamma):
            Q = Q.copy()
            target = r if terminated else r + gamma * np.max(Q[s_next])
            Q[s, a] += alpha * (target - Q[s, a])
            return Q
        """, "rl::sarsa_update::matches_the_rule", "sarsa_uses_max"),

    # -- q_learning_update -----------------------------------------------------------------------------------------
    Mutant("q_update_ignores_terminated", """
        def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
            Q = Q.copy()
            Q[s, a] += alpha * (r + gamma * Q[s_next].max() - Q[s, a])
            return Q
        """, "rl::q_learning_update::matches_the_rule", "td_bootstraps_at_terminal"),
    Mutant("q_update_adds_alpha_target", """
        def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
            Q = Q.copy()
            target = r if terminated else r + gamma * Q[s_next].max()
            Q[s, a] += alpha * target
            return Q
        """, "rl::q_learning_update::matches_the_rule", "td_adds_target_not_error"),
    # BAD until the grader gives rl::q_learning_update::matches_the_rule an explicit case with terminated False,
    # gamma > 0 and Q[s_next, a] < max Q[s_next]: none of its 12 public (nor 24 default-hidden) generated inputs
    # tells Q[s_next, a] from max Q[s_next], so this genuine mistake passes the check.
    Mutant("q_update_bootstraps_on_same_action", """
        def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
            Q = Q.copy()
            target = r if terminated else r + gamma * Q[s_next, a]
            Q[s, a] += alpha * (target - Q[s, a])
            return Q
        """, "rl::q_learning_update::matches_the_rule", "q_learning_uses_taken_action"),

    # -- epsilon_greedy --------------------------------------------------------------------------------------------
    Mutant("epsilon_explores_only_non_greedy", """
        def epsilon_greedy(q_values, epsilon, rng):
            best = int(np.argmax(q_values))
            if rng.random() < epsilon:
                others = [a for a in range(len(q_values)) if a != best]
                return int(rng.choice(others))
            return best
        """, "rl::epsilon_greedy::draws_with_the_right_probabilities", "epsilon_excludes_greedy"),
    # With EPSILON_CASES[0] (epsilon 0.4, 4 actions, 1,000 draws) this greedy frequency (0.4 + 0.6 / 4 = 55%) lies
    # within 5 sigma of 1 - epsilon = 60%, which the grader tests first ("greedy too rare"), so it is named
    # epsilon_excludes_greedy; OK with the earlier draft (epsilon 0.2, 4,000 draws).
    Mutant("epsilon_exploits_with_probability_epsilon", """
        def epsilon_greedy(q_values, epsilon, rng):
            if rng.random() < epsilon:
                return int(np.argmax(q_values))
            return int(rng.integers(len(q_values)))
        """, "rl::epsilon_greedy::draws_with_the_right_probabilities", "epsilon_inverted"),
    Mutant("epsilon_uses_np_random", """
        def epsilon_greedy(q_values, epsilon, rng):
            if np.random.rand() < epsilon:
                return int(np.random.randint(len(q_values)))
            return int(np.argmax(q_values))
        """, "rl::epsilon_greedy::draws_with_the_right_probabilities", "touches_global_rng"),

    # -- dqn_targets -----------------------------------------------------------------------------------------------
    Mutant("dqn_targets_ignore_terminated", """
        def dqn_targets(rewards, next_q, terminated, gamma):
            return rewards + gamma * np.max(next_q, axis=1)
        """, "rl::dqn_targets::matches_the_rule", "td_bootstraps_at_terminal"),
    Mutant("dqn_targets_average_next_q", """
        def dqn_targets(rewards, next_q, terminated, gamma):
            done = np.asarray(terminated, dtype=np.float64)
            return rewards + gamma * next_q.mean(axis=1) * (1.0 - done)
        """, "rl::dqn_targets::matches_the_rule", "dqn_target_not_max"),

    # -- dqn_loss --------------------------------------------------------------------------------------------------
    Mutant("dqn_loss_mse", """
        def dqn_loss(q, actions, targets):
            N = q.shape[0]
            d = q[np.arange(N), actions] - targets
            loss = np.mean(0.5 * d ** 2)
            dq = np.zeros_like(q)
            dq[np.arange(N), actions] = d / N
            return float(loss), dq
        """, "rl::dqn_loss::matches_torch", "dqn_loss_is_squared_error"),
    Mutant("dqn_loss_gradient_broadcast_to_all_actions", """
        def dqn_loss(q, actions, targets):
            N = q.shape[0]
            d = q[np.arange(N), actions] - targets
            loss = np.where(np.abs(d) < 1.0, 0.5 * d ** 2, np.abs(d) - 0.5).mean()
            grad = np.clip(d, -1.0, 1.0) / N
            dq = np.repeat(grad[:, None], q.shape[1], axis=1)
            return float(loss), dq
        """, "rl::dqn_loss::matches_torch", "dqn_gradient_on_every_action"),
    Mutant("dqn_loss_sum_over_batch", """
        def dqn_loss(q, actions, targets):
            rows = np.arange(len(actions))
            d = q[rows, actions] - targets
            loss = np.sum(np.where(np.abs(d) < 1.0, 0.5 * d ** 2, np.abs(d) - 0.5))
            dq = np.zeros_like(q)
            dq[rows, actions] = np.clip(d, -1.0, 1.0)
            return float(loss), dq
        """, "rl::dqn_loss::matches_torch", "dqn_loss_summed"),
    # -- q_learning ------------------------------------------------------------------------------------------------
    Mutant("q_learning_explores_with_np_random", """
        def q_learning(env, n_episodes, alpha, gamma, epsilon, rng):
            Q = np.zeros((env.observation_space.n, env.action_space.n))
            for _ in range(n_episodes):
                s, _ = env.reset(seed=int(rng.integers(2**31)))
                done = False
                while not done:
                    if np.random.random() < epsilon:          # the global generator, not rng
                        a = np.random.randint(env.action_space.n)
                    else:
                        a = int(np.argmax(Q[s]))
                    s_next, r, terminated, truncated, _ = env.step(a)
                    target = r if terminated else r + gamma * Q[s_next].max()
                    Q[s, a] += alpha * (target - Q[s, a])
                    s, done = s_next, terminated or truncated
            return Q
        """, "rl::q_learning::finds_the_optimal_path", "touches_global_rng"),
    Mutant("q_learning_stops_bootstrapping_at_the_time_limit", """
        def q_learning(env, n_episodes, alpha, gamma, epsilon, rng):
            Q = np.zeros((env.observation_space.n, env.action_space.n))
            for _ in range(n_episodes):
                s, _ = env.reset(seed=int(rng.integers(2**31)))
                done = False
                while not done:
                    a = epsilon_greedy(Q[s], epsilon, rng)
                    s_next, r, terminated, truncated, _ = env.step(a)
                    done = terminated or truncated
                    target = r if done else r + gamma * np.max(Q[s_next])   # truncated as if terminated
                    Q[s, a] += alpha * (target - Q[s, a])
                    s = s_next
            return Q
        """, "rl::q_learning::learns_the_time_limited_corridor", "truncation_treated_as_termination"),
    # -- sarsa -----------------------------------------------------------------------------------------------------
    Mutant("sarsa_bootstraps_on_the_best_next_action", """
        def sarsa(env, n_episodes, alpha, gamma, epsilon, rng):
            Q = np.zeros((env.observation_space.n, env.action_space.n))
            for _ in range(n_episodes):
                s, _ = env.reset(seed=int(rng.integers(2**31)))
                a = epsilon_greedy(Q[s], epsilon, rng)
                done = False
                while not done:
                    s_next, r, terminated, truncated, _ = env.step(a)
                    a_next = epsilon_greedy(Q[s_next], epsilon, rng)
                    target = r if terminated else r + gamma * Q[s_next].max()   # max: Q-learning's target
                    Q[s, a] += alpha * (target - Q[s, a])
                    s, a, done = s_next, a_next, terminated or truncated
            return Q
        """, "rl::sarsa::learns_a_safe_path", "sarsa_learns_off_policy"),
    Mutant("sarsa_decays_epsilon", """
        def sarsa(env, n_episodes, alpha, gamma, epsilon, rng):
            Q = np.zeros((env.observation_space.n, env.action_space.n))
            for episode in range(n_episodes):
                eps = epsilon * 0.99 ** episode                  # "explore less as it learns"
                s, _ = env.reset(seed=int(rng.integers(2**31)))
                a = epsilon_greedy(Q[s], eps, rng)
                done = False
                while not done:
                    s_next, r, terminated, truncated, _ = env.step(a)
                    a_next = epsilon_greedy(Q[s_next], eps, rng)
                    target = r if terminated else r + gamma * Q[s_next, a_next]
                    Q[s, a] += alpha * (target - Q[s, a])
                    s, a, done = s_next, a_next, terminated or truncated
            return Q
        """, "rl::sarsa::learns_the_time_limited_corridor", "epsilon_decayed"),
    Mutant("q_learning_decays_epsilon_per_step", """
        def q_learning(env, n_episodes, alpha, gamma, epsilon, rng):
            Q = np.zeros((env.observation_space.n, env.action_space.n))
            for _ in range(n_episodes):
                s, _ = env.reset(seed=int(rng.integers(2**31)))
                done = False
                while not done:
                    a = epsilon_greedy(Q[s], epsilon, rng)
                    epsilon = max(0.01, epsilon * 0.995)         # decayed on every step
                    s_next, r, terminated, truncated, _ = env.step(a)
                    target = r if terminated else r + gamma * Q[s_next].max()
                    Q[s, a] += alpha * (target - Q[s, a])
                    s, done = s_next, terminated or truncated
            return Q
        """, "rl::q_learning::learns_the_time_limited_corridor", "epsilon_decayed"),
    Mutant("sarsa_stops_bootstrapping_at_the_time_limit", """
        def sarsa(env, n_episodes, alpha, gamma, epsilon, rng):
            Q = np.zeros((env.observation_space.n, env.action_space.n))
            for _ in range(n_episodes):
                s, _ = env.reset(seed=int(rng.integers(2**31)))
                a = epsilon_greedy(Q[s], epsilon, rng)
                while True:
                    s_next, r, terminated, truncated, _ = env.step(a)
                    if terminated or truncated:                  # the episode is over: no future
                        Q[s, a] += alpha * (r - Q[s, a])
                        break
                    a_next = epsilon_greedy(Q[s_next], epsilon, rng)
                    Q[s, a] += alpha * (r + gamma * Q[s_next, a_next] - Q[s, a])
                    s, a = s_next, a_next
            return Q
        """, "rl::sarsa::learns_the_time_limited_corridor", "truncation_treated_as_termination"),
    Mutant("sarsa_explores_with_np_random", """
        def sarsa(env, n_episodes, alpha, gamma, epsilon, rng):
            def pick(q):
                if np.random.rand() < epsilon:                   # the global generator, not rng
                    return int(np.random.randint(len(q)))
                return int(np.argmax(q))
            Q = np.zeros((env.observation_space.n, env.action_space.n))
            for _ in range(n_episodes):
                s, _ = env.reset(seed=int(rng.integers(2**31)))
                a, done = pick(Q[s]), False
                while not done:
                    s_next, r, terminated, truncated, _ = env.step(a)
                    a_next = pick(Q[s_next])
                    Q[s, a] += alpha * (r + (0.0 if terminated else gamma * Q[s_next, a_next]) - Q[s, a])
                    s, a, done = s_next, a_next, terminated or truncated
            return Q
        """, "rl::sarsa::learns_a_safe_path", "touches_global_rng"),
]
