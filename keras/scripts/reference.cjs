// Usage: node reference.cjs <out.json> <photo.rgb>...
// Runs nsfwjs 4.4.0's MobileNetV2 with @tensorflow/tfjs 4 (pure-JS CPU backend,
// offline: the model is bundled in the npm package) on 224x224 RGB photos given
// as raw bytes (written by keras/internal/mkphotos), and writes per photo the
// five class probabilities (nsfwjs's infer(), class index order) and the 1280
// pooled features of the layer "average_pooling2d_1" (infer(img, endpoint)).
// NODE_PATH must point at a node_modules holding @tensorflow/tfjs and nsfwjs.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const nsfwjs = require('nsfwjs');

// packageVersion reads the version from the package.json above the module's
// entry point (nsfwjs does not export its package.json).
function packageVersion(name) {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const f = path.join(dir, 'package.json');
    if (fs.existsSync(f)) {
      const p = JSON.parse(fs.readFileSync(f, 'utf8'));
      if (p.name === name) return p.version;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json for ${name}`);
    dir = up;
  }
}

async function main() {
  const [out, ...photos] = process.argv.slice(2);
  if (!out || photos.length === 0) {
    console.error('usage: node reference.cjs <out.json> <photo.rgb>...');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  const model = await nsfwjs.load('MobileNetV2');
  const result = {
    generator: 'keras/scripts/reference.cjs',
    tfjs: tf.version.tfjs,
    backend: tf.getBackend(),
    nsfwjs: packageVersion('nsfwjs'),
    classes: ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'],
    feature_layer: 'average_pooling2d_1',
    photos: [],
  };
  for (const file of photos) {
    const bytes = fs.readFileSync(file);
    if (bytes.length !== 224 * 224 * 3) throw new Error(`${file}: want 150528 bytes, got ${bytes.length}`);
    const img = tf.tensor3d(Int32Array.from(bytes), [224, 224, 3], 'int32');
    const probs = model.infer(img);
    const feats = model.infer(img, 'average_pooling2d_1');
    result.photos.push({
      name: path.basename(file, '.rgb'),
      probabilities: Array.from(await probs.data()),
      features: Array.from(await feats.data()),
    });
    tf.dispose([img, probs, feats]);
  }
  const tmp = out + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify(result) + '\n');
  fs.renameSync(tmp, out);
}
main().catch((e) => { console.error(e); process.exit(1); });
