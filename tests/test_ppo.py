"""PPO and the policy's action heads, on hand-computed numbers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import LINEUP, make_env

from agents.policy import (
    NEG,
    Inputs,
    Normalizer,
    Policy,
    PolicyConfig,
    Shapes,
    categorical,
    from_radiant_corner,
    init_params,
    log_prob_entropy,
    normalizer_init,
    normalizer_update,
    sample,
    shapes_for,
)
from agents.policy_agent import PolicyAgent, hero_inputs, make_act
from agents.ppo import Batch, LearnerState, PPOConfig, clipped_loss, gae, make_optimizer, make_update
from agents.roles import HERO_LANES
from engine import ConfigError
from engine.constants import (
    ACT_ATTACK,
    ACT_MOVE,
    ACT_NOOP,
    ACTION_HEADS,
    NUM_ACTION_TYPES,
    NUM_LANES,
    OFFSET_BINS,
)
from engine.spec import U_PRESENT, UNIT_F, obs_layout

K, M, I = 4, 2, 9
SHAPES = Shapes(obs_size=obs_layout(K, M).size, obs_units=K, minimap=M, num_items=I)
POLICY = Policy(PolicyConfig(unit_width=8, hidden=16, hero_embed=4), SHAPES)


def test_gae_matches_hand_computation():
    # Two steps, one hero; the game ends after step 1, so step 1 does not bootstrap.
    r = jnp.array([[1.0], [2.0]])
    v = jnp.array([[0.5], [1.0]])
    done = jnp.array([[0.0], [1.0]])
    gamma, lam = 0.9, 0.8
    adv, ret = gae(r, v, done, jnp.array([10.0]), gamma, lam)
    d1 = 2.0 - 1.0  # terminal: no bootstrap from the last value 10
    d0 = 1.0 + gamma * 1.0 - 0.5
    np.testing.assert_allclose(adv[:, 0], [d0 + gamma * lam * d1, d1], rtol=1e-6)
    np.testing.assert_allclose(ret[:, 0], [d0 + gamma * lam * d1 + 0.5, d1 + 1.0], rtol=1e-6)
    # Without the end of the game, the last value is bootstrapped.
    adv, _ = gae(r, v, jnp.zeros_like(done), jnp.array([10.0]), gamma, lam)
    d1 = 2.0 + gamma * 10.0 - 1.0
    np.testing.assert_allclose(adv[1, 0], d1, rtol=1e-6)


def test_clipped_loss_on_a_tiny_batch():
    old = jnp.log(jnp.array([0.5, 0.5, 0.5]))
    new = jnp.log(jnp.array([0.75, 0.25, 0.55]))  # ratios 1.5, 0.5, 1.1
    adv = jnp.array([1.0, -1.0, 2.0])
    loss, stats = clipped_loss(new, old, adv, clip=0.2)
    # min(1.5*1, 1.2*1) = 1.2; min(0.5*-1, 0.8*-1) = -0.8; min(1.1*2, 1.1*2) = 2.2
    assert float(loss) == pytest.approx(-(1.2 - 0.8 + 2.2) / 3, rel=1e-6)
    assert float(stats["clip_fraction"]) == pytest.approx(2 / 3)


def _inputs(rng, b):
    obs = rng.normal(size=(b, SHAPES.obs_size)).astype(np.float32)
    obs[:, [k * UNIT_F + U_PRESENT for k in range(K)]] = 1.0
    mask_type = rng.random((b, NUM_ACTION_TYPES)) < 0.4
    mask_type[:, ACT_NOOP] = True
    mask_target = rng.random((b, NUM_ACTION_TYPES, K)) < 0.5
    mask_offset = rng.random((b, OFFSET_BINS)) < 0.5
    mask_offset[:, 0] = True
    mask_item = rng.random((b, I)) < 0.3
    mask_item[:, 0] = True  # as in the engine: buying is allowed only with an item to buy
    x = Inputs(jnp.asarray(obs), jnp.zeros(b, bool), jnp.ones(b, bool), jnp.asarray(rng.integers(0, NUM_LANES, b)),
               jnp.asarray(mask_type), jnp.asarray(mask_offset), jnp.asarray(mask_item))
    return x, jnp.asarray(mask_target)


def test_masked_actions_are_never_sampled():
    rng = np.random.default_rng(0)
    params = init_params(POLICY, jax.random.PRNGKey(0))
    x, mask_target = _inputs(rng, 256)
    _, out = POLICY.apply(params, normalizer_init(SHAPES.obs_size), jnp.zeros((256, 2, 16)), x)
    for seed in range(5):
        a, logp, chosen = sample(POLICY, params, out, mask_target, jax.random.PRNGKey(seed))
        a = np.asarray(a)
        rows = np.arange(256)
        assert np.asarray(x.mask_type)[rows, a[:, 0]].all()
        tm = np.asarray(mask_target)[rows, a[:, 0]]
        used = np.asarray(ACTION_HEADS, bool)[a[:, 0]]
        assert tm[rows, a[:, 1]][used[:, 1] & tm.any(-1)].all()
        np.testing.assert_array_equal(np.asarray(chosen), tm)
        assert np.asarray(x.mask_offset)[rows, a[:, 2]][used[:, 2]].all()
        assert np.asarray(x.mask_item)[rows, a[:, 4]][used[:, 4]].all()
        assert used[:, 4].sum() and (~used[:, 1]).sum()  # both kinds of rows were drawn
        assert (a[~used] == 0).all()  # the heads a type does not read are 0
        assert np.isfinite(np.asarray(logp)).all()


def test_draws_follow_the_softmax_and_never_take_a_masked_choice():
    logits = jnp.asarray([[NEG, 2.0, NEG, 0.0, 1.0, NEG]])
    probs = np.asarray(jax.nn.softmax(logits))[0]
    n = 200_000
    u = jax.random.uniform(jax.random.PRNGKey(0), (n,))
    counts = np.bincount(np.asarray(categorical(u, jnp.repeat(logits, n, 0))), minlength=6)
    assert counts[0] == counts[2] == counts[5] == 0
    assert (np.abs(counts / n - probs) <= 4 * np.sqrt(probs * (1 - probs) / n) + 1e-9).all()  # 4 standard errors
    # The ends of [0, 1) fall on the first and last choices that can be drawn.
    edges = categorical(jnp.asarray([0.0, np.nextafter(np.float32(1), np.float32(0))]), jnp.repeat(logits, 2, 0))
    assert np.asarray(edges).tolist() == [1, 4]


def test_greedy_acting_takes_each_heads_most_likely_legal_choice():
    rng = np.random.default_rng(2)
    params = init_params(POLICY, jax.random.PRNGKey(0))
    x, mask_target = _inputs(rng, 64)
    _, out = POLICY.apply(params, normalizer_init(SHAPES.obs_size), jnp.zeros((64, 2, 16)), x)
    a, _, chosen = sample(POLICY, params, out, mask_target, jax.random.PRNGKey(0), greedy=True)
    again, _, _ = sample(POLICY, params, out, mask_target, jax.random.PRNGKey(1), greedy=True)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(again))  # the key plays no part
    a = np.asarray(a)
    type_logits = np.where(np.asarray(x.mask_type), np.asarray(out.type_logits), -np.inf)
    np.testing.assert_array_equal(a[:, 0], type_logits.argmax(-1))
    used = np.asarray(ACTION_HEADS, bool)[a[:, 0]]
    target = np.asarray(POLICY.apply(params, out, jnp.asarray(a[:, 0]), chosen, method=POLICY.target_logits))
    np.testing.assert_array_equal(a[:, 1], np.where(used[:, 1], target.argmax(-1), 0))
    np.testing.assert_array_equal(a[:, 2], np.where(used[:, 2], np.asarray(out.offset_x).argmax(-1), 0))
    assert np.asarray(x.mask_offset)[np.arange(64), a[:, 2]][used[:, 2]].all()


def test_heads_the_chosen_type_ignores_get_no_gradient():
    rng = np.random.default_rng(1)
    params = init_params(POLICY, jax.random.PRNGKey(0))
    b = 6
    x, mask_target = _inputs(rng, b)
    x = x._replace(mask_type=jnp.ones((b, NUM_ACTION_TYPES), bool), mask_item=jnp.ones((b, I), bool))
    chosen = jnp.ones((b, K), bool)
    # noop, attack and move: none reads the item head; noop and attack read no offset.
    actions = jnp.array([[ACT_NOOP, 0, 0, 0, 3], [ACT_ATTACK, 1, 2, 2, 1], [ACT_MOVE, 2, 1, 7, 5]] * 2)
    norm = normalizer_init(SHAPES.obs_size)

    def objective(p):
        _, out = POLICY.apply(p, norm, jnp.zeros((b, 2, 16)), x)
        logp, ent = log_prob_entropy(POLICY, p, out, actions, chosen)
        return logp.sum() + ent.sum()

    grads = jax.grad(objective)(params)["params"]
    assert float(jnp.abs(grads["item_head"]["kernel"]).sum()) == 0.0
    assert float(jnp.abs(grads["offset_x_head"]["kernel"]).sum()) > 0.0  # the move reads it
    assert float(jnp.abs(grads["type_head"]["kernel"]).sum()) > 0.0
    assert float(jnp.abs(grads["query"]["kernel"]).sum()) > 0.0  # attack and move read the pointer
    # With only noops, the pointer and offsets get nothing either.
    actions = actions.at[:, 0].set(ACT_NOOP)
    grads = jax.grad(objective)(params)["params"]
    for head in ("item_head", "offset_x_head", "offset_y_head", "query"):
        assert float(jnp.abs(grads[head]["kernel"]).sum()) == 0.0, head


def _kickstart_setup(balance):
    """A rollout whose actions a second network (the teacher) chose, with no
    advantage, value or entropy term, so only the imitation of the teacher
    can move the parameters; returns (update, learner state, batch, zero
    bootstrap values, the teacher's actions, their log-probability under
    given parameters and normaliser)."""
    rng = np.random.default_rng(3)
    T, N, H = 4, 8, 16
    x, mask_target = _inputs(rng, T * N)
    params = init_params(POLICY, jax.random.PRNGKey(0))
    norm = normalizer_init(SHAPES.obs_size)
    carry0 = jnp.zeros((T * N, 2, H))
    teacher_params = init_params(POLICY, jax.random.PRNGKey(7))
    _, out = POLICY.apply(teacher_params, norm, carry0, x)
    teacher, _, chosen = sample(POLICY, teacher_params, out, mask_target, jax.random.PRNGKey(1))

    def teacher_logp(p, norm=norm):
        _, out = POLICY.apply(p, norm, carry0, x)
        return log_prob_entropy(POLICY, p, out, teacher, chosen)[0]

    seq = lambda a: jnp.reshape(a, (T, N) + a.shape[1:])  # noqa: E731
    zeros = jnp.zeros((T, N))
    batch = Batch(x=jax.tree_util.tree_map(seq, x)._replace(first=jnp.ones((T, N), bool)),
                  mask_target=seq(chosen), actions=seq(teacher), logp=zeros, value=zeros, reward=zeros,
                  done=zeros, win=zeros, won=zeros, carry=jnp.zeros((1, N, 2, H)), teacher=seq(teacher),
                  teacher_mask_target=seq(chosen))
    cfg = PPOConfig(rollout_steps=T, chunk=T, epochs=1, minibatches=1, learning_rate=1e-2,
                    learning_rate_end=1e-2, value_coef=0.0, normalize_advantages=False)
    optimizer = make_optimizer(cfg)
    update = make_update(POLICY, cfg, balance, optimizer)
    return update, LearnerState(params, optimizer.init(params), norm), batch, jnp.zeros((N, 2)), teacher, teacher_logp


def test_kickstarting_climbs_the_teachers_log_probability_alone():
    update, learner, batch, zeros, _, teacher_logp = _kickstart_setup(balance=0.0)  # a plain mean
    params = learner.params
    before = teacher_logp(params)

    still, _ = update(learner, batch, zeros, jax.random.PRNGKey(2), 1e-2, 0.0, 0.0)
    for name, layer in still.params["params"].items():  # only the win head, on its own loss, moves
        if not name.startswith("win_head"):
            for a, b in zip(jax.tree_util.tree_leaves(layer), jax.tree_util.tree_leaves(params["params"][name])):
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

    _, stats = update(learner, batch, zeros, jax.random.PRNGKey(2), 1e-2, 0.0, 1.0)
    assert float(stats["kickstart_loss"]) == pytest.approx(-float(before.mean()), rel=1e-5)
    for _ in range(10):
        learner, _ = update(learner, batch, zeros, jax.random.PRNGKey(2), 1e-2, 0.0, 1.0)
    after = teacher_logp(learner.params, learner.norm)
    assert float(after.mean()) > float(before.mean()) + 1.0, (before.mean(), after.mean())


def test_kickstart_balance_weighs_rare_action_types_up():
    update, learner, batch, zeros, teacher, teacher_logp = _kickstart_setup(balance=0.5)
    logp = np.asarray(teacher_logp(learner.params))
    types = np.asarray(teacher)[:, 0]
    share = np.bincount(types, minlength=NUM_ACTION_TYPES) / len(types)
    assert len(set(share[types])) > 1  # the teacher's types are not all equally common
    w = np.maximum(share[types], 0.01) ** -0.5
    _, stats = update(learner, batch, zeros, jax.random.PRNGKey(2), 1e-2, 0.0, 1.0)
    assert float(stats["kickstart_loss"]) == pytest.approx(-(w * logp).sum() / w.sum(), rel=1e-5)
    assert abs(float(stats["kickstart_loss"]) + logp.mean()) > 1e-3  # not the plain mean


def test_the_win_head_learns_who_wins_from_outcomes_alone():
    # Half the sequences end their game won, half lost; nothing else in the
    # batch says so (no reward, no teacher weight), and the policy stays put.
    update, learner, batch, zeros, _, _ = _kickstart_setup(balance=0.0)
    T, N = batch.done.shape
    won = jnp.zeros((T, N)).at[-1, : N // 2].set(1.0)
    batch = batch._replace(done=jnp.zeros((T, N)).at[-1].set(1.0), won=won)

    def win_probability(params):
        carry = jnp.zeros((N, 2, POLICY.config.hidden))
        x = jax.tree_util.tree_map(lambda a: a[0], batch.x)
        return np.asarray(jax.nn.sigmoid(POLICY.apply(params, learner.norm, carry, x)[1].win))

    before = win_probability(learner.params)
    for _ in range(300):
        learner, stats = update(learner, batch, zeros, jax.random.PRNGKey(2), 3e-2, 0.0, 0.0)
    after = win_probability(learner.params)
    assert np.abs(before - 0.5).max() < 0.2
    assert after[: N // 2].min() > 0.8 and after[N // 2:].max() < 0.2, after
    assert float(stats["win_loss"]) < 0.3


def test_normalizer_tracks_mean_and_variance():
    rng = np.random.default_rng(2)
    data = rng.normal(3.0, 2.0, size=(4, 500, 3)).astype(np.float32)
    n = normalizer_init(3)
    for chunk in data:
        n = normalizer_update(n, jnp.asarray(chunk))
    np.testing.assert_allclose(np.asarray(n.mean), data.reshape(-1, 3).mean(0), rtol=1e-4)
    np.testing.assert_allclose(np.asarray(n.var), data.reshape(-1, 3).var(0), rtol=1e-3)


def test_ppo_config_refuses_a_rollout_that_is_not_whole_chunks():
    with pytest.raises(ConfigError, match="multiple of ppo.chunk"):
        PPOConfig(rollout_steps=20, chunk=16)
    with pytest.raises(ConfigError, match="ppo.clip"):
        PPOConfig.from_dict({"clip": -1.0})


def test_dire_sees_the_game_from_radiants_corner():
    # At the first decision each team stands at its fountain, the reflection
    # of the other's: seen from Radiant's corner, Dire's hero i sees what
    # Radiant's hero i sees, and the network aims Dire's offsets reflected.
    env = make_env(lineup=LINEUP[:5] * 2)
    step = env.reset()
    shapes = shapes_for(env.config)
    lay = obs_layout(shapes.obs_units, shapes.minimap)
    obs = step.obs[0].copy()
    # A building standing exactly on a minimap cell edge counts in the cell
    # above the edge on both sides, so the unit counts are not mirror images.
    obs[:, lay.minimap + shapes.minimap ** 2:] = 0.0
    # Dire's lane k is the ground of Radiant's lane 2 - k: the same lane of ground on each side.
    lane = np.concatenate([HERO_LANES, NUM_LANES - 1 - HERO_LANES])
    x = Inputs(jnp.asarray(obs), jnp.arange(10) >= 5, jnp.ones(10, bool), jnp.asarray(lane),
               jnp.asarray(step.masks.type[0]), jnp.asarray(step.masks.offset_x[0]), jnp.asarray(step.masks.item[0]))
    x = from_radiant_corner(x, shapes)
    seen = np.asarray(x.obs)
    units = seen[:, :lay.self_].reshape(10, shapes.obs_units, UNIT_F)
    absent = obs[:, U_PRESENT:lay.self_:UNIT_F] < 0.5
    assert absent.any() and not units[absent].any()  # padding rows of the unit list stay zero
    assert not np.allclose(obs[:5, lay.self_:], obs[5:, lay.self_:], atol=1e-3)
    np.testing.assert_allclose(seen[:5, lay.self_:], seen[5:, lay.self_:], atol=1e-5)
    for h in range(5):  # the same units, listed in another order
        rows = [np.array(sorted(map(tuple, seen[i, :lay.self_].reshape(-1, UNIT_F).round(4))))
                for i in (h, h + 5)]
        np.testing.assert_allclose(rows[0], rows[1], atol=1e-3)

    policy = Policy(PolicyConfig(unit_width=8, hidden=16, hero_embed=4), shapes)
    params = init_params(policy, jax.random.PRNGKey(0))
    _, out = policy.apply(params, normalizer_init(shapes.obs_size), jnp.zeros((10, 2, 16)), x)
    np.testing.assert_allclose(out.type_logits[:5], out.type_logits[5:], atol=1e-4)
    np.testing.assert_allclose(out.value[:5], out.value[5:], atol=1e-4)
    np.testing.assert_allclose(out.offset_x[:5], out.offset_x[5:, ::-1], atol=1e-4)
    np.testing.assert_allclose(out.offset_y[:5], out.offset_y[5:, ::-1], atol=1e-4)
    assert not np.allclose(out.offset_x[0], out.offset_x[0, ::-1], atol=1e-4)
    # The lane is an input of its own: the same hero told another lane acts otherwise.
    _, other = policy.apply(params, normalizer_init(shapes.obs_size), jnp.zeros((10, 2, 16)),
                            x._replace(lane=jnp.asarray(NUM_LANES - 1 - lane)))
    assert not np.allclose(out.offset_x[0], other.offset_x[0], atol=1e-4)


def test_an_agent_told_its_team_acts_as_the_test_of_every_row_would():
    # `PolicyAgent` passes its team to the network (no reflection for
    # Radiant; for Dire, the reflection folded into the weights and the
    # normalizer); the rows' own flags give the same. The normalizer is not
    # the identity, so every term of the folding counts.
    env = make_env(num_games=2)
    step = env.view()
    shapes = shapes_for(env.config)
    policy = Policy(PolicyConfig(unit_width=8, hidden=16, hero_embed=4), shapes)
    params = init_params(policy, jax.random.PRNGKey(0))
    rng = np.random.default_rng(0)
    norm = Normalizer(jnp.asarray(rng.normal(0, 0.5, shapes.obs_size), jnp.float32),
                      jnp.asarray(rng.uniform(0.2, 2.0, shapes.obs_size), jnp.float32), jnp.asarray(100.0))
    reference = make_act(policy, greedy=True)
    for team in (0, 1):
        agent = PolicyAgent(policy, params, norm, greedy=True)
        chosen = agent.act(env, step, team)
        rows = np.broadcast_to(team * 5 + np.arange(5), (2, 5))
        x, mask_target = hero_inputs(step, rows, np.ones(2, bool))
        _, actions, _, value, _, win = reference(params, norm, jnp.zeros((10, 2, 16)), x, mask_target,
                                                 jax.random.PRNGKey(0))
        np.testing.assert_array_equal(chosen, np.asarray(actions).reshape(2, 5, -1))
        np.testing.assert_allclose(agent.win, np.asarray(win).reshape(2, 5).mean(1), rtol=1e-5)
        if team == 1:  # the folded network reads Dire's raw rows as the plain one reads them reflected
            fast = make_act(policy)(params, norm, jnp.zeros((10, 2, 16)), x, mask_target, jax.random.PRNGKey(0),
                                    team=1)
            np.testing.assert_allclose(np.asarray(fast[3]), np.asarray(value), rtol=1e-4, atol=1e-5)
