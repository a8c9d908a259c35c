# loses: training
# mistake: predict returns the classes as int32 instead of int64.
import numpy as np
import torch


def predict(model, X, device, batch_size=256):
    model.to(device)
    model.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, X.shape[0], batch_size):
            logits = model(X[start:start + batch_size].to(device))
            chunks.append(logits.argmax(dim=1).cpu())
    return torch.cat(chunks).numpy().astype(np.int32)
