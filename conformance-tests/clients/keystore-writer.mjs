// Writes a Web3 Secret Storage (keystore v3) file the way another wallet does, for the wallet CLI's import tests.
// Reads {"writer", "privateKey" (0x hex), "password", "n"?, "c"?} as JSON on stdin and prints
// {"file": the keystore file's text, "address": the key's EIP-55 address as ethers computes it} on stdout.
//   writer "ethers":     ethers' encryptKeystoreJsonSync, scrypt (cost n, else ethers' default)
//   writer "ethereumjs": @ethereumjs/wallet's toV3String, PBKDF2-HMAC-SHA256 (c rounds)
// The key and the password come on stdin, not in arguments, so that they do not show in the process list.
import { readFileSync } from 'node:fs';
import { computeAddress, encryptKeystoreJsonSync } from 'ethers';
import { Wallet } from '@ethereumjs/wallet';

const request = JSON.parse(readFileSync(0, 'utf8'));
let file;
switch (request.writer) {
  case 'ethers': {
    const account = { address: computeAddress(request.privateKey), privateKey: request.privateKey };
    file = encryptKeystoreJsonSync(account, request.password, request.n ? { scrypt: { N: request.n } } : {});
    break;
  }
  case 'ethereumjs': {
    const key = Uint8Array.from(Buffer.from(request.privateKey.replace(/^0x/, ''), 'hex'));
    file = await Wallet.fromPrivateKey(key).toV3String(request.password, { kdf: 'pbkdf2', c: request.c ?? 262144 });
    break;
  }
  default:
    throw new Error(`unknown writer ${request.writer}`);
}
process.stdout.write(JSON.stringify({ file, address: computeAddress(request.privateKey) }) + '\n');
