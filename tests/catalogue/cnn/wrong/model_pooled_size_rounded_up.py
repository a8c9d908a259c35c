# loses: model
# mistake: build_model computes the side after two poolings as ceil(image_size / 4), wrong when pooling drops a row.
import math

from torch import nn


def build_model(in_channels, image_size, num_classes):
    side = math.ceil(image_size / 4)
    return nn.Sequential(
        nn.Conv2d(in_channels, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * side * side, 64), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(64, num_classes),
    )
