/**
 * Runtime digital kernels against onnxruntime: shape and data-movement ops, indexing,
 * generators and Resize/Upsample (the coordinate and nearest modes PyTorch, TF and Paddle
 * exports use). Integer and bool outputs must match exactly.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { int64Tensor, makeTensor } from '../../base/rt-tensor.js';
import { checkOp, floats, input, ints, scalar, type CheckOptions, type OpInput, type TestAttr } from '../helpers/onnx-single-op.js';

let worst = { error: 0, name: '' };
let cases = 0;

function check(name: string, opType: string, inputs: (OpInput | null)[], attrs: Record<string, TestAttr> = {}, options: CheckOptions = {}): void {
  it(name, async () => {
    const err = await checkOp(opType, inputs, attrs, options);
    cases++;
    if (err > worst.error) worst = { error: err, name };
    expect(err).toBeLessThanOrEqual(options.tol ?? 1e-5);
  });
}

afterAll(() => {
  console.log(`runtime-ops-tensor: ${cases} onnxruntime comparisons, worst relative error ${worst.error.toExponential(2)} (${worst.name})`);
});

const X = (shape: number[], extra: Partial<OpInput> = {}): OpInput => input('X', shape, extra);
const INT64_MAX = 9223372036854775807n;

describe('reshaping and layout', () => {
  check('Reshape with 0 and -1', 'Reshape', [X([2, 3, 4]), ints('shape', [0, -1, 2])]);
  check('Reshape int64 data', 'Reshape', [X([6], { dtype: 'int64' }), ints('shape', [3, 2])]);
  check('Flatten axis 2', 'Flatten', [X([2, 3, 4, 5])], { axis: 2 });
  check('Flatten axis 0', 'Flatten', [X([2, 3, 4])], { axis: 0 });
  check('Flatten axis -1', 'Flatten', [X([2, 3, 4])], { axis: -1 }, { opset: 13 });
  check('Transpose perm', 'Transpose', [X([2, 3, 4, 5])], { perm: [0, 2, 3, 1] });
  check('Transpose default (reverse)', 'Transpose', [X([3, 4, 5])]);
  check('Transpose bool', 'Transpose', [X([2, 3], { dtype: 'bool' })], { perm: [1, 0] });
  check('Squeeze opset 11 attr', 'Squeeze', [X([1, 3, 1, 4])], { axes: [0, -2] }, { opset: 11 });
  check('Squeeze opset 13 input', 'Squeeze', [X([1, 3, 1, 4]), ints('axes', [2])], {}, { opset: 13 });
  check('Squeeze all ones', 'Squeeze', [X([1, 3, 1, 4])], {}, { opset: 13 });
  check('Unsqueeze opset 11 attr', 'Unsqueeze', [X([3, 4])], { axes: [0, 3] }, { opset: 11 });
  check('Unsqueeze opset 13 input, negative', 'Unsqueeze', [X([3, 4]), ints('axes', [-1, 1])], {}, { opset: 13 });
  check('DepthToSpace DCR', 'DepthToSpace', [X([1, 8, 2, 3])], { blocksize: 2 }, { opset: 13 });
  check('DepthToSpace CRD', 'DepthToSpace', [X([2, 12, 2, 2])], { blocksize: 2, mode: 'CRD' }, { opset: 13 });
  check('SpaceToDepth', 'SpaceToDepth', [X([1, 3, 4, 6])], { blocksize: 2 }, { opset: 13 });
});

describe('joining, splitting, slicing, padding', () => {
  check('Concat axis 1', 'Concat', [input('A', [2, 3, 4]), input('B', [2, 1, 4]), input('C', [2, 5, 4])], { axis: 1 }, { opset: 13 });
  check('Concat int64 axis 0', 'Concat', [ints('A', [1, 2]), ints('B', [-1])], { axis: 0 }, { opset: 13 });
  check('Concat axis -1', 'Concat', [input('A', [2, 3]), input('B', [2, 2])], { axis: -1 }, { opset: 13 });
  check('Split opset 11 attr', 'Split', [X([2, 7])], { axis: 1, split: [2, 5] }, { opset: 11, outputs: ['Y0', 'Y1'] });
  check('Split opset 13 input', 'Split', [X([6, 3]), ints('split', [1, 2, 3])], { axis: 0 }, { opset: 13, outputs: ['Y0', 'Y1', 'Y2'] });
  check('Split equal by outputs', 'Split', [X([2, 6, 2])], { axis: 1 }, { opset: 13, outputs: ['Y0', 'Y1', 'Y2'] });
  check('Split opset 18 num_outputs uneven', 'Split', [X([7, 2])], { axis: 0, num_outputs: 3 }, { opset: 18, outputs: ['Y0', 'Y1', 'Y2'] });
  check('Slice opset 9 attributes', 'Slice', [X([4, 6])], { starts: [1, -4], ends: [3, 1000], axes: [0, 1] }, { opset: 9 });
  check('Slice opset 13 steps', 'Slice', [X([5, 8, 3]), ints('starts', [1, 0]), ints('ends', [5, 8]), ints('axes', [0, 1]), ints('steps', [2, 3])], {}, { opset: 13 });
  check('Slice negative step, INT64 ends', 'Slice', [X([6, 5]), ints('starts', [-1, 4]), { name: 'ends', dtype: 'int64', shape: [2], data: [-INT64_MAX, -7n] }, ints('axes', [0, -1]), ints('steps', [-2, -1])], {}, { opset: 13 });
  check('Slice INT64_MAX end, default axes', 'Slice', [X([3, 4]), ints('starts', [1]), { name: 'ends', dtype: 'int64', shape: [1], data: [INT64_MAX] }], {}, { opset: 13 });
  check('Slice int64 data (shape pipeline)', 'Slice', [X([4], { dtype: 'int64' }), ints('starts', [2]), ints('ends', [4])], {}, { opset: 13 });
  check('Pad constant opset 11', 'Pad', [X([2, 3, 4]), ints('pads', [0, 1, 2, 1, 0, 1]), scalar('value', 0.5, 'float32')], {}, { opset: 11 });
  check('Pad reflect', 'Pad', [X([1, 2, 4, 5]), ints('pads', [0, 0, 2, 3, 0, 0, 3, 4])], { mode: 'reflect' }, { opset: 13 });
  check('Pad edge', 'Pad', [X([1, 2, 3, 3]), ints('pads', [0, 0, 1, 2, 0, 0, 2, 1])], { mode: 'edge' }, { opset: 13 });
  check('Pad negative (crop)', 'Pad', [X([4, 5]), ints('pads', [-1, 2, 0, -2])], {}, { opset: 13 });
  check('Pad opset 2 attributes', 'Pad', [X([2, 3])], { pads: [1, 0, 0, 2], value: { float: -1 } }, { opset: 2 });
  check('Pad opset 18 axes', 'Pad', [X([2, 3, 4]), ints('pads', [1, 2, 1, 0]), null, ints('axes', [0, 2])], {}, { opset: 18 });
  check('Pad wrap (opset 19)', 'Pad', [X([3, 4]), ints('pads', [1, 2, 2, 3])], { mode: 'wrap' }, { opset: 19 });
  check('Pad int64 constant', 'Pad', [X([3], { dtype: 'int64' }), ints('pads', [1, 2]), scalar('value', 7)], {}, { opset: 13 });
});

describe('indexing', () => {
  check('Gather axis 0, negative indices', 'Gather', [X([5, 3]), ints('indices', [0, -1, 2, 2])]);
  check('Gather axis 1, 2-D indices', 'Gather', [X([2, 6, 3]), { name: 'indices', dtype: 'int64', shape: [2, 2], data: [5, 0, 1, 1] }], { axis: 1 });
  check('Gather scalar index int32', 'Gather', [X([4, 3]), scalar('indices', 2, 'int32')], { axis: 0 });
  check('Gather int64 (shape pipeline)', 'Gather', [ints('X', [1, 3, 224, 224]), scalar('indices', 1)]);
  check('GatherElements', 'GatherElements', [X([3, 4]), { name: 'indices', dtype: 'int64', shape: [2, 4], data: [0, 2, 1, -1, 2, 0, 0, 1] }], { axis: 0 }, { opset: 13 });
  check('GatherND', 'GatherND', [X([3, 4, 2]), { name: 'indices', dtype: 'int64', shape: [2, 2], data: [0, 1, 2, 3] }], {}, { opset: 13 });
  check('GatherND batch_dims 1', 'GatherND', [X([2, 3, 4]), { name: 'indices', dtype: 'int64', shape: [2, 1], data: [2, 0] }], { batch_dims: 1 }, { opset: 13 });
  check('ScatterND', 'ScatterND', [X([4, 3]), { name: 'indices', dtype: 'int64', shape: [2, 1], data: [3, 1] }, input('updates', [2, 3])], {}, { opset: 13 });
  check('ScatterElements add', 'ScatterElements', [X([3, 3]), { name: 'indices', dtype: 'int64', shape: [2, 3], data: [1, 0, 2, 0, 2, 1] }, input('updates', [2, 3])], { axis: 0, reduction: 'add' }, { opset: 16 });
  check('OneHot', 'OneHot', [ints('indices', [0, 2, -1, 1]), scalar('depth', 4), floats('values', [0.5, 2])], { axis: -1 }, { opset: 11 });
  check('NonZero', 'NonZero', [floats('X', [0, 1, 0, 2, 3, 0], [2, 3])], {}, { opset: 13 });
  check('Trilu upper k=1', 'Trilu', [X([2, 4, 5]), scalar('k', 1)], {}, { opset: 14 });
  check('Trilu lower k=-1', 'Trilu', [X([5, 3]), scalar('k', -1)], { upper: 0 }, { opset: 14 });
  check('Compress axis 1', 'Compress', [X([3, 4]), { name: 'condition', dtype: 'bool', shape: [4], data: [1, 0, 1, 1] }], { axis: 1 }, { opset: 11 });
  check('Compress flattened', 'Compress', [X([2, 3]), { name: 'condition', dtype: 'bool', shape: [5], data: [0, 1, 1, 0, 1] }], {}, { opset: 11 });
});

describe('broadcasting copies and generators', () => {
  check('Expand', 'Expand', [X([3, 1]), ints('shape', [2, 1, 4])], {}, { opset: 13 });
  check('Expand int64', 'Expand', [X([1], { dtype: 'int64' }), ints('shape', [3])], {}, { opset: 13 });
  check('Tile', 'Tile', [X([2, 3]), ints('repeats', [2, 3])], {}, { opset: 13 });
  check('Tile 3-D with ones', 'Tile', [X([1, 2, 3]), ints('repeats', [3, 1, 2])], {}, { opset: 13 });
  check('Shape', 'Shape', [X([2, 3, 4])], {}, { opset: 13 });
  check('Shape start/end', 'Shape', [X([2, 3, 4, 5])], { start: 1, end: -1 }, { opset: 15 });
  check('Size', 'Size', [X([2, 3, 4])], {}, { opset: 13 });
  check('ConstantOfShape default', 'ConstantOfShape', [ints('shape', [2, 3])], {}, { opset: 13 });
  check('ConstantOfShape int64 value', 'ConstantOfShape', [ints('shape', [4])], { value: { tensor: int64Tensor([1], [7]) } }, { opset: 13 });
  check('ConstantOfShape float value', 'ConstantOfShape', [ints('shape', [2, 2])], { value: { tensor: makeTensor('float32', [1], Float32Array.of(0.25)) } }, { opset: 13 });
  check('Range int64', 'Range', [scalar('start', 2), scalar('limit', 11), scalar('delta', 3)], {}, { opset: 11 });
  check('Range float negative delta', 'Range', [scalar('start', 1, 'float32'), scalar('limit', -2, 'float32'), scalar('delta', -0.3, 'float32')], {}, { opset: 11 });
  check('EyeLike k=1', 'EyeLike', [X([3, 4])], { k: 1 });
  check('Constant value tensor', 'Constant', [], { value: { tensor: makeTensor('float32', [2, 2], Float32Array.of(1, -2, 3.5, 4)) } }, { opset: 13 });
  check('Constant value_ints', 'Constant', [], { value_ints: [3, -1, 7] }, { opset: 13 });
  check('Constant value_float', 'Constant', [], { value_float: { float: 0.1 } }, { opset: 13 });
});

describe('Resize and Upsample', () => {
  const img = (shape: number[] = [1, 2, 4, 5]): OpInput => X(shape);
  const sc = (values: number[]): OpInput => floats('scales', values);
  const sizes = (values: number[]): OpInput => ints('sizes', values);
  const roi = (values: number[] = []): OpInput => floats('roi', values);
  // PyTorch nn.Upsample(nearest) exports (opset ≥ 11): asymmetric + floor
  check('nearest asymmetric floor ×2 (PyTorch)', 'Resize', [img(), roi(), sc([1, 1, 2, 2])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { opset: 13 });
  check('nearest asymmetric floor ×1.5', 'Resize', [img(), null, sc([1, 1, 1.5, 1.5])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { opset: 13 });
  check('nearest half_pixel round_prefer_floor (default)', 'Resize', [img(), null, sc([1, 1, 1.7, 2.3])], { mode: 'nearest' }, { opset: 13 });
  check('nearest half_pixel round_prefer_ceil', 'Resize', [img(), null, sc([1, 1, 2, 3])], { mode: 'nearest', nearest_mode: 'round_prefer_ceil' }, { opset: 13 });
  check('nearest ceil downsample (sizes)', 'Resize', [img([1, 1, 9, 8]), null, null, sizes([1, 1, 4, 3])], { mode: 'nearest', nearest_mode: 'ceil' }, { opset: 13 });
  check('nearest tf_half_pixel_for_nn (TF)', 'Resize', [img(), roi(), sc([1, 1, 2, 2])], { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, { opset: 11 });
  check('nearest align_corners', 'Resize', [img(), roi(), sc([1, 1, 2.5, 1.5])], { mode: 'nearest', coordinate_transformation_mode: 'align_corners' }, { opset: 11 });
  check('nearest int32 data', 'Resize', [X([1, 1, 2, 3], { dtype: 'int32' }), null, sc([1, 1, 2, 2])], { mode: 'nearest' }, { opset: 13 });
  check('linear half_pixel ×2 (bilinear)', 'Resize', [img(), null, sc([1, 1, 2, 2])], { mode: 'linear' }, { opset: 13 });
  check('linear half_pixel downsample', 'Resize', [img([1, 2, 9, 10]), null, sc([1, 1, 0.5, 0.6])], { mode: 'linear' }, { opset: 13 });
  check('linear pytorch_half_pixel (sizes)', 'Resize', [img(), null, null, sizes([1, 2, 7, 1])], { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, { opset: 13 });
  check('linear align_corners (sizes)', 'Resize', [img(), null, null, sizes([1, 2, 9, 11])], { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, { opset: 13 });
  check('linear asymmetric', 'Resize', [img(), roi(), sc([1, 1, 1.5, 2.5])], { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, { opset: 11 });
  check('linear NHWC scales', 'Resize', [X([1, 3, 4, 2]), null, sc([1, 2, 1.5, 1])], { mode: 'linear' }, { opset: 13 });
  check('linear tf_crop_and_resize', 'Resize', [img([1, 1, 6, 6]), roi([0, 0, 0.2, 0.1, 1, 1, 0.9, 1.2]), null, sizes([1, 1, 5, 5])], { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: -3 } }, { opset: 13 });
  check('cubic half_pixel (PyTorch bicubic)', 'Resize', [img(), null, sc([1, 1, 2, 2])], { mode: 'cubic', cubic_coeff_a: { float: -0.75 } }, { opset: 13 });
  check('cubic TF style (a=-0.5, exclude_outside)', 'Resize', [img(), null, null, sizes([1, 2, 7, 9])], { mode: 'cubic', cubic_coeff_a: { float: -0.5 }, exclude_outside: 1, coordinate_transformation_mode: 'half_pixel' }, { opset: 13 });
  check('cubic align_corners downsample', 'Resize', [img([1, 1, 8, 8]), null, null, sizes([1, 1, 5, 3])], { mode: 'cubic', coordinate_transformation_mode: 'align_corners' }, { opset: 13 });
  check('opset 18 axes + not_larger', 'Resize', [img(), null, null, sizes([7, 12])], { mode: 'nearest', axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, { opset: 18 });
  check('half_pixel_symmetric linear', 'Resize', [img(), null, sc([1, 1, 1.7, 0.8])], { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' }, { opset: 19 });
  check('Resize opset 10 nearest', 'Resize', [img(), sc([1, 1, 2, 3])], { mode: 'nearest' }, { opset: 10 });
  check('Resize opset 10 nearest downsample', 'Resize', [img([1, 1, 7, 9]), sc([1, 1, 0.5, 0.4])], { mode: 'nearest' }, { opset: 10 });
  check('Resize opset 10 linear', 'Resize', [img(), sc([1, 1, 2, 2])], { mode: 'linear' }, { opset: 10 });
  check('Upsample opset 9 nearest', 'Upsample', [img(), sc([1, 1, 2, 2])], { mode: 'nearest' }, { opset: 9 });
  check('Upsample opset 9 linear', 'Upsample', [img(), sc([1, 1, 2, 1.5])], { mode: 'linear' }, { opset: 9 });
  check('Upsample opset 7 scales attribute', 'Upsample', [img()], { mode: 'nearest', scales: { floats: [1, 1, 3, 2] } }, { opset: 7 });
});
