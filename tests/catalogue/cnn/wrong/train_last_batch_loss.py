# loses: training
# mistake: train appends the loss of the epoch's last mini-batch (loss.item() after the loop) instead of the mean over the epoch's mini-batches.
import torch
import torch.nn.functional as F


def train(model, X, y, device, epochs, batch_size, lr):
    model.to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    n = X.shape[0]
    losses = []
    for _ in range(epochs):
        order = torch.randperm(n)
        total, batches = 0.0, 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb, yb = X[idx].to(device), y[idx].to(device)
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        losses.append(loss.item())
    return losses
