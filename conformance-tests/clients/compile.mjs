// Compiles one Solidity file with solc-js (offline) and prints {"abi": ..., "bytecode": "0x..."} of its contract.
// Usage: node compile.mjs FILE.sol CONTRACT
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import solc from 'solc';

const [file, contract] = process.argv.slice(2);
const input = {
  language: 'Solidity',
  sources: { [basename(file)]: { content: readFileSync(file, 'utf8') } },
  settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join('\n'));
  process.exit(1);
}
const compiled = output.contracts[basename(file)][contract];
console.log(JSON.stringify({ abi: compiled.abi, bytecode: '0x' + compiled.evm.bytecode.object }));
