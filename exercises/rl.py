"""Reinforcement learning on tabular MDPs.

You build the classic tabular methods: discounted returns, dynamic
programming (value iteration, policy evaluation), Monte-Carlo prediction,
the TD(0), SARSA and Q-learning updates, epsilon-greedy exploration, two
complete training loops, and finally the targets and Huber loss of DQN.

Environments are Gymnasium toy-text environments (FrozenLake-v1,
CliffWalking-v1, Taxi-v4) or anything with the same interface:

* ``env.observation_space.n`` states and ``env.action_space.n`` actions
  (Discrete spaces), numbered from 0;
* ``obs, info = env.reset(seed=...)`` starts an episode;
* ``obs, reward, terminated, truncated, info = env.step(a)``;
* the transition table ``env.unwrapped.P[s][a]``, a list of
  ``(prob, next_state, reward, terminated)`` tuples, which is the ``P``
  argument of the dynamic-programming functions.

Only ``terminated`` (a terminal state was reached) stops bootstrapping: the
target is then just the reward. ``truncated`` (a time limit ran out) ends the
episode, but the state reached still has a value, so its update bootstraps
as usual.

All randomness goes through ``rng``, a ``numpy.random.Generator`` you are
given: use it for exploration and to seed the environment, e.g.
``env.reset(seed=int(rng.integers(2**31)))`` at each episode, so that the
same rng always gives the same run. Do not use ``np.random.*`` global
functions or ``env.action_space.sample()``.

Grading: dynamic programming is checked against exact dynamic programming
on the environment's P (value iteration to convergence; policy evaluation
by solving the linear system); the single-step updates, returns and
targets against the formulas; epsilon_greedy by its statistics; a trained
Q by the value of its greedy policy compared with the optimum; dqn_loss
against PyTorch's F.smooth_l1_loss in float64. Numbers must agree within a
relative and absolute tolerance of 1e-7.

Run the checks with ``pytest exercises -k rl`` or ``dlgrade check rl``.

Rules for every function in this module:

* Import only numpy and the standard library.
* Return real ``numpy.ndarray`` objects of exactly the stated shapes:
  values and losses in float64, policies as int64 arrays; a scalar loss may
  be a Python float.
* Do not modify any input array (V and Q included): return new arrays. The
  grader passes copies and checks.

Every floating output is a real ``numpy.ndarray`` of dtype float64, the inputs' dtype (numpy keeps
it unless you convert; a float32 result is rejected, since the checks compare at float64 precision);
a scalar loss is a Python float. The full rules: CONTRACT.md.
"""
import numpy as np


def discounted_returns(rewards, gamma):
    """Discounted return from every time step of one episode.

    G_t = r_t + gamma * G_{t+1}, with G_T = 0 after the last reward.

    Parameters
    ----------
    rewards : ndarray, shape (T,)
        Rewards r_0 .. r_{T-1} in the order received.
    gamma : float
        Discount factor in [0, 1].

    Returns
    -------
    G : ndarray, shape (T,), float64

    Hint: one backward pass over t = T-1 .. 0 computes all returns in O(T).

    Pitfalls: np.zeros_like(rewards) inherits an integer dtype from integer
    rewards and truncates the discounted sums; accumulating forward instead
    of backward.

    Examples
    --------
    >>> rewards = np.array([1, 0, 2])          # integer rewards, float returns
    >>> discounted_returns(rewards, gamma=0.5)
    array([1.5, 1. , 2. ])
    >>> discounted_returns(rewards, gamma=0.0)
    array([1., 0., 2.])
    """
    raise NotImplementedError


