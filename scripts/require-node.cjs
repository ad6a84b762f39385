// Refuses an older Node.js before anything is built or loaded: on Node 20 the app's dependencies fail deep
// inside (undici: "Cannot read properties of undefined (reading 'bind')") instead of saying what is wrong.
// CommonJS and plain syntax on purpose, so that any Node.js can run it. Run by `npm run build` (so `npm start`).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const wanted = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).engines.node;
const needed = Number(/(\d+)/.exec(wanted)[1]);
const found = process.versions.node;
if (Number(found.split('.')[0]) < needed) {
  console.error(
    `countersign needs Node.js ${needed} or newer, and this is Node.js ${found} (${process.execPath}): install Node.js 24 LTS (https://nodejs.org/en/download, or \`nvm install 24\`), then run it again.`,
  );
  process.exit(1);
}
