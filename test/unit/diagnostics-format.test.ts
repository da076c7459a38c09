import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../base/diagnostics.js';

describe('formatDiagnostic', () => {
  it("quotes node names, so an exporter's '/a/b/Conv' is not printed as '#/graph//a/b/Conv'", () => {
    const line = formatDiagnostic({ severity: 'error', code: 'CIM2001', message: 'too big', pass: 'legalize-cim', file: 'm.onnx', node: '/features/features.0/Conv', opType: 'Conv' });
    expect(line).toBe("error CIM2001 [legalize-cim] m.onnx node '/features/features.0/Conv' (Conv): too big");
    expect(line).not.toContain('//');
  });

  it('keeps file#pointer for fields, and works without a file', () => {
    expect(formatDiagnostic({ severity: 'error', code: 'CIM4002', message: 'bad', file: 'p.json', field: '/layers/0/cells' })).toBe('error CIM4002 p.json#/layers/0/cells: bad');
    expect(formatDiagnostic({ severity: 'warning', code: 'CIM2005', message: 'w', node: 'Conv_3' })).toBe("warning CIM2005 node 'Conv_3': w");
    expect(formatDiagnostic({ severity: 'error', code: 'CIM5001', message: 'x' })).toBe('error CIM5001: x');
  });
});
