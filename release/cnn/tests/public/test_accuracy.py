"""Public preview of the accuracy part.

Trains your model (your build_model and train, with the epochs, batch size
and learning rate of ``settings`` in assignment.yaml) on the first 1137
images of data/digits_train.npz, within the part's time budget, and scores
your predict on the other 300. The hidden test does the same with all 1437
training images and 360 held-out images, with the same thresholds. (A
grader with a GPU may train the hidden test on a larger data set that its
cuda settings name; this preview always uses the digits, with the settings
that go with them.)
"""
import time

import numpy as np
import torch

from autograder.testing import CheckFailed, PartialCredit, threshold_credit

THRESHOLD = "digits_accuracy"
N_VAL = 300


def test_validation_accuracy(student, data, config, device):
    settings = config.settings(device)
    if settings.get("dataset"):  # this device's numbers are for another data set: the digits' are cpu's
        settings = {**config.settings("cpu"), "budget_s": max(settings["budget_s"], config.settings("cpu")["budget_s"])}
    with np.load(data / "digits_train.npz", allow_pickle=False) as f:
        X, y = torch.from_numpy(f["X_train"]), f["y_train"]
    model = student.build_model(1, 8, 10)
    started = time.monotonic()
    student.with_timeout(settings["budget_s"]).train(model, X[:-N_VAL], torch.from_numpy(y[:-N_VAL]), device,
                                                     settings["epochs"], settings["batch_size"], settings["lr"])
    seconds = time.monotonic() - started
    pred = np.asarray(student.predict(model, X[-N_VAL:], device))
    if pred.shape != (N_VAL,):
        raise CheckFailed(f"predict on {N_VAL} images returned shape {pred.shape}, expected ({N_VAL},)")
    accuracy = float(np.mean(pred == y[-N_VAL:]))
    floor, target = config.threshold(THRESHOLD).floor, config.threshold(THRESHOLD).target
    credit = threshold_credit(accuracy, floor, target)
    if credit < 1.0:
        raise PartialCredit(credit, f"validation accuracy {accuracy:.3f} after {seconds:.1f} s of training on "
                                    f"{device}: full credit from {target:g}, none at or below {floor:g}")