def value_iteration(P, n_states, n_actions, gamma, theta=1e-10):
    """Optimal state values and an optimal policy by value iteration.

    Repeat the Bellman optimality backup for every state s:
    V(s) <- max_a sum over (p, s', r, terminated) in P[s][a] of
            p * (r + gamma * V(s') * (1 - terminated))
    until the largest change of V in a sweep is below theta.

    Parameters
    ----------
    P : mapping
        P[s][a] is a list of (prob, next_state, reward, terminated) tuples.
    n_states, n_actions : int
    gamma : float
        Discount factor in [0, 1].
    theta : float
        Convergence threshold on max |V_new - V_old|.

    Returns
    -------
    V : ndarray, shape (n_states,), float64
    policy : ndarray, shape (n_states,), int64
        A greedy action for each state with respect to the final V (any
        maximizer where actions tie).

    Hint: updating V in place during a sweep (Gauss-Seidel) and computing a
    whole new V per sweep (Jacobi) both converge to the same fixed point.

    Pitfalls: bootstrapping through terminated transitions (with gamma = 1
    the values then do not converge); hard-coding terminal states instead of
    reading the terminated flags from P.

    Examples
    --------
    >>> P = {0: {0: [(1.0, 0, 0.0, False)],          # state 0: stay, or
    ...          1: [(1.0, 1, 0.0, False)]},         # move to state 1
    ...      1: {0: [(1.0, 0, 0.0, False)],          # state 1: back to 0, or
    ...          1: [(1.0, 1, 1.0, True)]}}          # reward 1 and terminate
    >>> V, policy = value_iteration(P, n_states=2, n_actions=2, gamma=0.9)
    >>> V                       # no bootstrapping past the terminal transition
    array([0.9, 1. ])
    >>> policy, policy.dtype
    (array([1, 1]), dtype('int64'))
    """
    raise NotImplementedError


def policy_evaluation(P, policy, n_states, gamma, theta=1e-10):
    """State values of a deterministic policy.

    V(s) = sum over (p, s', r, terminated) in P[s][policy[s]] of
           p * (r + gamma * V(s') * (1 - terminated))

    Parameters
    ----------
    P : mapping
        P[s][a] is a list of (prob, next_state, reward, terminated) tuples.
    policy : ndarray, shape (n_states,), int64
        The action taken in each state.
    n_states : int
    gamma : float
    theta : float
        Convergence threshold if you evaluate iteratively.

    Returns
    -------
    V : ndarray, shape (n_states,), float64

    Hint: these equations are linear in V: build the (S, S) matrix of
    discounted non-terminal transition probabilities under the policy and
    the (S,) vector of expected immediate rewards, then solve with
    np.linalg.solve. Iterative sweeps until the change is below theta also
    pass.

    Pitfall: a state may list the same next_state in several tuples (e.g.
    slippery moves into a wall); add their probabilities, do not overwrite.

    Examples
    --------
    >>> P = {0: {0: [(1.0, 0, 0.0, False)],
    ...          1: [(0.8, 1, 0.0, False), (0.1, 0, 0.0, False),
    ...              (0.1, 0, 0.0, False)]},     # state 0 listed twice
    ...      1: {0: [(1.0, 0, 0.0, False)], 1: [(1.0, 1, 1.0, True)]}}
    >>> np.round(policy_evaluation(P, np.array([1, 1]), 2, gamma=0.9), 4)
    array([0.878, 1.   ])
    >>> policy_evaluation(P, np.array([0, 1]), 2, gamma=0.9)   # 0 stays forever
    array([0., 1.])
    """
    raise NotImplementedError


def mc_prediction(episodes, n_states, gamma, first_visit=True):
    """Monte-Carlo estimate of state values from complete episodes.

    V(s) is the average of the returns G_t observed after visits to s.

    Parameters
    ----------
    episodes : list of (states, rewards)
        states : ndarray, shape (T,), int64, the states visited s_0 .. s_{T-1};
        rewards : ndarray, shape (T,), where rewards[t] is the reward received
        after leaving states[t], so G_t = rewards[t] + gamma * G_{t+1}.
        Episodes may have different lengths.
    n_states : int
    gamma : float
    first_visit : bool
        True: each episode contributes only the return from the first visit
        to s. False (every-visit): every visit contributes its return.

    Returns
    -------
    V : ndarray, shape (n_states,), float64
        0 for states never visited.

    Hint: keep a running sum of returns and a visit count per state; your
    discounted_returns gives every G_t of an episode at once.

    Pitfalls: dividing by zero for unvisited states; taking the last visit
    instead of the first when first_visit is True; resetting the sums per
    episode.

    Examples
    --------
    >>> episodes = [(np.array([0, 1, 0]), np.array([1.0, 0.0, 2.0])),
    ...             (np.array([1]), np.array([4.0]))]
    >>> mc_prediction(episodes, n_states=3, gamma=1.0)     # state 2: never seen
    array([3., 3., 0.])
    >>> mc_prediction(episodes, n_states=3, gamma=1.0, first_visit=False)
    array([2.5, 3. , 0. ])
    """
    raise NotImplementedError


