# loses: training
# mistake: predict runs the model without torch.no_grad(); its classes are right (argmax needs no gradient), but every chunk builds an autograd graph.
import numpy as np
import torch


def predict(model, X, device, batch_size=256):
    model.to(device)
    model.eval()
    chunks = []
    for start in range(0, X.shape[0], batch_size):
        logits = model(X[start:start + batch_size].to(device))
        chunks.append(logits.argmax(dim=1).cpu())
    if not chunks:
        return np.zeros(0, dtype=np.int64)
    return torch.cat(chunks).numpy().astype(np.int64)
