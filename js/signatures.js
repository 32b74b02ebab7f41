// The signatures of the package's exports, read from wasm-bindgen's .d.ts: build.mjs wraps each
// export with its own (common.js checks string parameters before the glue), and the
// hostile-input sweep (tests/js/sweep.js) calls each with hostile values in each position.

/** `a: string, b?: { x: string; y: number }` -> [["a", "string", false], ["b", "{ x: string; y: number }", true]]
 *  (name, type, optional; split at top-level commas only). */
export function parseParams(list) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '{' || c === '(' || c === '<' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === '>' || c === ']') depth--;
    else if ((c === ',' && depth === 0) || i === list.length) {
      const p = list.slice(start, i).trim();
      start = i + 1;
      if (!p) continue;
      const m = /^(\w+)(\??):\s*(.+)$/s.exec(p);
      if (!m) throw new Error(`unparsed parameter: ${p}`);
      out.push([m[1], m[3].trim(), m[2] === '?']);
    }
  }
  return out;
}

/** Every exported class's methods (`static name` for statics, `constructor`) and every
 *  exported function, each as `[name, type]` pairs. */
export function parseSignatures(dts) {
  const sigs = {};
  for (const block of dts.matchAll(/^export class (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const cls = (sigs[block[1]] = {});
    for (const m of block[2].matchAll(/^ {4}(static )?(\w+)\((.*)\)(?::|;)/gm)) {
      if (m[2] === 'free') continue;
      cls[(m[1] ?? '') + m[2]] = parseParams(m[3]);
    }
  }
  for (const m of dts.matchAll(/^export function (\w+)\((.*)\):/gm)) sigs[m[1]] = parseParams(m[2]);
  return sigs;
}

/** The wrapper's view of a signature: "string" parameters are checked before the glue. */
export const checkedKinds = (params) => params.map(([name, type]) => [name, type === 'string' ? 'string' : 'other']);