def td0_update(V, s, r, s_next, terminated, alpha, gamma):
    """One TD(0) update of a state-value table.

    V(s) <- V(s) + alpha * (r + gamma * V(s_next) * (1 - terminated) - V(s))

    Parameters
    ----------
    V : ndarray, shape (S,), float64
    s, s_next : int
        State before and after the transition.
    r : float
        Reward of the transition.
    terminated : bool
        True if s_next is terminal: then the target is r alone.
    alpha : float
        Step size.
    gamma : float

    Returns
    -------
    V_new : ndarray, shape (S,), float64
        A new array, equal to V except at s; V itself is untouched.

    Pitfall: updating V in place and returning it (the caller's table
    changes).

    Examples
    --------
    >>> V = np.array([0.0, 1.0, 2.0])
    >>> td0_update(V, 0, r=1.0, s_next=2, terminated=False, alpha=0.5, gamma=0.9)
    array([1.4, 1. , 2. ])
    >>> td0_update(V, 0, r=1.0, s_next=2, terminated=True, alpha=0.5, gamma=0.9)
    array([0.5, 1. , 2. ])
    >>> V                                      # untouched
    array([0., 1., 2.])
    """
    raise NotImplementedError


def sarsa_update(Q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    """One SARSA update of an action-value table (on-policy TD control).

    Q(s, a) <- Q(s, a) + alpha * (r + gamma * Q(s_next, a_next) * (1 - terminated) - Q(s, a))

    Parameters
    ----------
    Q : ndarray, shape (S, A), float64
    s, a : int
        State and action taken.
    r : float
    s_next, a_next : int
        Next state and the action the behaviour policy chose there.
    terminated : bool
        True if s_next is terminal (a_next is then irrelevant).
    alpha, gamma : float

    Returns
    -------
    Q_new : ndarray, shape (S, A), float64
        A new array, equal to Q except at (s, a); Q itself is untouched.

    Pitfall: using max over Q[s_next] (that is Q-learning).

    Examples
    --------
    >>> Q = np.array([[0.0, 0.0],
    ...               [1.0, 4.0]])
    >>> sarsa_update(Q, s=0, a=1, r=0.0, s_next=1, a_next=0, terminated=False,
    ...              alpha=0.5, gamma=1.0)     # on Q[1, 0], not the max
    array([[0. , 0.5],
           [1. , 4. ]])
    >>> sarsa_update(Q, s=0, a=1, r=2.0, s_next=1, a_next=0, terminated=True,
    ...              alpha=0.5, gamma=1.0)
    array([[0., 1.],
           [1., 4.]])
    """
    raise NotImplementedError


def q_learning_update(Q, s, a, r, s_next, terminated, alpha, gamma):
    """One Q-learning update of an action-value table (off-policy TD control).

    Q(s, a) <- Q(s, a) + alpha * (r + gamma * max_a' Q(s_next, a') * (1 - terminated) - Q(s, a))

    Parameters
    ----------
    Q : ndarray, shape (S, A), float64
    s, a : int
    r : float
    s_next : int
    terminated : bool
        True if s_next is terminal: then the target is r alone.
    alpha, gamma : float

    Returns
    -------
    Q_new : ndarray, shape (S, A), float64
        A new array, equal to Q except at (s, a); Q itself is untouched.

    Pitfall: taking the max over Q[s] (the current state) or over the whole
    table instead of over Q[s_next].

    Examples
    --------
    >>> Q = np.array([[0.0, 0.0],
    ...               [1.0, 4.0]])
    >>> q_learning_update(Q, s=0, a=1, r=0.0, s_next=1, terminated=False,
    ...                   alpha=0.5, gamma=1.0)          # the max of Q[1] is 4
    array([[0., 2.],
           [1., 4.]])
    >>> q_learning_update(Q, s=0, a=1, r=2.0, s_next=1, terminated=True,
    ...                   alpha=0.5, gamma=1.0)
    array([[0., 1.],
           [1., 4.]])
    >>> Q                                      # untouched
    array([[0., 0.],
           [1., 4.]])
    """
    raise NotImplementedError


def epsilon_greedy(q_values, epsilon, rng):
    """Choose an action epsilon-greedily.

    With probability epsilon return an action drawn uniformly from all A
    actions (the greedy one included); otherwise return a greedy action,
    argmax_a q_values[a].

    Parameters
    ----------
    q_values : ndarray, shape (A,), float64
        Action values of the current state.
    epsilon : float
        Exploration probability in [0, 1].
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    action : int
        A Python int in range(A).

    Hint: rng.random() < epsilon decides whether to explore; rng.integers(A)
    draws the random action. Any maximizer is accepted on ties, so np.argmax
    is fine (breaking ties at random helps exploration early on, when Q is
    all zeros).

    Pitfalls: drawing the random action among the non-greedy ones only;
    returning a numpy integer or 0-d array instead of int.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> q_values = np.array([1.0, 3.0, 2.0])
    >>> epsilon_greedy(q_values, epsilon=0.0, rng=rng)   # never explores
    1
    >>> type(epsilon_greedy(q_values, epsilon=1.0, rng=rng))
    <class 'int'>
    >>> epsilon_greedy(q_values, epsilon=1.0, rng=rng) in range(3)
    True
    """
    raise NotImplementedError


def q_learning(env, n_episodes, alpha, gamma, epsilon, rng):
    """Train an action-value table with Q-learning.

    Start from Q = 0. For each of n_episodes episodes: reset the environment,
    then repeat until terminated or truncated: choose a with
    epsilon_greedy(Q[s], epsilon, rng), step, and apply the Q-learning update
    with the observed (s, a, r, s_next, terminated).

    Parameters
    ----------
    env : Gymnasium-style environment
        See the module docstring; S = env.observation_space.n,
        A = env.action_space.n.
    n_episodes : int
    alpha, gamma : float
        Step size and discount.
    epsilon : float
        Exploration probability, constant over training.
    rng : numpy.random.Generator
        For exploration and for seeding, e.g.
        env.reset(seed=int(rng.integers(2**31))).

    Returns
    -------
    Q : ndarray, shape (S, A), float64

    Graded by the value of the greedy policy of your Q against the optimal
    value, on environments and budgets where a correct implementation learns.

    Pitfalls: ending the episode on terminated only (the loop then steps on
    past a time limit); treating truncated like terminated in the update;
    forgetting to move on to s_next after the update.

    Examples
    --------
    >>> import gymnasium as gym
    >>> env = gym.make("FrozenLake-v1")          # 16 states, 4 actions
    >>> Q = q_learning(env, n_episodes=200, alpha=0.5, gamma=0.99, epsilon=0.1,
    ...                rng=np.random.default_rng(0))
    >>> Q.shape, Q.dtype
    ((16, 4), dtype('float64'))
    >>> Q[15]                  # the goal is terminal: no action is taken there
    array([0., 0., 0., 0.])
    """
    raise NotImplementedError


def sarsa(env, n_episodes, alpha, gamma, epsilon, rng):
    """Train an action-value table with SARSA (on-policy TD control).

    Start from Q = 0. Each episode: reset, choose a with epsilon_greedy; then
    repeat until terminated or truncated: step to s_next with reward r,
    choose a_next = epsilon_greedy(Q[s_next], epsilon, rng), apply the SARSA
    update with (s, a, r, s_next, a_next, terminated), and continue from
    (s_next, a_next).

    Parameters
    ----------
    env : Gymnasium-style environment
        See the module docstring.
    n_episodes : int
    alpha, gamma, epsilon : float
    rng : numpy.random.Generator
        For exploration and for seeding, e.g.
        env.reset(seed=int(rng.integers(2**31))).

    Returns
    -------
    Q : ndarray, shape (S, A), float64

    Graded like q_learning, by the value of the greedy policy of your Q.

    Pitfall: choosing a fresh action at the top of the loop instead of
    taking the a_next used in the update; then the update no longer
    evaluates the policy that acts, and it is not SARSA.

    Examples
    --------
    >>> import gymnasium as gym
    >>> env = gym.make("FrozenLake-v1")          # 16 states, 4 actions
    >>> Q = sarsa(env, n_episodes=200, alpha=0.5, gamma=0.99, epsilon=0.1,
    ...           rng=np.random.default_rng(0))
    >>> Q.shape, Q.dtype
    ((16, 4), dtype('float64'))
    >>> Q[15]                  # the goal is terminal: no action is taken there
    array([0., 0., 0., 0.])
    """
    raise NotImplementedError


def dqn_targets(rewards, next_q, terminated, gamma):
    """Regression targets of deep Q-learning for a batch of transitions.

    y_i = rewards[i] + gamma * max_a' next_q[i, a'],  or rewards[i] alone
    when terminated[i].

    Parameters
    ----------
    rewards : ndarray, shape (N,), float64
    next_q : ndarray, shape (N, A), float64
        Q_target(s'_i, a') from the target network, for every action.
    terminated : ndarray, shape (N,), bool (or 0/1)
    gamma : float

    Returns
    -------
    targets : ndarray, shape (N,), float64

    Pitfall: taking the max over the batch axis instead of the action axis;
    using `~terminated` on a 0/1 integer array (bitwise not gives -1 and -2).

    Examples
    --------
    >>> rewards = np.array([1.0, 0.0, 2.0])
    >>> next_q = np.array([[1.0, 3.0],
    ...                    [0.5, -1.0],
    ...                    [5.0, 5.0]])
    >>> terminated = np.array([0, 0, 1])       # 0/1 integers: the last one ends
    >>> np.round(dqn_targets(rewards, next_q, terminated, gamma=0.9), 4)
    array([3.7 , 0.45, 2.  ])
    """
    raise NotImplementedError


def dqn_loss(q, actions, targets):
    """Mean Huber loss between the taken actions' Q-values and the targets.

    d_i = q[i, actions[i]] - targets[i]
    loss = mean_i of (0.5 * d_i**2 if |d_i| < 1 else |d_i| - 0.5)
    which is F.smooth_l1_loss(q_taken, targets) with beta = 1.

    Parameters
    ----------
    q : ndarray, shape (N, A), float64
        Q(s_i, .) from the online network.
    actions : ndarray, shape (N,), int64
    targets : ndarray, shape (N,), float64
        Treated as constants: no gradient flows into them.

    Returns
    -------
    loss : float
    dq : ndarray, shape (N, A), float64
        Gradient of loss with respect to q: zero except at (i, actions[i]).

    Hint: pick the taken entries with q[np.arange(N), actions]; the Huber
    derivative is d inside [-1, 1] and sign(d) outside. Remember the mean.

    Pitfalls: q[:, actions] selects an (N, N) block, not N entries;
    forgetting the 1/N factor in dq.

    Examples
    --------
    >>> q = np.array([[1.0, 2.0],
    ...               [0.0, 5.0]])
    >>> actions, targets = np.array([1, 0]), np.array([1.5, 3.0])
    >>> loss, dq = dqn_loss(q, actions, targets)   # d = [0.5, -3.0]
    >>> round(float(loss), 4)
    1.3125
    >>> dq
    array([[ 0.  ,  0.25],
           [-0.5 ,  0.  ]])
    """
    raise NotImplementedError
