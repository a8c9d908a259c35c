"""The autograder test cells of the nbgrader side of bench/compare_nbgrader.py.

nbgrader cannot run our sandboxed pytest tests, so its course gets test
cells in its own model: each cell is a grade cell worth some points, passes
when it runs without an exception and writes nothing to stderr, and hides
the lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``
from students. Expected values are computed inside the cell (closed forms or
a small implementation written in the cell); nothing comes from the
student's own helpers.

The subset is representative, not complete: per part the same points as
assignments/backprop/assignment.yaml (100 in all), but fewer cases than our
tests (11 cells of asserts against our 108 tests) and no partial credit (a
cell is all or nothing; our window-classifier accuracy gets linear partial
credit, here it is a pass at the target 0.92). Checked outside nbgrader:
the reference and tests/catalogue/backprop/correct/* pass every cell, each
of the 65 mistakes in tests/catalogue/backprop/wrong/ fails at least one.
Test-side names end in _T or start with t_ so that they cannot overwrite
the student's own helpers (all cells share the kernel's namespace).

What each cell checks:
- test_sigmoid (7): values; hidden: |z| up to 1e4 with no warning, float32,
  0-d/1-d/3-d/integer inputs, sigmoid_grad on the same.
- test_tanh_softsign (5): values; hidden: shapes and dtypes.
- test_relu_family (8): relu, relu_grad, leaky_relu_grad (k), hardtanh_grad
  at the kinks; hidden: k positional / 0, around the kinks, shapes and
  dtypes, no activation modifies its input.
- test_softmax (7): rows and a vector; hidden: logits up to 1e4 with no
  warning, a square batch, z left unchanged.
- test_softmax_cross_entropy (7): loss and gradient; hidden: extreme
  logits, a random batch.
- test_hinge_loss (6): the kink example; hidden: a random batch with
  margin 0.5.
- test_numerical_gradient (10): the cubic with default h, h = 0.1 (central
  differences), x restored; hidden: a 3-D x, an exact restore, a function
  with cross terms (x[i] restored before x[i+1] is perturbed).
- test_mlp_forward (10): three activations; hidden: square shapes,
  ValueError for an unknown activation.
- test_mlp_loss_and_grads (20): loss and every gradient against central
  differences computed in the cell; hidden: tanh with reg, relu with reg,
  square shapes, params left unchanged.
- test_window_features (10): the small hand-made cases; hidden: random
  tables with a non-zero pad row and pad_id != 0, k = 0..3, short
  sentences, int32 ids, inputs unchanged.
- test_window_classifier (10, hidden): trains with the student's
  mlp_loss_and_grads and scores with their mlp_forward (make_ner's
  train_and_score, seed 0, features from a window_features written in the
  cell), held-out accuracy must reach 0.92. The held-out data is read from
  the repository's assignments/backprop/data (an absolute path written into
  the cell), so the held-out labels never enter the release.
"""

from __future__ import annotations

# Every cell but the classifier's starts with the course's closeness measure
# (autograder/checks.py: relative error max|a - b| / max(max|a| + max|b|,
# 1e-8), tolerance 1e-7, 1e-4 for float32 inputs), so that both graders
# accept the same answers.
_CLOSE = '''\
def close_T(actual, expected, tol=1e-7):
    a, b = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if a.shape != b.shape or (np.all(np.isfinite(b)) and not np.all(np.isfinite(a))):
        return False
    return a.size == 0 or np.max(np.abs(a - b)) / max(np.max(np.abs(a)) + np.max(np.abs(b)), 1e-8) <= tol


'''

