// The bench's "build": a deterministic tree shaped like a web app's build output
// (many small minified-JS/CSS/JSON-like text files, a few large bundles, some
// incompressible images), and the 1% change a typical re-deploy makes.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** xorshift32: the same tree on every run. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const WORDS = 'function return const let var if else for while export import default from this new class extends async await true false null undefined object array string number length push map filter reduce then catch module require props state render value key index item data result error options config'.split(' ');

function text(r, bytes) {
  const out = [];
  let n = 0;
  while (n < bytes) {
    const w = WORDS[Math.floor(r() * WORDS.length)] + (r() < 0.3 ? String(Math.floor(r() * 1000)) : '') + (r() < 0.1 ? ';\n' : r() < 0.2 ? '(' : ' ');
    out.push(w);
    n += w.length;
  }
  return Buffer.from(out.join('')).subarray(0, bytes);
}

function binary(r, bytes) {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) b.writeUInt32LE(Math.floor(r() * 2 ** 32), i < bytes - 3 ? i : bytes - 4);
  return b;
}

/** Writes the tree under `dir`; returns its file list (relative paths) and total bytes. Target ~`mb` MB. */
export function makeTree(dir, mb = 50, seed = 7) {
  const r = rng(seed);
  const files = [];
  let total = 0;
  const target = mb * 1024 * 1024;
  const put = (rel, data) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), data);
    files.push(rel);
    total += data.length;
  };
  // ~20% in a few bundles, ~15% images, the rest many small modules.
  for (let i = 0; i < 4; i++) put(`public/assets/bundle-${i}.js`, text(r, Math.floor(target * 0.05)));
  let img = 0;
  while (img < target * 0.15) {
    const size = 20_000 + Math.floor(r() * 200_000);
    put(`public/images/img-${files.length}.png`, binary(r, size));
    img += size;
  }
  let k = 0;
  while (total < target) {
    const size = 200 + Math.floor(r() ** 2 * 30_000);
    const pkg = `node_modules/pkg-${Math.floor(k / 25)}`;
    put(`${pkg}/${k % 3 === 0 ? 'lib/' : ''}module-${k}.${k % 7 === 0 ? 'json' : 'js'}`, text(r, size));
    k++;
  }
  return { files, total };
}

/**
 * Change `share` of the files (1% by default): every 100th in path order, so mostly
 * small modules and the odd image, as a typical re-deploy. Returns the files and
 * bytes changed (a changed bundle alone would be 5% of the bytes: see the output).
 */
export function touchTree(dir, all, share = 0.01, round = 1) {
  const files = [...all].sort();
  const step = Math.max(1, Math.round(1 / share));
  let bytes = 0;
  let count = 0;
  for (let i = round % step; i < files.length; i += step) {
    count++;
    const f = join(dir, files[i]);
    const data = readFileSync(f);
    data.write(`/* change ${round} */`, Math.floor(data.length / 2));
    writeFileSync(f, data);
    bytes += data.length;
  }
  return { files: count, bytes };
}
