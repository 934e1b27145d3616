// Compiles one Solidity file with solc-js (offline; optimizer on, 200 runs) and prints, for every contract in it,
// {"<Name>": {"abi": ..., "bytecode": "0x...", "runtime": "0x..."}}. Imports resolve under node_modules.
// Usage: node compile-runtime.mjs FILE.sol
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import solc from 'solc';

const [file] = process.argv.slice(2);
const input = {
  language: 'Solidity',
  sources: { [basename(file)]: { content: readFileSync(file, 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
const imports = (path) => {
  try {
    return { contents: readFileSync(join(import.meta.dirname, '..', 'node_modules', path), 'utf8') };
  } catch (e) {
    return { error: 'not found: ' + path };
  }
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: imports }));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join('\n'));
  process.exit(1);
}
const all = {};
for (const [name, c] of Object.entries(output.contracts[basename(file)])) {
  all[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object, runtime: '0x' + c.evm.deployedBytecode.object };
}
console.log(JSON.stringify(all));
