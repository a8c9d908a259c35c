# loses: model, training
# mistake: build_model ends with nn.Softmax, so cross_entropy receives probabilities instead of logits and learns slowly.
from torch import nn


def build_model(in_channels, image_size, num_classes):
    side = conv_output_size(conv_output_size(image_size, 2, stride=2), 2, stride=2)
    return nn.Sequential(
        nn.Conv2d(in_channels, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * side * side, 64), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(64, num_classes), nn.Softmax(dim=1),
    )