_SIGMOID = '''\
# Autograder test: sigmoid and sigmoid_grad.
Z_T = np.array([[-3.0, -1.5, -0.5, 0.0], [0.25, 0.5, 1.0, 2.5]])
s_T = 1.0 / (1.0 + np.exp(-Z_T))
assert close_T(sigmoid(Z_T), s_T), "sigmoid(z) for z in [-3, 2.5]"
assert close_T(sigmoid_grad(Z_T), s_T * (1 - s_T)), "sigmoid_grad(z)"
### BEGIN HIDDEN TESTS
import warnings


def t_stable_sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


t_big = np.array([-1e4, -3e3, -1e3, -710.0, -100.0, -40.0, 0.0, 40.0, 100.0, 710.0, 1e3, 3e3, 1e4])
with warnings.catch_warnings():
    warnings.simplefilter("error")  # an overflow warning fails the test
    t_v = sigmoid(t_big)
    t_v32 = sigmoid(t_big.astype(np.float32))
assert close_T(t_v, t_stable_sigmoid(t_big)), "sigmoid(z) for |z| up to 1e4"
assert close_T(t_v32, t_stable_sigmoid(t_big), 1e-4), "sigmoid of float32 z up to 1e4"
t_rng = np.random.default_rng(1)
for t_z in (np.array(0.7), 2.0 * t_rng.standard_normal(7), 2.0 * t_rng.standard_normal((2, 3, 4)),
           np.array([[-3, -2, 2, 3]], dtype=np.int64)):
    t_v = np.asarray(sigmoid(t_z))
    assert t_v.shape == t_z.shape and t_v.dtype.kind == "f", "sigmoid keeps the shape and returns floats"
    assert close_T(t_v, t_stable_sigmoid(t_z)), f"sigmoid(z) for z of shape {t_z.shape}"
    t_s = t_stable_sigmoid(t_z)
    assert close_T(sigmoid_grad(t_z), t_s * (1 - t_s)), f"sigmoid_grad(z) for z of shape {t_z.shape}"
t_g = np.asarray(sigmoid_grad(t_big))
t_s = t_stable_sigmoid(t_big)
assert close_T(t_g, t_s * (1 - t_s)), \\
    "sigmoid_grad(z) for |z| up to 1e4"
### END HIDDEN TESTS
'''

_TANH_SOFTSIGN = '''\
# Autograder test: tanh_grad and softsign_grad.
Z_T = np.array([[-3.0, -1.5, -0.5, 0.0], [0.25, 0.5, 1.0, 2.5]])
assert close_T(tanh_grad(Z_T), 1 - np.tanh(Z_T) ** 2), "tanh_grad(z)"
assert close_T(softsign_grad(Z_T), 1 / (1 + np.abs(Z_T)) ** 2), "softsign_grad(z)"
### BEGIN HIDDEN TESTS
t_rng = np.random.default_rng(2)
for t_z in (3.0 * t_rng.standard_normal((4, 5)), np.array(0.7),
            (2.0 * t_rng.standard_normal((3, 4))).astype(np.float32),
            np.array([-3, -2, 2, 3], dtype=np.int64), 2.0 * t_rng.standard_normal((2, 3, 4))):
    t_zf = t_z.astype(np.float64)
    t_tol = 1e-4 if t_z.dtype == np.float32 else 1e-7
    for t_name, t_f, t_want in (("tanh_grad", tanh_grad, 1 - np.tanh(t_zf) ** 2),
                             ("softsign_grad", softsign_grad, 1 / (1 + np.abs(t_zf)) ** 2)):
        t_v = np.asarray(t_f(t_z))
        assert t_v.shape == t_z.shape and t_v.dtype.kind == "f", f"{t_name} keeps the shape and returns floats"
        assert close_T(t_v, t_want, t_tol), f"{t_name}(z) for z of shape {t_z.shape} and dtype {t_z.dtype}"
### END HIDDEN TESTS
'''

