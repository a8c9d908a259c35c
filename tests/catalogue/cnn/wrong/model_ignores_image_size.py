# loses: model
# mistake: build_model sizes the first linear layer for 8x8 images only (32 * 2 * 2 features).
from torch import nn


def build_model(in_channels, image_size, num_classes):
    return nn.Sequential(
        nn.Conv2d(in_channels, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 64), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(64, num_classes),
    )
