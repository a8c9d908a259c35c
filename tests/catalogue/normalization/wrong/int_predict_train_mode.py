# loses: integration
# mistake: fc_net_predict runs the forward pass in training mode (batch statistics), the forgotten model.eval().
import numpy as np


def fc_net_predict(X, weights):
    params = {name: value for name, value in weights.items() if not name.startswith("running_")}
    L = len([name for name in params if name.startswith("W")])
    bn_params = None
    if "gamma1" in weights:
        bn_params = [{"running_mean": weights[f"running_mean{l}"], "running_var": weights[f"running_var{l}"]}
                     for l in range(1, L)]
    scores, _ = fc_net_forward(X, params, bn_params, 0.0, True, None)
    return scores