_RELU_FAMILY = '''\
# Autograder test: relu, relu_grad, leaky_relu_grad, hardtanh_grad (values at the kinks included).
Z_T = np.array([[-3.0, -1.5, -0.5, 0.0], [0.25, 0.5, 1.0, 2.5]])
assert close_T(relu(Z_T), np.maximum(Z_T, 0)), "relu(z)"
assert close_T(relu_grad(Z_T), (Z_T > 0).astype(float)), "relu_grad(z), 0 at z == 0"
assert close_T(leaky_relu_grad(Z_T), np.where(Z_T > 0, 1.0, 0.01)), "leaky_relu_grad(z)"
assert close_T(leaky_relu_grad(Z_T, k=0.2), np.where(Z_T > 0, 1.0, 0.2)), "leaky_relu_grad(z, k=0.2)"
H_T = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
assert close_T(hardtanh_grad(H_T), [0, 1, 1, 1, 1, 1, 0]), "hardtanh_grad(z), 1 at z = -1 and z = 1"
### BEGIN HIDDEN TESTS
t_z = np.array([-2.0, -1e-12, 0.0, 1e-12, 2.0])
assert close_T(leaky_relu_grad(t_z), [0.01, 0.01, 0.01, 1.0, 1.0]), "leaky_relu_grad(0) is k"
assert close_T(leaky_relu_grad(t_z, 0.3), [0.3, 0.3, 0.3, 1.0, 1.0]), "leaky_relu_grad(z, 0.3), k positional"
assert close_T(leaky_relu_grad(t_z, k=0.0), [0.0, 0.0, 0.0, 1.0, 1.0]), "leaky_relu_grad(z, k=0)"
assert close_T(relu_grad(np.array([-0.0, 0.0, 1e-12, -1e-12])), [0, 0, 1, 0]), "relu_grad around 0"
t_h = np.array([-1.5, -1.0, -1.0 + 1e-12, 0.0, 1.0 - 1e-12, 1.0, 1.0 + 1e-12, 3.0])
assert close_T(hardtanh_grad(t_h), [0, 1, 1, 1, 1, 1, 0, 0]), "hardtanh_grad around -1 and 1"
t_rng = np.random.default_rng(3)
for t_z in (3.0 * t_rng.standard_normal((4, 5)), np.array(0.7), np.array([-3, -2, 2, 3], dtype=np.int64),
           (2.0 * t_rng.standard_normal((2, 3, 4))).astype(np.float32)):
    t_zf = t_z.astype(np.float64)
    for t_f, t_want in ((relu, np.maximum(t_zf, 0)), (relu_grad, (t_zf > 0) * 1.0),
                      (leaky_relu_grad, np.where(t_zf > 0, 1.0, 0.01)),
                      (hardtanh_grad, ((t_zf >= -1) & (t_zf <= 1)) * 1.0)):
        t_v = np.asarray(t_f(t_z))
        assert t_v.shape == t_z.shape and t_v.dtype.kind == "f", f"{t_f.__name__} keeps the shape and returns floats"
        assert close_T(t_v, t_want), f"{t_f.__name__}(z) for z of shape {t_z.shape}, dtype {t_z.dtype}"
for t_f in (sigmoid, sigmoid_grad, tanh_grad, relu, relu_grad, leaky_relu_grad, hardtanh_grad, softsign_grad):
    t_z = np.array([[-3.0, -1.0, -0.5, 0.0], [0.5, 1.0, 2.0, 30.0]])
    t_f(t_z)
    assert np.array_equal(t_z, [[-3.0, -1.0, -0.5, 0.0], [0.5, 1.0, 2.0, 30.0]]), f"{t_f.__name__} modified z"
### END HIDDEN TESTS
'''

_SOFTMAX_REF = '''\
def softmax_T(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


L_T = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.0, 2.0, 2.0], [-0.5, 1.5, 0.0]])
Y_T = np.array([1, 2, 0, 0])
'''

_SOFTMAX = '''\
# Autograder test: softmax.
''' + _SOFTMAX_REF + '''\
assert close_T(softmax(L_T), softmax_T(L_T)), "softmax(z) for z of shape (4, 3): each row sums to 1"
assert close_T(softmax(L_T[1]), softmax_T(L_T[1])), "softmax(z) for a 1-D z"
### BEGIN HIDDEN TESTS
import warnings
t_big = np.array([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4 - 1.0, -5e3], [0.0, 0.0, 0.0]])
with warnings.catch_warnings():
    warnings.simplefilter("error")
    t_p = np.asarray(softmax(t_big))
assert close_T(t_p, softmax_T(t_big)), "softmax(z) for logits up to 1e4"
t_rng = np.random.default_rng(4)
for t_shape in ((6, 5), (5, 5), (7,)):
    t_z = 5.0 * t_rng.standard_normal(t_shape)
    t_before = t_z.copy()
    assert close_T(softmax(t_z), softmax_T(t_before)), f"softmax(z) for z of shape {t_shape}"
    assert np.array_equal(t_z, t_before), "softmax must not modify z"
### END HIDDEN TESTS
'''

