"""Batch normalisation after each convolution, an index permutation split
into batches, a loss module, a sample-weighted epoch mean, and predictions
gathered as numpy arrays."""
import numpy as np
import torch
from torch import nn


def conv_output_size(size, kernel_size, padding=0, stride=1):
    numerator = size + 2 * padding - kernel_size
    if numerator < 0:
        raise ValueError("the kernel is larger than the padded input")
    return numerator // stride + 1


def build_model(in_channels, image_size, num_classes):
    side = image_size
    for _ in range(2):
        side = conv_output_size(conv_output_size(side, 3, padding=1), 2, stride=2)
    return nn.Sequential(
        nn.Conv2d(in_channels, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * side * side, num_classes),
    )


def train(model, X, y, device, epochs, batch_size, lr):
    model.to(device)
    model.train()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    means = []
    for epoch in range(epochs):
        perm = torch.randperm(len(X))
        weighted, count = 0.0, 0
        for idx in perm.split(batch_size):
            xb, yb = X[idx].to(device), y[idx].to(device)
            loss = criterion(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            weighted += loss.item() * len(idx)
            count += len(idx)
        means.append(weighted / count)
    return means


def predict(model, X, device, batch_size=256):
    model.train(False)
    parts = []
    with torch.no_grad():
        for i in range(0, len(X), batch_size):
            logits = model(X[i:i + batch_size].to(device))
            parts.append(logits.argmax(dim=-1).cpu().numpy())
    return np.concatenate(parts).astype(np.int64)
