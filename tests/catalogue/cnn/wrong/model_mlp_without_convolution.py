# loses: model
# mistake: build_model returns a multilayer perceptron on the flattened pixels, with no nn.Conv2d.
from torch import nn


def build_model(in_channels, image_size, num_classes):
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(in_channels * image_size * image_size, 128),
        nn.ReLU(),
        nn.Linear(128, num_classes),
    )
