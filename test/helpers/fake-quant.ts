/**
 * Builds, from the compiler's float graph and a plan, the fake-quantized float model the design
 * (§4, "Ideal ADC") says an ideal-ADC plan must equal: every CIM layer's weights rounded with the
 * plan's weight scales, and its input rounded with the plan's activation scale (or, for
 * uncalibrated plans, the run-time max scale) — written as ordinary ONNX ops for onnxruntime.
 */
import { Graph, type Node } from '../../compiler/ir/ir.js';
import { makeTensor, type Tensor } from '../../base/tensor.js';
import type { LoadedPlan } from '../../plan/reader.js';

const f32 = (v: number): Tensor => makeTensor('float32', [], [v]);

function rhe(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

export function fakeQuantGraph(graph: Graph, loaded: LoadedPlan): Graph {
  const constants = new Map(graph.constants);
  let nodes: Node[] = [...graph.nodes];
  for (const [index, l] of loaded.plan.layers.entries()) {
    const at = nodes.findIndex((n) => n.name === l.name);
    if (at < 0) throw new Error(`layer ${l.name} not in graph`);
    const node = nodes[at];
    // The plan's own float weights (--keep-float-weights), else those supplied from the model.
    const w = l.weightMatrix ? (loaded.tensor(l.weightMatrix, `w${index}`) as Float32Array) : loaded.floatWeights?.get(l.name);
    if (!w) throw new Error(`layer ${l.name}: no float weights (compile with keepFloatWeights or use withModelFloatWeights)`);
    const s = loaded.tensor(l.weightScale, `s${index}`) as Float64Array;
    const g = l.geometry;
    const k = g.rowsPerGroup;
    const ng = g.kind === 'conv' ? g.outChannels / g.groups : g.outFeatures;
    const deq = new Float32Array(w.length);
    l.rowTiles.forEach((tile, t) => {
      for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
        for (let ol = 0; ol < ng; ol++) {
          const i = tile.group * k * ng + r * ng + ol;
          const sc = s[t * ng + ol];
          deq[i] = sc * Math.min(l.weights.qmax, Math.max(l.weights.qmin, rhe(w[i] / sc)));
        }
      }
    });
    const wName = `${l.name}__wq`;
    let replaced: Node;
    if (g.kind === 'conv') {
      const shape = [...graph.constants.get(node.inputs[1])!.shape];
      const data = new Float32Array(deq.length);
      for (let o = 0; o < g.outChannels; o++) {
        const grp = Math.floor(o / ng);
        for (let r = 0; r < k; r++) data[o * k + r] = deq[grp * k * ng + r * ng + (o - grp * ng)];
      }
      constants.set(wName, makeTensor('float32', shape, data));
      replaced = { ...node, inputs: [`${l.name}__xq`, wName, ...node.inputs.slice(2)] };
    } else {
      constants.set(wName, makeTensor('float32', [k, ng], deq));
      const bias = loaded.plan.layers[index].bias ? (loaded.tensor(l.bias!, `b${index}`) as Float32Array) : new Float32Array(ng);
      constants.set(`${l.name}__bias`, makeTensor('float32', [ng], bias));
      replaced = { name: node.name, opType: 'Gemm', domain: '', inputs: [`${l.name}__xq`, wName, `${l.name}__bias`], outputs: node.outputs, attrs: { transA: { kind: 'int', value: g.transposeInput ? 1 : 0 } } };
    }
    const a = l.activation;
    const x = node.inputs[0];
    const p = `${l.name}__`;
    constants.set(`${p}qmin`, f32(a.qmin));
    constants.set(`${p}qmax`, f32(a.qmax));
    const quant: Node[] = [];
    if (a.scale !== null) constants.set(`${p}s`, f32(a.scale));
    else {
      const src = a.signed ? `${p}abs` : x;
      if (a.signed) quant.push({ name: `${p}Abs`, opType: 'Abs', domain: '', inputs: [x], outputs: [`${p}abs`], attrs: {} });
      quant.push({ name: `${p}Max`, opType: 'ReduceMax', domain: '', inputs: [src], outputs: [`${p}max`], attrs: { keepdims: { kind: 'int', value: 0 } } });
      quant.push({ name: `${p}Scale`, opType: 'Div', domain: '', inputs: [`${p}max`, `${p}qmax`], outputs: [`${p}s`], attrs: {} });
    }
    quant.push(
      { name: `${p}Div`, opType: 'Div', domain: '', inputs: [x, `${p}s`], outputs: [`${p}d`], attrs: {} },
      { name: `${p}Round`, opType: 'Round', domain: '', inputs: [`${p}d`], outputs: [`${p}r`], attrs: {} },
      { name: `${p}Clip`, opType: 'Clip', domain: '', inputs: [`${p}r`, `${p}qmin`, `${p}qmax`], outputs: [`${p}c`], attrs: {} },
      { name: `${p}Mul`, opType: 'Mul', domain: '', inputs: [`${p}c`, `${p}s`], outputs: [`${p}xq`], attrs: {} },
    );
    nodes = [...nodes.slice(0, at), ...quant, replaced, ...nodes.slice(at + 1)];
  }
  return graph.with({ nodes, constants });
}
