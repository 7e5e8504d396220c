"""PyTorch side of the server training benchmark: the same MLP, Adam, batch and rows as
`ml/examples/train_steps.rs`, timed the same way (median epoch / steps; time to first step
from process start and from building the model). Prints one JSON line."""

import json
import sys
import time

PROCESS_STARTED = time.perf_counter()

import torch  # noqa: E402  (imported after the clock starts: its import is part of start-up)


def main() -> None:
    path, hidden, batch, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    threads = int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    with open(path) as file:
        data = json.load(file)
    features, classes, rows = data["features"], data["classes"], data["rows"]
    x = torch.tensor(data["x"], dtype=torch.float32).reshape(rows, features)
    y = torch.tensor(data["y"], dtype=torch.float32)
    outputs = 1 if classes == 2 else classes
    widths = [features] + [int(width) for width in hidden.split(",")]

    built = time.perf_counter()
    layers = []
    for inputs, width in zip(widths, widths[1:]):
        layers += [torch.nn.Linear(inputs, width), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(widths[-1], outputs))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    if classes == 2:
        loss_fn = torch.nn.BCEWithLogitsLoss()
        target = y.reshape(-1, 1)
    else:
        loss_fn = torch.nn.CrossEntropyLoss()
        target = y.long()
    steps = rows // batch

    def epoch(limit=None):
        order = torch.randperm(rows)
        last = None
        for step in range(steps if limit is None else limit):
            index = order[step * batch:(step + 1) * batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), target[index])
            loss.backward()
            optimizer.step()
            last = loss
        return float(last)

    epoch(limit=1)
    first_step_ms = (time.perf_counter() - built) * 1000
    first_step_process_ms = (time.perf_counter() - PROCESS_STARTED) * 1000
    epoch()
    times = []
    for _ in range(epochs):
        started = time.perf_counter()
        epoch()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    step_ms = times[len(times) // 2] / steps
    print(json.dumps({
        "implementation": f"PyTorch {torch.__version__} ({threads} threads)",
        "features": features,
        "hidden": widths[1:],
        "classes": classes,
        "batch": batch,
        "steps_per_epoch": steps,
        "step_ms": step_ms,
        "samples_per_second": batch / step_ms * 1000,
        "first_step_ms": first_step_ms,
        "first_step_process_ms": first_step_process_ms,
    }))


if __name__ == "__main__":
    main()
