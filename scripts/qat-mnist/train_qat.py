#!/usr/bin/python3
"""4-bit quantization-aware training of the example MNIST CNN, exported as an ONNX QDQ model.

Usage (from the repository root, with Debian's python3-torch and python3-onnx, NOT a pyenv python):

    /usr/bin/python3 scripts/qat-mnist/train_qat.py

(EPOCHS and LR environment variables override the defaults, 6 and 2e-3.) Writes
examples/models/mnist-qat4.onnx and prints a JSON summary; scripts/qat-mnist/README.md records it.

Starting point: the float model examples/models/mnist-cnn.onnx (made by scripts/train_mnist.py,
whose data loading, split and architecture this script imports), its weights read back from the
ONNX initializers. So the float model of the same architecture is that file: cimc's own PTQ of it
is the comparison.

QAT (straight-through estimator everywhere):
  * BatchNormalization folded into each Conv first (w·γ/σ, β − μ·γ/σ): the crossbar sees the folded weights.
  * Weights: 4-bit symmetric per output channel, q = clamp(round(w / s), −7, 7), s = max|w_c| / 7
    (max-abs, recomputed every step).
  * Activations: 4-bit unsigned per tensor in front of every Conv/Gemm (the image too),
    q = clamp(round(x / s), 0, 15), s learned (LSQ gradient), initialised from the 99.99th
    percentile of the calibration split's activations.
  * Bias stays float (added digitally).

Export: the graph is written with the `onnx` package from the trained tensors (torch 1.13 refuses
4-bit ranges in torch.onnx.export, and onnx 1.12 has no int4 type), opset 13, in an 8-bit container
whose Clips carry the real bit width:
    weight:     int8 initializer (values in [−7, 7]) → Clip(−7, 7) → DequantizeLinear(axis 0, per-channel scale)
    activation: x → QuantizeLinear(s, uint8 0) → Clip(0, 15) → DequantizeLinear(s, uint8 0)
Evaluated with numpy on the same test split as torch's fake-quant model (the two must agree), and
with onnxruntime when the Python package is installed.
"""

import importlib.util
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FLOAT_MODEL = os.path.join(REPO, "examples", "models", "mnist-cnn.onnx")
OUT = os.path.join(REPO, "examples", "models", "mnist-qat4.onnx")

spec = importlib.util.spec_from_file_location("train_mnist", os.path.join(REPO, "scripts", "train_mnist.py"))
train_mnist = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train_mnist)

SEED = 0
EPOCHS = int(os.environ.get("EPOCHS", 6))
LR = float(os.environ.get("LR", 2e-3))
BATCH = 64
W_MAX = 7  # weights in [-7, 7]: 4-bit symmetric
A_MAX = 15  # activations in [0, 15]: 4-bit unsigned


def round_ste(x):
    return (x.round() - x).detach() + x


def fake_quant_weight(w):
    """Per-output-channel symmetric max-abs 4-bit fake quantization (STE)."""
    dims = tuple(range(1, w.dim()))
    scale = (w.detach().abs().amax(dim=dims, keepdim=True) / W_MAX).clamp_min(1e-8)
    return torch.clamp(round_ste(w / scale), -W_MAX, W_MAX) * scale, scale.flatten()


