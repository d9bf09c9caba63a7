// Usage: node extract_nsfwjs.cjs <nsfwjs dist/models/mobilenet_v2 folder> <out folder>
// nsfwjs ships its TF.js layers model as two UMD modules: model.min.js exports
// the model.json object, group1-shard1of1.min.js the weight shard as a base64
// string. This writes them as model.json and group1-shard1of1.bin, pointing the
// manifest's path at the .bin file. Files are written to a temporary name and
// renamed, so an interrupted run leaves no half-written file.
'use strict';
const fs = require('fs');
const path = require('path');

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: node extract_nsfwjs.cjs <model folder> <out folder>');
  process.exit(2);
}
const model = require(path.resolve(src, 'model.min.js'));
const shard = require(path.resolve(src, 'group1-shard1of1.min.js'));
if (typeof model !== 'object' || !model.modelTopology || !Array.isArray(model.weightsManifest)) {
  throw new Error('model.min.js did not export a TF.js model.json object');
}
if (typeof shard !== 'string') {
  throw new Error('group1-shard1of1.min.js did not export a base64 string');
}
if (model.weightsManifest.length !== 1 || model.weightsManifest[0].paths.length !== 1) {
  throw new Error('expected one weight group with one shard');
}
model.weightsManifest[0].paths = ['group1-shard1of1.bin'];

function writeAtomic(file, data) {
  const tmp = file + '.tmp';
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
fs.mkdirSync(out, { recursive: true });
writeAtomic(path.join(out, 'group1-shard1of1.bin'), Buffer.from(shard, 'base64'));
writeAtomic(path.join(out, 'model.json'), JSON.stringify(model));
