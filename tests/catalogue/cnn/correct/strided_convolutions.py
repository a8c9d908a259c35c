"""No pooling: stride-2 convolutions shrink the image. Batches by zip of
split tensors, predictions through softmax probabilities (same argmax)."""
import torch
import torch.nn.functional as F
from torch import nn


def conv_output_size(size, kernel_size, padding=0, stride=1):
    padded = size + 2 * padding
    if padded < kernel_size:
        raise ValueError("window does not fit")
    return (padded - kernel_size) // stride + 1


def build_model(in_channels, image_size, num_classes):
    side = conv_output_size(image_size, 3, padding=1, stride=1)
    side = conv_output_size(side, 3, padding=1, stride=2)
    side = conv_output_size(side, 3, padding=1, stride=2)
    return nn.Sequential(
        nn.Conv2d(in_channels, 16, 3, stride=1, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(32 * side * side, num_classes),
    )


def train(model, X, y, device, epochs, batch_size, lr):
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr)
    result = []
    for _ in range(epochs):
        perm = torch.randperm(X.size(0))
        losses = []
        for xb, yb in zip(X[perm].split(batch_size), y[perm].split(batch_size)):
            loss = F.cross_entropy(model(xb.to(device)), yb.to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        result.append(sum(losses) / len(losses))
    return result


@torch.no_grad()
def predict(model, X, device, batch_size=256):
    model.eval()
    chunks = [F.softmax(model(X[i:i + batch_size].to(device)), dim=1).argmax(dim=1)
              for i in range(0, X.size(0), batch_size)]
    return torch.cat(chunks).cpu().numpy().astype("int64")