_SCE = '''\
# Autograder test: softmax_cross_entropy.
''' + _SOFTMAX_REF + '''\


def sce_T(logits, y):
    logits = np.asarray(logits, dtype=np.float64)
    n = logits.shape[0]
    s = logits - logits.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), y] -= 1.0
    return -np.mean(logp[np.arange(n), y]), d / n


loss_T, d_T = softmax_cross_entropy(L_T, Y_T)
assert close_T(loss_T, sce_T(L_T, Y_T)[0]), "the loss of softmax_cross_entropy (a mean over the batch)"
assert close_T(d_T, sce_T(L_T, Y_T)[1]), "dlogits of softmax_cross_entropy: (softmax - onehot) / N"
### BEGIN HIDDEN TESTS
import warnings
t_L = np.array([[0.0, -1e4, 5.0], [1e4, -1e4, 0.0], [3.0, 3.0, 3.0]])
t_y = np.array([1, 1, 2])
with warnings.catch_warnings():
    warnings.simplefilter("error")
    t_loss, t_d = softmax_cross_entropy(t_L, t_y)
assert close_T(t_loss, sce_T(t_L, t_y)[0]), "the loss for logits up to 1e4"
assert close_T(t_d, sce_T(t_L, t_y)[1]), "dlogits for logits up to 1e4"
t_rng = np.random.default_rng(5)
t_L = 3.0 * t_rng.standard_normal((7, 5))
t_y = t_rng.integers(0, 5, size=7)
t_loss, t_d = softmax_cross_entropy(t_L, t_y)
assert close_T(t_loss, sce_T(t_L, t_y)[0]) and close_T(t_d, sce_T(t_L, t_y)[1]), "a random (7, 5) batch"
### END HIDDEN TESTS
'''

_HINGE = '''\
# Autograder test: hinge_loss.
s_T = np.array([2.0, 0.5, 1.0, 3.0])
sc_T = np.array([0.5, 1.0, 0.0, 1.0])
# slack = 1 + s_c - s = [-0.5, 1.5, 0.0 (the kink), -1.0]: only example 1 is active.
loss_T, ds_T, dsc_T = hinge_loss(s_T, sc_T)
assert close_T(loss_T, 1.5 / 4), "the loss of hinge_loss (a mean)"
assert close_T(ds_T, [0, -0.25, 0, 0]), "ds of hinge_loss, 0 at the kink"
assert close_T(dsc_T, [0, 0.25, 0, 0]), "ds_c of hinge_loss, 0 at the kink"
### BEGIN HIDDEN TESTS
t_rng = np.random.default_rng(6)
t_s, t_sc = t_rng.standard_normal(8), t_rng.standard_normal(8)
t_slack = 0.5 + t_sc - t_s
t_act = (t_slack > 0) * 1.0
t_loss, t_ds, t_dsc = hinge_loss(t_s, t_sc, margin=0.5)
assert close_T(t_loss, np.mean(np.maximum(t_slack, 0))), "the loss with margin=0.5"
assert close_T(t_ds, -t_act / 8) and close_T(t_dsc, t_act / 8), "the gradients with margin=0.5"
### END HIDDEN TESTS
'''

_NUMGRAD = '''\
# Autograder test: numerical_gradient.
X_T = np.array([[0.5, -1.0, 2.0], [1.5, -0.25, 0.75]])
C_T = np.array([[1.0, 2.0, -1.0], [0.5, 1.0, 3.0]])


def cubic_T(x):
    return float(np.sum(C_T * np.asarray(x) ** 3))


# For f = sum(c x**3) the central difference is exactly c (3 x**2 + h**2).
assert close_T(numerical_gradient(cubic_T, X_T.copy()), 3 * C_T * X_T ** 2), "default h"
assert close_T(numerical_gradient(cubic_T, X_T.copy(), 0.1), C_T * (3 * X_T ** 2 + 0.01)), \\
    "h = 0.1: central differences, with the h given"
x_T = X_T.copy()
numerical_gradient(cubic_T, x_T, 0.01)
assert np.allclose(x_T, X_T, rtol=0, atol=1e-8), "x must hold its original values when the function returns"
### BEGIN HIDDEN TESTS
t_rng = np.random.default_rng(7)
t_x = t_rng.standard_normal((2, 3, 2))
t_c = t_rng.standard_normal((2, 3, 2))
t_orig = t_x.copy()
t_g = np.asarray(numerical_gradient(lambda v: float(np.sum(t_c * np.sin(v))), t_x, 1e-3))
assert t_g.shape == t_x.shape and t_g.dtype == np.float64, "a float64 gradient shaped like x (3-D x)"
assert close_T(t_g, t_c * np.cos(t_orig) * np.sin(1e-3) / 1e-3), "a 3-D x"
assert np.max(np.abs(t_x - t_orig)) <= 1e-7, "x restored (save x[i], perturb it, evaluate f, put the saved value back)"
t_w = np.arange(1.0, 7.0).reshape(2, 3)
t_x = t_rng.uniform(-2, 2, size=(2, 3))
# A quadratic with cross terms: exact under central differences, wrong if x[i] is not restored before x[i+1].
t_g = numerical_gradient(lambda v: float(np.sum(t_w * v)) ** 2, t_x.copy(), 1e-4)
assert close_T(t_g, 2 * np.sum(t_w * t_x) * t_w), "restore x[i] before perturbing x[i+1]"
### END HIDDEN TESTS
'''

