/** place: give every crossbar array a chip-wide id, in execution order. */
import type { Node } from '../compiler/ir/ir.js';
import { definePass } from '../compiler/pass-manager/pass.js';
import { fact } from '../compiler/pass-manager/facts.js';
import { withMappingChanges } from '../compiler/cim/mapping-matrix.js';

export const place = definePass({
  name: 'place',
  summary: 'Give every array an id on the macro/chip in execution order; warn when the chip is too small.',
  requires: [fact('cim-quantized')],
  provides: [fact('cim-placed')],
  run(graph, ctx) {
    let next = 0;
    let renumbered = 0;
    const nodes = graph.nodes.map((node): Node => {
      const cim = node.annotations?.cim;
      if (!cim?.mapping) return node;
      const arrays = cim.mapping.arrays.map((a) => ({ ...a, id: next++ }));
      renumbered += arrays.filter((a, i) => a.id !== cim.mapping!.arrays[i].id).length;
      return { ...node, annotations: { ...node.annotations, cim: { ...cim, mapping: withMappingChanges(cim.mapping, { arrays }) } } };
    });
    const capacity = ctx.target?.arraysPerChip;
    if (capacity !== undefined && next > capacity) {
      ctx.diagnostics.warn('CIM2005', `the model needs ${next} arrays but target '${ctx.target?.name}' holds ${capacity} per chip: weights must be reloaded or several chips used`);
    }
    ctx.stats.set('place.arrays', next);
    return { graph: graph.with({ nodes }), changed: renumbered > 0 };
  },
});
