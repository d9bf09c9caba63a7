// Usage: NODE_PATH=<node_modules with @tensorflow/tfjs@4> node make_layers_testdata.cjs <out folder>
// Writes small Keras models built with tfjs-layers (seeded weights), saved in
// the TF.js layers format (model.json + weights.bin), with an input batch and
// the output tfjs computes for it (io.json: NHWC input, output), one folder per
// case. The "_q8"/"_q16"/"_f16" cases store the weights quantised as the
// TF.js converter does (uint8/uint16: w = min + q*scale; float16), and their
// reference output is computed by tfjs from the quantised files.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

let seed = 12345;
function rand() { // LCG, uniform in [0, 1)
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
function uniform(n, lo, hi) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

// setRandomWeights gives every weight seeded values; BatchNorm variances
// and gammas are kept positive.
function setRandomWeights(model) {
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    const names = layer.weights.map((w) => w.originalName || w.name);
    layer.setWeights(ws.map((w, i) => {
      const n = names[i];
      const positive = /moving_variance|gamma/.test(n);
      return tf.tensor(uniform(w.size, positive ? 0.5 : -1, positive ? 1.5 : 1), w.shape);
    }));
  }
}

async function artifactsOf(model) {
  let art;
  await model.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return art;
}

function quantize(specs, data, dtype) {
  const src = new Float32Array(data);
  const parts = [];
  const out = [];
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const w = src.subarray(off, off + n);
    off += n;
    if (dtype === 'float16') {
      const h = new Uint16Array(n);
      for (let i = 0; i < n; i++) h[i] = toHalf(w[i]);
      parts.push(Buffer.from(h.buffer));
      out.push({ ...s, quantization: { dtype: 'float16' } });
      continue;
    }
    const levels = dtype === 'uint8' ? 255 : 65535;
    let lo = Infinity, hi = -Infinity;
    for (const v of w) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const scale = hi > lo ? (hi - lo) / levels : 1;
    const q = dtype === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++) q[i] = Math.round((w[i] - lo) / scale);
    parts.push(Buffer.from(q.buffer));
    out.push({ ...s, quantization: { dtype, min: lo, scale } });
  }
  const buf = Buffer.concat(parts);
  return { specs: out, data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) };
}

function toHalf(f) { // float32 -> IEEE half bits, round to nearest even
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, f);
  const x = b.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  let e = ((x >>> 23) & 0xff) - 127 + 15;
  let m = x & 0x7fffff;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    m = (m | 0x800000) >> (1 - e);
    return sign | ((m + 0xfff + ((m >> 13) & 1)) >> 13);
  }
  const r = m + 0xfff + ((m >> 13) & 1);
  if (r & 0x800000) { m = 0; e += 1; if (e >= 31) return sign | 0x7c00; } else { m = r; }
  return sign | (e << 10) | (m >> 13);
}

async function writeCase(dir, name, model, inputShape, quant) {
  setRandomWeights(model);
  const art = await artifactsOf(model);
  let specs = art.weightSpecs, data = art.weightData;
  if (quant) ({ specs, data } = quantize(specs, data, quant));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: art.modelTopology, weightSpecs: specs, weightData: data }));
  const n = inputShape.reduce((a, b) => a * b, 1) * 2;
  const x = tf.tensor(uniform(n, -1, 1), [2, ...inputShape]);
  const y = loaded.predict(x);
  const out = path.join(dir, name);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'weights.bin'), Buffer.from(data));
  fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify({
    format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    modelTopology: art.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  }));
  fs.writeFileSync(path.join(out, 'io.json'), JSON.stringify({
    input_shape: x.shape, input: Array.from(x.dataSync()), output_shape: y.shape, output: Array.from(y.dataSync()),
  }));
}

function functional(withMobile) {
  const x = tf.input({ shape: [8, 10, 3], name: 'image' });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu', name: 'conv_a' }).apply(x);
  const b = tf.layers.batchNormalization({ epsilon: 0.01, name: 'bn_a' }).apply(a);
  const c = tf.layers.conv2d({ filters: 4, kernelSize: 1, strides: 2, useBias: false, name: 'conv_skip' }).apply(x);
  let d = tf.layers.add({ name: 'add' }).apply([b, c]);
  d = tf.layers.reLU({ name: 'relu' }).apply(d);
  if (withMobile) {
    const p = tf.layers.zeroPadding2d({ padding: [[0, 1], [1, 0]], name: 'pad' }).apply(d);
    const dw = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 1, padding: 'valid', useBias: true, name: 'dw' }).apply(p);
    const r6 = tf.layers.reLU({ maxValue: 6, name: 'relu6' }).apply(dw);
    const dw2 = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false, activation: 'relu6', name: 'dw2' }).apply(r6);
    const e = tf.layers.flatten({ name: 'flat' }).apply(dw2);
    const y = tf.layers.dense({ units: 5, activation: 'softmax', name: 'out' }).apply(e);
    return tf.model({ inputs: x, outputs: y, name: 'mobile_blocks' });
  }
  const e = tf.layers.concatenate({ name: 'cat' }).apply([d, b]);
  const f = tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'maxpool' }).apply(e);
  const g = tf.layers.averagePooling2d({ poolSize: 2, padding: 'same', name: 'avgpool' }).apply(f);
  const h = tf.layers.activation({ activation: 'tanh', name: 'tanh' }).apply(g);
  const i = tf.layers.flatten({ name: 'flat' }).apply(h);
  const j = tf.layers.dense({ units: 6, activation: 'sigmoid', name: 'dense_a' }).apply(i);
  const k = tf.layers.dropout({ rate: 0.3, name: 'drop' }).apply(j);
  const l = tf.layers.batchNormalization({ name: 'bn_b' }).apply(k);
  const m = tf.layers.reshape({ targetShape: [3, 2], name: 'reshape' }).apply(l);
  const n = tf.layers.concatenate({ axis: 1, name: 'cat_rows' }).apply([m, m]);
  const o = tf.layers.flatten({ name: 'flat2' }).apply(n);
  const q = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(e);
  const r = tf.layers.concatenate({ name: 'cat_feat' }).apply([o, q]);
  const y = tf.layers.dense({ units: 5, activation: 'softmax', name: 'out' }).apply(r);
  return tf.model({ inputs: x, outputs: y, name: 'branchy' });
}

function sequential() {
  const m = tf.sequential({ name: 'small_seq' });
  m.add(tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, name: 'conv' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }));
  m.add(tf.layers.flatten({ name: 'flat' }));
  m.add(tf.layers.dense({ units: 4, activation: 'relu', name: 'fc1' }));
  m.add(tf.layers.dense({ units: 3, name: 'fc2' }));
  return m;
}

async function main() {
  const out = process.argv[2];
  if (!out) { console.error('usage: node make_layers_testdata.cjs <out folder>'); process.exit(2); }
  await tf.setBackend('cpu');
  await writeCase(out, 'functional', functional(false), [8, 10, 3]);
  await writeCase(out, 'mobile_blocks', functional(true), [8, 10, 3]);
  await writeCase(out, 'sequential', sequential(), [6, 6, 2]);
  await writeCase(out, 'sequential_q8', sequential(), [6, 6, 2], 'uint8');
  await writeCase(out, 'sequential_q16', sequential(), [6, 6, 2], 'uint16');
  await writeCase(out, 'sequential_f16', sequential(), [6, 6, 2], 'float16');
}
main().catch((e) => { console.error(e); process.exit(1); });
