/** Values that decode fine but make no sense are refused, not silently defaulted or propagated. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onnx } from '../compiler/onnx-proto.js';
import { cimc, expectUserError, fixture, tempDir } from './helpers/cli.js';

function mutate(edit: (m: ReturnType<typeof onnx.ModelProto.decode>) => void): string {
  const model = onnx.ModelProto.decode(fs.readFileSync(fixture('examples/models/mnist-cnn.onnx')));
  edit(model);
  const file = path.join(tempDir(), 'model.onnx');
  fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());
  return file;
}

describe('malformed values', () => {
  it('a NaN weight is refused at legalization, naming the layer', () => {
    const file = mutate((m) => {
      const w = m.graph!.initializer!.find((t) => t.dims!.length === 4)!;
      const raw = Buffer.from(w.rawData!);
      raw.writeFloatLE(NaN, 8);
      w.rawData = raw;
    });
    expect(expectUserError(cimc(['compile', file, '--report']), 'CIM2005')).toMatch(/Conv.*non-finite|non-finite.*/);
  });

  it('an attribute of the wrong kind is a malformed model, not a default', () => {
    const file = mutate((m) => {
      const conv = m.graph!.node!.find((n) => n.opType === 'Conv')!;
      const pads = conv.attribute!.find((a) => a.name === 'pads')!;
      conv.attribute = conv.attribute!.filter((a) => a !== pads);
      conv.attribute.push({ name: 'pads', type: onnx.AttributeProto.AttributeType.FLOATS, floats: [1, 1, 1, 1] });
    });
    const line = expectUserError(cimc(['compile', file, '--report']), 'CIM1007');
    expect(line).toMatch(/'pads' must be a list of ints/);
    expect(line).toMatch(/\(Conv\)/);
  });
});
