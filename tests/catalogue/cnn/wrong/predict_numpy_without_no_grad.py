# loses: training, accuracy
# mistake: predict runs without torch.no_grad() and calls .numpy() on logits that require grad, which raises.
import numpy as np
import torch


def predict(model, X, device, batch_size=256):
    model.to(device)
    model.eval()
    chunks = []
    for start in range(0, X.shape[0], batch_size):
        logits = model(X[start:start + batch_size].to(device)).cpu().numpy()
        chunks.append(np.argmax(logits, axis=1))
    return np.concatenate(chunks).astype(np.int64)
