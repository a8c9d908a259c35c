# loses: layernorm
# mistake: layer norm divides by D - 1 in the variance.
import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization of x (N, D): one mean and variance per sample.

    gamma, beta: (D,). ln_param: None or a dict that may hold eps (default
    1e-5). The same computation in training and at test time; the variance
    is the biased one (divide by D). Returns (out, cache) with out (N, D).
    """
    eps = (ln_param or {}).get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)               # (N, 1)
    xc = x - mu
    var = x.var(axis=1, keepdims=True, ddof=1)
    inv_std = 1.0 / np.sqrt(var + eps)               # (N, 1)
    x_hat = xc * inv_std                             # (N, D)
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std)
