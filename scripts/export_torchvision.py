#!/usr/bin/python3
"""Export torchvision (and a CIFAR ResNet-20) models to ONNX test fixtures.

Usage (run from the repository root, with Debian's python3-torch, NOT a pyenv python):

    /usr/bin/python3 scripts/export_torchvision.py            # committed fixtures
    /usr/bin/python3 scripts/export_torchvision.py --bench    # + bench/models/ (git-ignored)

Committed output: test/fixtures/models/torchvision/{*.onnx, reference.json}.
With --bench, resnet50.onnx and vgg16.onnx are additionally written to bench/models/.

Pretrained weights are not downloadable here, so every model is built with its default
initialisation after torch.manual_seed(0) (re-seeded per model, so each file is reproducible on
its own). Every BatchNorm then gets non-trivial inference statistics:
running_mean ~ N(0, 0.1), running_var ~ U(0.5, 1.5), weight ~ U(0.5, 1.5), bias ~ N(0, 0.1),
so that BatchNorm folding in the compiler is actually exercised.

Export is done with training=TrainingMode.PRESERVE on a model in eval() mode. This keeps the
BatchNormalization nodes (inference form) in the ONNX graph: with the default
training=TrainingMode.EVAL, torch.onnx runs its "eval peephole" pass which fuses Conv+BN into the
Conv weights before writing the file, and the compiler's folding would never be tested.
"""

import argparse
import json
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import onnx

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE_DIR = os.path.join(REPO, "test", "fixtures", "models", "torchvision")
BENCH_DIR = os.path.join(REPO, "bench", "models")


# ---------------------------------------------------------------------------------------------
# CIFAR ResNet-20 (He et al. 2016, section 4.2): 3x3 conv 16 -> 3 stages (16/32/64 channels,
# 3 BasicBlocks each, stride 2 at the start of stages 2 and 3) -> global avg pool -> FC(64, 10).
# Shortcut: identity when shapes match, otherwise "option B": 1x1 conv (stride 2) + BatchNorm.
# (Option B keeps the whole network in Conv/BN/ReLU/Add, all crossbar-mappable; option A would
# need strided Slice + channel Pad.) 0.27M parameters.
# ---------------------------------------------------------------------------------------------
class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class ResNetCifar(nn.Module):
    def __init__(self, num_blocks=(3, 3, 3), num_classes=10):
        super().__init__()
        self.in_planes = 16
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(16, num_blocks[0], 1)
        self.layer2 = self._make_layer(32, num_blocks[1], 2)
        self.layer3 = self._make_layer(64, num_blocks[2], 2)
        self.linear = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def _make_layer(self, planes, n, stride):
        layers = []
        for s in [stride] + [1] * (n - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, 8)  # 8x8 feature map for 32x32 input -> AveragePool
        # The classic CIFAR-ResNet code flattens with view(size(0), -1); with a dynamic batch axis
        # this exports as a Shape/Gather/Unsqueeze/Concat/Reshape subgraph (exercises the importer).
        out = out.view(out.size(0), -1)
        return self.linear(out)


def resnet20_cifar():
    return ResNetCifar((3, 3, 3), 10)


# ---------------------------------------------------------------------------------------------


def randomize_bn(model):
    """Give every BatchNorm non-trivial inference statistics/affine params (uses the global RNG)."""
    n = 0
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c) * 0.1)
                m.running_var.copy_(torch.rand(c) + 0.5)
                m.weight.copy_(torch.rand(c) + 0.5)
                m.bias.copy_(torch.randn(c) * 0.1)
                n += 1
    return n


# name, constructor, input shape, opset, do_constant_folding, bench-only
MODELS = [
    ("resnet18", lambda: torchvision.models.resnet18(), (1, 3, 224, 224), 13, True, False),
    ("mobilenet_v2", lambda: torchvision.models.mobilenet_v2(), (1, 3, 224, 224), 13, True, False),
    ("resnet20_cifar", resnet20_cifar, (1, 3, 32, 32), 11, True, False),
    ("resnet20_cifar_opset17", resnet20_cifar, (1, 3, 32, 32), 17, False, False),
    ("squeezenet1_1", lambda: torchvision.models.squeezenet1_1(), (1, 3, 224, 224), 13, True, False),
    ("shufflenet_v2_x0_5", lambda: torchvision.models.shufflenet_v2_x0_5(), (1, 3, 224, 224), 13, True, False),
    ("resnet50", lambda: torchvision.models.resnet50(), (1, 3, 224, 224), 13, True, True),
    ("vgg16", lambda: torchvision.models.vgg16(), (1, 3, 224, 224), 13, True, True),
]


def export_one(name, ctor, shape, opset, fold, out_dir):
    torch.manual_seed(0)
    model = ctor()
    n_bn = randomize_bn(model)
    model.eval()
    x = torch.rand(*shape)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(
        model,
        (x,),
        path,
        export_params=True,
        opset_version=opset,
        do_constant_folding=fold,
        training=torch.onnx.TrainingMode.PRESERVE,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
    )
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    n_params = sum(p.numel() for p in model.parameters())
    info = {
        "file": name + ".onnx",
        "opset": opset,
        "do_constant_folding": fold,
        "params": n_params,
        "batchnorms": n_bn,
        "bytes": os.path.getsize(path),
        "input": {"name": "input", "shape": ["batch"] + list(shape[1:]), "dtype": "float32"},
        "output": {"name": "output", "shape": ["batch"] + list(y.shape[1:]), "dtype": "float32"},
        "ops": dict(sorted(ops.items())),
        "torch_output_absmax": float(y.abs().max()),
    }
    print(
        f"{name}: opset {opset}, fold={fold}, {n_params} params, {n_bn} BN, "
        f"{info['bytes']} bytes, |y|max={info['torch_output_absmax']:.4g}, ops={info['ops']}",
        flush=True,
    )
    return info


def main():
    # torch.onnx warns about constant folding whenever training != EVAL, even though the models here
    # are in eval() mode (PRESERVE == EVAL for them, constant folding is safe).
    warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", action="store_true", help="also write resnet50/vgg16 to bench/models/")
    ap.add_argument("--only", nargs="*", help="export only these model names")
    args = ap.parse_args()

    os.makedirs(FIXTURE_DIR, exist_ok=True)
    ref_path = os.path.join(FIXTURE_DIR, "reference.json")
    reference = {}
    if os.path.exists(ref_path):
        with open(ref_path) as f:
            reference = json.load(f).get("models", {})

    for name, ctor, shape, opset, fold, bench in MODELS:
        if args.only and name not in args.only:
            continue
        if bench and not args.bench:
            continue
        out_dir = BENCH_DIR if bench else FIXTURE_DIR
        os.makedirs(out_dir, exist_ok=True)
        info = export_one(name, ctor, shape, opset, fold, out_dir)
        if not bench:
            reference[name] = info

    with open(ref_path, "w") as f:
        json.dump(
            {
                "generator": "scripts/export_torchvision.py",
                "versions": {
                    "torch": torch.__version__,
                    "torchvision": torchvision.__version__,
                    "onnx": onnx.__version__,
                    "python": sys.version.split()[0],
                },
                "weights": "random (torch.manual_seed(0) per model, default init) + randomized BatchNorm stats",
                "models": dict(sorted(reference.items())),
            },
            f,
            indent=2,
        )
        f.write("\n")


if __name__ == "__main__":
    main()
