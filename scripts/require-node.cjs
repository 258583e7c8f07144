// Runs first in `npm start` and `npm test`, under whatever Node the machine has: an older Node cannot
// even read the project's .ts files and fails with a riddle (ERR_UNKNOWN_FILE_EXTENSION), so this says
// what is needed instead. CommonJS and ES5 on purpose, so that any old Node can parse it.
'use strict';
// biome-ignore lint/style/useNodejsImportProtocol: Node before 14.18 does not know `node:` in require().
var fs = require('fs');
// biome-ignore lint/style/useNodejsImportProtocol: as above.
var path = require('path');

var root = path.join(__dirname, '..');
var range = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node;
var needed = /(\d+)\.(\d+)\.(\d+)/.exec(range).slice(1).map(Number);
var found = process.versions.node.split('.').map(Number);
var nvmrc = fs.readFileSync(path.join(root, '.nvmrc'), 'utf8').trim();

function older(version, than) {
  var i = 0;
  while (i < 3 && version[i] === than[i]) i++;
  return i < 3 && version[i] < than[i];
}

if (older(found, needed)) {
  process.stderr.write(
    'This project needs Node.js ' +
      needed.join('.') +
      ' or newer, and this is Node.js ' +
      process.version +
      ': switch with `nvm use` (reads .nvmrc: ' +
      nvmrc +
      ') or install Node.js ' +
      nvmrc +
      ' from https://nodejs.org, then run the command again.\n',
  );
  process.exit(1);
}
