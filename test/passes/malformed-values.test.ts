/** Values that decode fine but make no sense are refused, not silently defaulted or propagated. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onnx } from '../../base/onnx-proto.js';
import { cimc, expectUserError, fixture, tempDir } from '../helpers/cli.js';
import { CimcError, DiagnosticSink } from '../../base/diagnostics.js';
import type { PassContext } from '../../compiler/pass-manager/pass.js';
import { runPasses } from '../../compiler/pass-manager/run-passes.js';
import { selectCim } from '../../passes/select-cim.js';
import { legalizeCim } from '../../passes/legalize-cim.js';
import type { TargetSpec } from '../../targets/target.js';
import { gemmGraph } from '../helpers/ir-builders.js';

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

describe('accumulator ranges are checked at compile time', () => {
  const target = (extra: Record<string, unknown>) => {
    const file = path.join(tempDir(), 't.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'huge', array: { rows: 65536, cols: 128, cellBits: 8 }, weightBits: 16, activationBits: 16, dacBits: 16, adc: { bits: 8 }, encoding: 'differential', ...extra }));
    return file;
  };

  it('int32 weight sums that could overflow are refused, naming the layer', () => {
    const huge: TargetSpec = { name: 'huge', array: { rows: 65536, cols: 128, cellBits: 8 }, weightBits: 16, activationBits: 16, dacBits: 16, adc: { bits: 8 }, encoding: 'differential' };
    const ctx: PassContext = { target: huge, options: {}, diagnostics: new DiagnosticSink(), stats: new Map() };
    const run = () => runPasses([selectCim, legalizeCim], gemmGraph(1, 40000, 4), ctx, { initialFacts: ['shapes'] });
    expect(run).toThrow(/int32 weight sums/);
    try { run(); } catch (e) { expect((e as CimcError).diagnostic).toMatchObject({ code: 'CIM2005', node: 'fc', opType: 'Gemm' }); }
  });

  it('MACs beyond 2^24 compile with a note that the ORT engine cannot run them', () => {
    const r = cimc(['compile', fixture('examples/models/mnist-cnn.onnx'), '-t', target({ array: { rows: 512, cols: 128, cellBits: 8 }, weightBits: 8 }), '--report']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note CIM2009 .*≥ 2\^24/);
  });
});
