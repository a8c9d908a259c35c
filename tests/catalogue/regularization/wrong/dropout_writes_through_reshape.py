# loses: dropout
# mistake: dropout_forward fills out = np.zeros_like(x) through out.reshape(-1); zeros_like keeps x's memory layout, so for a Fortran-ordered or transposed x the reshape is a copy and nothing is kept.
import numpy as np


def dropout_forward(x, p, train, rng):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"the drop probability p must be in [0, 1), got {p}")
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if not train or p == 0.0:
        return x, {"mask": None, "scale": 1.0}
    keep = 1.0 - p
    mask = rng.random(x.size) < keep                     # one draw per element, in a flat array
    out = np.zeros_like(x)
    out.reshape(-1)[mask] = x.reshape(-1)[mask] / x.dtype.type(keep)   # assumes out.reshape(-1) is a view
    return out, {"mask": mask.reshape(x.shape), "scale": x.dtype.type(1.0 / keep)}
