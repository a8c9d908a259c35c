# loses: integration
# mistake: fc_net_predict evaluates in test mode but never hands the saved running statistics to batch norm.
import numpy as np


def fc_net_predict(X, weights):
    params = {name: value for name, value in weights.items() if not name.startswith("running_")}
    L = len([name for name in params if name.startswith("W")])
    bn_params = [{"mode": "test"} for _ in range(L - 1)] if "gamma1" in weights else None
    scores, _ = fc_net_forward(X, params, bn_params, 0.0, False, None)
    return scores