class ActQuant(nn.Module):
    """4-bit unsigned per-tensor activation fake quantization with a learned scale (LSQ)."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0 / A_MAX))
        self.enabled = True

    def forward(self, x):
        if not self.enabled:
            return x
        g = 1.0 / np.sqrt(x[0].numel() * A_MAX)
        s = (self.scale - self.scale * g).detach() + self.scale * g  # LSQ gradient scaling
        return torch.clamp(round_ste(x / s), 0, A_MAX) * s


class QatCnn(nn.Module):
    """The example CNN with BN folded: conv weights/biases as parameters, fake quant on every layer."""

    def __init__(self, float_model):
        super().__init__()
        convs = [(float_model.features[i], float_model.features[i + 1]) for i in (0, 4, 8)]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for conv, bn in convs:
            k = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
            self.weights.append(nn.Parameter(conv.weight.detach() * k[:, None, None, None]))
            self.biases.append(nn.Parameter(bn.bias.detach() - bn.running_mean * k))
        self.fc_w = nn.Parameter(float_model.classifier.weight.detach().clone())
        self.fc_b = nn.Parameter(float_model.classifier.bias.detach().clone())
        self.act = nn.ModuleList([ActQuant() for _ in range(4)])
        self.quant_weights = True

    def w(self, w):
        return fake_quant_weight(w)[0] if self.quant_weights else w

    def forward(self, x, record=None):
        for i in range(3):
            x = self.act[i](x)
            if record is not None:
                record[i].append(x.detach())
            x = F.relu(F.conv2d(x, self.w(self.weights[i]), self.biases[i], padding=1))
            if i < 2:
                x = F.max_pool2d(x, 2)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        x = self.act[3](x)
        if record is not None:
            record[3].append(x.detach())
        return F.linear(x, self.w(self.fc_w), self.fc_b)


def load_float_model():
    model = train_mnist.MnistCnn()
    inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in onnx.load(FLOAT_MODEL).graph.initializer}
    state = model.state_dict()
    for name in state:
        if name.endswith("num_batches_tracked"):
            continue
        state[name] = inits[name]
    model.load_state_dict(state)
    return model.eval()


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(1).numpy()
    return float((pred == y).mean())


def set_quant(model, on):
    model.quant_weights = on
    for a in model.act:
        a.enabled = on


def init_act_scales(model, x):
    """Activation scales from the 99.99th percentile of the float activations on calibration data."""
    set_quant(model, False)
    record = [[] for _ in range(4)]
    with torch.no_grad():
        model(torch.from_numpy(x), record)
    for a, r in zip(model.act, record):
        v = torch.cat([t.flatten() for t in r])
        a.scale.data = torch.quantile(v[:1_000_000], 0.9999).clamp_min(1e-3) / A_MAX
    set_quant(model, True)


def export(model, path):
    """The QDQ graph, written node by node from the trained tensors."""
    nodes, inits = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    zero_u8 = const("act_zero_point", np.array(0, dtype=np.uint8))
    act_lo, act_hi = const("act_lo", np.array(0, dtype=np.uint8)), const("act_hi", np.array(A_MAX, dtype=np.uint8))
    w_lo, w_hi = const("w_lo", np.array(-W_MAX, dtype=np.int8)), const("w_hi", np.array(W_MAX, dtype=np.int8))

    def act_qdq(x, i):
        s = const(f"act{i}_scale", np.array(float(model.act[i].scale), dtype=np.float32))
        nodes.append(helper.make_node("QuantizeLinear", [x, s, zero_u8], [f"act{i}_q"], name=f"act{i}_quantize"))
        nodes.append(helper.make_node("Clip", [f"act{i}_q", act_lo, act_hi], [f"act{i}_q4"], name=f"act{i}_clip4"))
        nodes.append(helper.make_node("DequantizeLinear", [f"act{i}_q4", s, zero_u8], [f"act{i}_dq"], name=f"act{i}_dequantize"))
        return f"act{i}_dq"

    def weight_qdq(w, name):
        _, scale = fake_quant_weight(w.detach())
        shape = (-1,) + (1,) * (w.dim() - 1)
        q = torch.clamp(torch.round(w.detach() / scale.view(shape)), -W_MAX, W_MAX).numpy().astype(np.int8)
        const(f"{name}_q", q)
        const(f"{name}_scale", scale.numpy().astype(np.float32))
        const(f"{name}_zero_point", np.zeros(q.shape[0], dtype=np.int8))
        nodes.append(helper.make_node("Clip", [f"{name}_q", w_lo, w_hi], [f"{name}_q4"], name=f"{name}_clip4"))
        nodes.append(helper.make_node("DequantizeLinear", [f"{name}_q4", f"{name}_scale", f"{name}_zero_point"], [f"{name}_dq"], name=f"{name}_dequantize", axis=0))
        return f"{name}_dq"

    x = "input"
    for i in range(3):
        xq = act_qdq(x, i)
        w = weight_qdq(model.weights[i], f"conv{i}_weight")
        b = const(f"conv{i}_bias", model.biases[i].detach().numpy().astype(np.float32))
        nodes.append(helper.make_node("Conv", [xq, w, b], [f"conv{i}"], name=f"conv{i}", kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"], name=f"relu{i}"))
        x = f"relu{i}"
        if i < 2:
            nodes.append(helper.make_node("MaxPool", [x], [f"pool{i}"], name=f"pool{i}", kernel_shape=[2, 2], strides=[2, 2]))
            x = f"pool{i}"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1))
    xq = act_qdq("flat", 3)
    w = weight_qdq(model.fc_w, "fc_weight")
    b = const("fc_bias", model.fc_b.detach().numpy().astype(np.float32))
    nodes.append(helper.make_node("Gemm", [xq, w, b], ["logits"], name="fc", transB=1))
    graph = helper.make_graph(
        nodes, "mnist_qat4",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        inits,
    )
    m = helper.make_model(graph, producer_name="cimc scripts/qat-mnist/train_qat.py", opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def numpy_forward(m, x):
    """The exported graph evaluated with numpy (QDQ semantics of ONNX: round half to even)."""
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    env = dict(inits)
    env["input"] = x
    for n in m.graph.node:
        a = [env[i] for i in n.input]
        attrs = {at.name: helper.get_attribute_value(at) for at in n.attribute}
        if n.op_type == "QuantizeLinear":
            y = np.clip(np.round(a[0] / a[1]) + a[2].astype(np.float32), 0, 255).astype(np.uint8)
        elif n.op_type == "Clip":
            y = np.clip(a[0], a[1], a[2])
        elif n.op_type == "DequantizeLinear":
            axis = attrs.get("axis", 1)
            shape = [1] * a[0].ndim
            if a[1].ndim == 1:
                shape[axis] = -1
            y = ((a[0].astype(np.float32) - a[2].astype(np.float32).reshape(shape)) * a[1].reshape(shape)).astype(np.float32)
        elif n.op_type == "Conv":
            y = F.conv2d(*(torch.from_numpy(np.array(t)) for t in a), padding=1).numpy()
        elif n.op_type == "Relu":
            y = np.maximum(a[0], 0)
        elif n.op_type == "MaxPool":
            y = F.max_pool2d(torch.from_numpy(a[0]), 2).numpy()
        elif n.op_type == "GlobalAveragePool":
            y = a[0].mean(axis=(2, 3), keepdims=True)
        elif n.op_type == "Flatten":
            y = a[0].reshape(a[0].shape[0], -1)
        elif n.op_type == "Gemm":
            y = a[0] @ a[1].T + a[2]
        else:
            raise ValueError(n.op_type)
        env[n.output[0]] = y
    return env["logits"]


def main():
    t0 = time.time()
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    x, y = train_mnist.load_digits()
    perm = np.random.default_rng(SEED).permutation(len(x))
    tr, ca, te = perm[:8000], perm[8000:9000], perm[9000:]
    xtr, ytr, xca, xte, yte = x[tr], y[tr], x[ca], x[te], y[te]

    float_model = load_float_model()
    float_acc = accuracy(float_model, xte, yte)
    model = QatCnn(float_model)
    set_quant(model, False)
    folded_acc = accuracy(model, xte, yte)
    init_act_scales(model, xca)
    ptq_acc = accuracy(model, xte, yte)  # fake quant with the initial scales, before any QAT step

    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps = EPOCHS * ((len(xtr) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
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
            dx, dy = torch.randint(-2, 3, (2,), generator=g).tolist()  # the float recipe's ±2 px shift
            xb = torch.roll(F.pad(xb, (2, 2, 2, 2)), shifts=(dy, dx), dims=(2, 3))[:, :, 2:30, 2:30]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        test_acc = accuracy(model, xte, yte)
        history.append({"epoch": epoch + 1, "loss": round(total / len(xtr), 4), "test_acc": test_acc})
        print(f"epoch {epoch + 1} loss {total / len(xtr):.4f} test {test_acc:.4f}", flush=True)

    model.eval()
    qat_acc = accuracy(model, xte, yte)
    with torch.no_grad():
        torch_logits = model(torch.from_numpy(xte)).numpy()
    m = export(model, OUT)
    np_logits = numpy_forward(m, xte)
    summary = {
        "generator": "scripts/qat-mnist/train_qat.py",
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__, "python": sys.version.split()[0]},
        "start": "examples/models/mnist-cnn.onnx (BN folded)",
        "epochs": EPOCHS, "batch": BATCH, "optimizer": f"Adam lr={LR}, cosine",
        "test_accuracy": {
            "float_torch": float_acc,
            "float_bn_folded": folded_acc,
            "fake_quant_4bit_before_qat": ptq_acc,
            "fake_quant_4bit_after_qat_torch": qat_acc,
            "exported_onnx_numpy": float((np_logits.argmax(1) == yte).mean()),
        },
        "onnx_vs_torch_max_abs_logit_diff": float(np.abs(np_logits - torch_logits).max()),
        "onnx_vs_torch_argmax_agreement": float((np_logits.argmax(1) == torch_logits.argmax(1)).mean()),
        "activation_scales": [float(a.scale) for a in model.act],
        "onnx_bytes": os.path.getsize(OUT),
        "history": history,
        "total_seconds": round(time.time() - t0, 1),
    }
    try:
        import onnxruntime as ort

        sess = ort.InferenceSession(OUT, providers=["CPUExecutionProvider"])
        summary["test_accuracy"]["exported_onnxruntime_python"] = float((sess.run(["logits"], {"input": xte})[0].argmax(1) == yte).mean())
    except ImportError:
        pass
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    sys.exit(main())