_MLP_REF = '''\
def act_T(a, activation):
    return {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh,
            "relu": lambda v: np.maximum(v, 0)}[activation](a)


def forward_T(X, p, activation):
    return act_T(X @ p["W1"] + p["b1"], activation) @ p["W2"] + p["b2"]


def problem_T(seed, n=5, d=4, h=6, c=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.resize(np.arange(c), n)
    params = {"W1": 0.8 * rng.standard_normal((d, h)), "b1": 0.3 * rng.standard_normal(h),
              "W2": 0.8 * rng.standard_normal((h, c)), "b2": 0.3 * rng.standard_normal(c)}
    return X, y, params
'''

_MLP_FORWARD = '''\
# Autograder test: mlp_forward.
''' + _MLP_REF + '''\


X_T, y_T, p_T = problem_T(10)
for activation_T in ("sigmoid", "tanh", "relu"):
    assert close_T(mlp_forward(X_T, p_T, activation_T), forward_T(X_T, p_T, activation_T)), \\
        f"mlp_forward(X, params, {activation_T!r})"
### BEGIN HIDDEN TESTS
t_X, t_y, t_p = problem_T(11, 6, 4, 4, 4)   # square: transposed weights run but give wrong values
for t_a in ("sigmoid", "tanh", "relu"):
    assert close_T(mlp_forward(t_X, t_p, t_a), forward_T(t_X, t_p, t_a)), f"mlp_forward, square shapes, {t_a!r}"
assert close_T(mlp_forward(t_X, t_p), forward_T(t_X, t_p, "sigmoid")), "the default activation is sigmoid"
try:
    mlp_forward(t_X, t_p, "softplus")
except ValueError:
    pass
else:
    raise AssertionError("mlp_forward(X, params, 'softplus') must raise ValueError")
### END HIDDEN TESTS
'''

_MLP_GRADS = '''\
# Autograder test: mlp_loss_and_grads, against central differences computed here.
''' + _MLP_REF + '''\


def loss_T(X, y, p, activation, reg):
    s = forward_T(X, p, activation)
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(y)), y]) + 0.5 * reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))


def numgrad_T(f, x, h=1e-6):
    x = x.astype(np.float64).copy()
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * h)
    return g


def check_T(X, y, p, activation, reg):
    loss, grads = mlp_loss_and_grads(X, y, p, activation, reg)
    where = f"activation={activation!r}, reg={reg}"
    assert close_T(loss, loss_T(X, y, p, activation, reg)), f"the loss ({where})"
    for name in ("W1", "b1", "W2", "b2"):
        want = numgrad_T(lambda v: loss_T(X, y, {**p, name: v}, activation, reg), p[name])
        assert np.shape(grads[name]) == p[name].shape, f"grads[{name!r}] has the shape of params[{name!r}]"
        assert close_T(grads[name], want), f"grads[{name!r}] ({where})"


check_T(*problem_T(20), "sigmoid", 0.0)
### BEGIN HIDDEN TESTS
check_T(*problem_T(21), "tanh", 0.1)
check_T(*problem_T(22), "relu", 0.05)
t_X, t_y, t_p = problem_T(23, 6, 4, 4, 4)
t_before = {k: v.copy() for k, v in t_p.items()}
check_T(t_X, t_y, t_p, "sigmoid", 0.2)
assert all(np.array_equal(t_p[k], t_before[k]) for k in t_p), "mlp_loss_and_grads must not modify params"
### END HIDDEN TESTS
'''

_WINDOW_REF = '''\
def window_T(E, ids, k, pad):
    ids = list(np.asarray(ids))
    rows = [np.concatenate([E[ids[j]] if 0 <= j < len(ids) else E[pad] for j in range(t - k, t + k + 1)])
            for t in range(len(ids))]
    return np.array(rows).reshape(len(ids), (2 * k + 1) * E.shape[1])
'''

