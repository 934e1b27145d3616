// For every compiled contract of Uniswap v2 (core, periphery) and OpenZeppelin Contracts with runtime code, prints
// its ABI's function signatures (the ground truth) and the selectors whatsabi reads from its bytecode, as JSON
// lines: {"name": ..., "code": "0x...", "signatures": [...], "whatsabi": [...]}.
import fs from 'node:fs';
import path from 'node:path';
import { whatsabi } from '@shazow/whatsabi';

const here = import.meta.dirname;
const folders = [
  'node_modules/@uniswap/v2-core/build',
  'node_modules/@uniswap/v2-periphery/build',
  'node_modules/@openzeppelin/contracts/build/contracts',
];
const canonical = (p) => (p.type.startsWith('tuple')
  ? '(' + p.components.map(canonical).join(',') + ')' + p.type.slice(5)
  : p.type);
for (const folder of folders) {
  for (const file of fs.readdirSync(path.join(here, folder)).filter((f) => f.endsWith('.json')).sort()) {
    const json = JSON.parse(fs.readFileSync(path.join(here, folder, file)));
    let code = json.deployedBytecode ?? json.evm?.deployedBytecode?.object ?? '';
    if (typeof code === 'object') code = code.object ?? '';
    if (!code.startsWith('0x')) code = '0x' + code;
    if (code.length <= 2 || /__\$?[0-9a-zA-Z$]*\$?__/.test(code)) continue; // none, or unlinked libraries
    const abi = Array.isArray(json.abi) ? json.abi : JSON.parse(json.interface ?? '[]');
    const signatures = abi.filter((e) => e.type === 'function').map((f) => `${f.name}(${f.inputs.map(canonical).join(',')})`);
    console.log(JSON.stringify({
      name: folder.split('/')[1] + '/' + folder.split('/')[2] + '/' + file.replace('.json', ''),
      code,
      signatures,
      whatsabi: whatsabi.selectorsFromBytecode(code),
    }));
  }
}
