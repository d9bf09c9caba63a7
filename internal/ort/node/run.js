// run.js runs an ONNX model in ONNX Runtime (npm onnxruntime-node, CPU) for
// convnet's export tests and examples.
//
//   node run.js request.json
//
// request.json:
//   {"model": "m.onnx",
//    "inputs": [{"shape": [2, 1, 28, 28], "dtype": "float32", "file": "x.bin"}],
//    "outdir": "dir"}
//
// or, to run the model several times in one process, "runs": [[inputs...], ...]
// instead of "inputs"; the outputs of run r go to outdir/r_<index>.bin and the
// answer is {"runs": [{"outputs": [...]}, ...]}.
//
// The inputs feed the model's graph inputs in declaration order. Input
// files hold raw little-endian float32 or float64 values. Every model
// output is written to outdir/<index>.bin the same way, and one JSON line is
// printed: {"outputs": [{"name": "output", "shape": [2, 10], "dtype": "float32", "file": ".../0.bin"}]}.
// Relative paths are relative to the request file's folder. One intra-op
// thread: the results do not depend on the machine's load.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const arrays = {
  float32: Float32Array,
  float64: Float64Array,
};

async function main() {
  const reqPath = process.argv[2];
  if (!reqPath) {
    throw new Error('usage: node run.js request.json');
  }
  const dir = path.dirname(reqPath);
  const resolve = (p) => (path.isAbsolute(p) ? p : path.join(dir, p));
  const req = JSON.parse(fs.readFileSync(reqPath, 'utf8'));
  const session = await ort.InferenceSession.create(resolve(req.model), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const outdir = resolve(req.outdir);
  fs.mkdirSync(outdir, { recursive: true });
  const runOnce = async (inputs, prefix) => {
    if (inputs.length !== session.inputNames.length) {
      throw new Error(`the model has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}), got ${inputs.length}`);
    }
    const feeds = {};
    inputs.forEach((inp, i) => {
      const Arr = arrays[inp.dtype];
      if (!Arr) {
        throw new Error(`input ${i}: dtype ${inp.dtype} is not float32 or float64`);
      }
      const buf = fs.readFileSync(resolve(inp.file));
      const data = new Arr(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      feeds[session.inputNames[i]] = new ort.Tensor(inp.dtype, data, inp.shape);
    });
    const results = await session.run(feeds);
    return session.outputNames.map((name, i) => {
      const t = results[name];
      const file = path.join(outdir, `${prefix}${i}.bin`);
      fs.writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      return { name, shape: t.dims, dtype: t.type, file };
    });
  };
  if (req.runs) {
    const runs = [];
    for (let r = 0; r < req.runs.length; r++) {
      runs.push({ outputs: await runOnce(req.runs[r], `${r}_`) });
    }
    process.stdout.write(JSON.stringify({ runs }) + '\n');
    return;
  }
  const outputs = await runOnce(req.inputs, '');
  process.stdout.write(JSON.stringify({ outputs }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`run.js: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
