"""One wide convolution stage with average pooling and a two-layer head,
a while loop over batches, losses kept as tensors and summed at the end of
the epoch, predictions collected row by row into a list."""
import math

import numpy as np
import torch
from torch import nn


def conv_output_size(size, kernel_size, padding=0, stride=1):
    if size + 2 * padding - kernel_size < 0:
        raise ValueError("kernel larger than padded input")
    return math.floor((size + 2 * padding - kernel_size) / stride + 1)


def build_model(in_channels, image_size, num_classes):
    side = conv_output_size(conv_output_size(image_size, 3, 1, 1), 2, 0, 2)
    model = nn.Sequential()
    model.add_module("conv", nn.Conv2d(in_channels, 48, kernel_size=3, padding=1))
    model.add_module("act", nn.Tanh())
    model.add_module("pool", nn.AvgPool2d(kernel_size=2, stride=2))
    model.add_module("flat", nn.Flatten())
    model.add_module("hidden", nn.Linear(48 * side * side, 100))
    model.add_module("act2", nn.ReLU())
    model.add_module("drop", nn.Dropout(p=0.5))
    model.add_module("out", nn.Linear(100, num_classes))
    return model


def train(model, X, y, device, epochs, batch_size, lr):
    model.to(device=device)
    optimizer = torch.optim.Adam(params=model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss(reduction="mean")
    epoch_losses = []
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(X.shape[0])
        start, batch_losses = 0, []
        while start < X.shape[0]:
            rows = perm[start:start + batch_size]
            start += batch_size
            logits = model(X[rows].to(device))
            loss = loss_fn(logits, y[rows].to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach())
        epoch_losses.append(torch.stack(batch_losses).mean().item())
    return epoch_losses


def predict(model, X, device, batch_size=256):
    model.eval()
    classes = []
    with torch.no_grad():
        for i in range(0, X.shape[0], batch_size):
            logits = model(X[i:i + batch_size].to(device))
            classes.extend(int(c) for c in logits.argmax(dim=1).tolist())
    return np.array(classes, dtype=np.int64)
