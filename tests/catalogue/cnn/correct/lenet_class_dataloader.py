"""LeNet-5 in spirit: an nn.Module subclass with 5x5 convolutions, functional
activations, a DataLoader over a TensorDataset, inference_mode for
prediction, and the model's previous mode restored afterwards."""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = math.floor((size + 2 * padding - kernel_size) / stride) + 1
    if out < 1:
        raise ValueError(f"kernel {kernel_size} does not fit a side of {size} with padding {padding}")
    return out


class LeNet(nn.Module):
    def __init__(self, in_channels, image_size, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5, padding=2)
        side = conv_output_size(conv_output_size(image_size, 5, 2), 2, stride=2)
        side = conv_output_size(conv_output_size(side, 5, 2), 2, stride=2)
        self.fc1 = nn.Linear(16 * side * side, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def build_model(in_channels, image_size, num_classes):
    return LeNet(in_channels, image_size, num_classes)


def train(model, X, y, device, epochs, batch_size, lr):
    model = model.to(device)
    model.train()
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        batch_losses = []
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        history.append(sum(batch_losses) / len(batch_losses))
    return history


def predict(model, X, device, batch_size=256):
    was_training = model.training
    model.to(device).eval()
    out = []
    with torch.inference_mode():
        for xb in X.split(batch_size):
            out.append(model(xb.to(device)).argmax(1).to("cpu"))
    model.train(was_training)
    return torch.cat(out).numpy().astype(np.int64)
