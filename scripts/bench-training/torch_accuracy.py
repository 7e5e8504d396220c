"""Accuracy row of the server training benchmark: the Wisconsin breast cancer data (569 rows,
30 features, shipped with scikit-learn), split 80/20 stratified with a fixed seed and
standardised on the training rows, written as JSON for `ml/examples/tabular_accuracy.rs`;
then the default model (64-64-1, ReLU, Adam 0.001, batch 32) trained in PyTorch once per
seed. Prints one JSON line with each seed's test accuracy and their mean."""

import json
import sys

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split


def main() -> None:
    path, seeds, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(int(sys.argv[4]))
    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.2, stratify=data.target, random_state=7
    )
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train = ((x_train - mean) / std).astype(np.float32)
    x_test = ((x_test - mean) / std).astype(np.float32)
    with open(path, "w") as file:
        json.dump({
            "features": int(x_train.shape[1]),
            "epochs": epochs,
            "train": {"x": x_train.ravel().tolist(), "y": y_train.astype(float).tolist()},
            "test": {"x": x_test.ravel().tolist(), "y": y_test.astype(float).tolist()},
        }, file)

    xt, yt = torch.tensor(x_train), torch.tensor(y_train, dtype=torch.float32).reshape(-1, 1)
    xs, ys = torch.tensor(x_test), torch.tensor(y_test)
    accuracies = []
    for seed in range(1, seeds + 1):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(
            torch.nn.Linear(xt.shape[1], 64), torch.nn.ReLU(),
            torch.nn.Linear(64, 64), torch.nn.ReLU(),
            torch.nn.Linear(64, 1),
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        for _ in range(epochs):
            order = torch.randperm(len(xt))
            for start in range(0, len(xt), 32):
                index = order[start:start + 32]
                optimizer.zero_grad()
                loss_fn(model(xt[index]), yt[index]).backward()
                optimizer.step()
        with torch.no_grad():
            predicted = (model(xs).reshape(-1) > 0).long()
        accuracies.append(float((predicted == ys).float().mean()))
    print(json.dumps({"accuracies": accuracies, "mean": sum(accuracies) / len(accuracies)}))


if __name__ == "__main__":
    main()
