# loses: training
# mistake: predict writes model.eval without the parentheses, so the model stays in training mode and dropout changes the classes.
import numpy as np
import torch


def predict(model, X, device, batch_size=256):
    model.to(device)
    model.eval
    chunks = []
    with torch.no_grad():
        for start in range(0, X.shape[0], batch_size):
            logits = model(X[start:start + batch_size].to(device))
            chunks.append(logits.argmax(dim=1).cpu())
    if not chunks:
        return np.zeros(0, dtype=np.int64)
    return torch.cat(chunks).numpy().astype(np.int64)