_WINDOW = '''\
# Autograder test: window_features.
''' + _WINDOW_REF + '''\


E_T = np.arange(12, dtype=np.float64).reshape(6, 2) + 1.0   # pad row 5 is not zero
assert close_T(window_features(E_T, np.array([3, 0, 2]), 1, 5), window_T(E_T, [3, 0, 2], 1, 5)), "k=1"
assert close_T(window_features(E_T, np.array([4, 1, 1, 0]), 0, 5), E_T[[4, 1, 1, 0]]), "k=0"
assert close_T(window_features(E_T, np.array([2, 4]), 2, 5), window_T(E_T, [2, 4], 2, 5)), \\
    "a sentence shorter than the window"
### BEGIN HIDDEN TESTS
t_rng = np.random.default_rng(30)
t_E = t_rng.standard_normal((11, 3)) + 0.5
t_choices = np.array([i for i in range(11) if i != 7])
for t_t, t_k in ((9, 1), (9, 2), (9, 3), (6, 0), (1, 2), (2, 3), (3, 2), (1, 0)):
    t_ids = t_rng.choice(t_choices, size=t_t)
    t_v = np.asarray(window_features(t_E, t_ids, t_k, 7))
    assert t_v.shape == (t_t, (2 * t_k + 1) * 3), f"the shape for {t_t} tokens, k={t_k}"
    assert close_T(t_v, window_T(t_E, t_ids, t_k, 7)), f"window_features for {t_t} tokens, k={t_k}, pad_id=7"
t_ids = t_rng.choice(t_choices, size=5).astype(np.int32)
t_before = t_E.copy(), t_ids.copy()
assert close_T(window_features(t_E, t_ids, 2, 7), window_T(t_E, t_ids, 2, 7)), "int32 token ids"
assert np.array_equal(t_E, t_before[0]) and np.array_equal(t_ids, t_before[1]), "inputs left unchanged"
### END HIDDEN TESTS
'''

_CLASSIFIER = '''\
# Autograder test: the window classifier trained with your mlp_loss_and_grads (hidden).
### BEGIN HIDDEN TESTS
import importlib.util
''' + _WINDOW_REF + '''\


t_spec = importlib.util.spec_from_file_location("bench_make_ner", "{data}/make_ner.py")
t_ner = importlib.util.module_from_spec(t_spec)
t_spec.loader.exec_module(t_ner)
t_accuracy = t_ner.train_and_score(t_ner.load("{data}"), 0, window_T, mlp_loss_and_grads, mlp_forward)
assert t_accuracy >= 0.92, f"held-out accuracy {t_accuracy:.3f} is below the target 0.92"
### END HIDDEN TESTS
'''

# (grade_id, points, inserted after the cell with this grade_id (None: at the end), source)
TEST_CELLS = [
    ("test_sigmoid", 7, "softsign_grad", _SIGMOID),
    ("test_tanh_softsign", 5, "test_sigmoid", _TANH_SOFTSIGN),
    ("test_relu_family", 8, "test_tanh_softsign", _RELU_FAMILY),
    ("test_softmax", 7, "hinge_loss", _SOFTMAX),
    ("test_softmax_cross_entropy", 7, "test_softmax", _SCE),
    ("test_hinge_loss", 6, "test_softmax_cross_entropy", _HINGE),
    ("test_numerical_gradient", 10, "numerical_gradient", _NUMGRAD),
    ("test_mlp_forward", 10, "mlp_loss_and_grads", _MLP_FORWARD),
    ("test_mlp_loss_and_grads", 20, "test_mlp_forward", _MLP_GRADS),
    ("test_window_features", 10, "window_features", _WINDOW),
    ("test_window_classifier", 10, None, _CLASSIFIER),  # None: at the end of the notebook
]


def test_cells(data_dir: str) -> list[tuple[str, int, str | None, str]]:
    """(grade_id, points, after which cell, source) of each cell, with close_T and the data folder filled in."""
    out = []
    for gid, points, after, src in TEST_CELLS:
        if gid == "test_window_classifier":
            src = src.replace("{data}", data_dir)
        else:
            first, rest = src.split("\n", 1)
            src = first + "\n" + _CLOSE + rest
        out.append((gid, points, after, src))
    return out
