/**
 * Golden files: the printed IR after the front end and the mapping report of the bundled MNIST
 * model. Churn shows up as a diff to review; regenerate with `npx vitest run test/golden -u`.
 */
import { describe, expect, it } from 'vitest';
import { runModel } from '../../compiler/driver/run-model.js';
import { printGraph } from '../../compiler/ir/printer.js';
import { compile } from '../../compiler/driver/compile.js';
import { formatReportMarkdown } from '../../compiler/report/format.js';
import { fixture } from '../helpers/cli.js';

const mnist = fixture('examples/models/mnist-cnn.onnx');

describe('golden files', () => {
  it('IR of the MNIST CNN after fold-batchnorm', async () => {
    const g = runModel({ modelPath: mnist, passes: ['import-onnx', 'canonicalize', 'infer-shapes', 'canonicalize', 'fold-batchnorm'] }).graph;
    await expect(printGraph(g)).toMatchFileSnapshot('../golden/mnist-after-fold-batchnorm.ir.txt');
  });

  for (const [name, options] of [
    ['seed-4b', {}],
    ['seed-4b-adjacent-offset', { sliceLayout: 'adjacent', encoding: 'offset' }],
    ['isaac-8b', { target: 'isaac-8b' }],
  ] as const) {
    it(`report of the MNIST CNN: ${name}`, async () => {
      const { target, ...rest } = options as { target?: string };
      const { built } = compile({ model: mnist, target: target ?? 'seed-4b', options: rest });
      await expect(formatReportMarkdown(built.plan)).toMatchFileSnapshot(`../golden/mnist-report-${name}.md`);
    });
  }
});
