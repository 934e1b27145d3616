// ethers (npm, pinned in tools/chain/package.json) as an independent peer for hal9's differential tests.
// Reads one JSON request per line on stdin and writes one JSON answer per line on stdout, in order:
//   {"op":"sign", "key", "chainId", "nonce", "tip", "maxFee", "gasLimit", "to" (null: create), "value", "data"}
//       -> {"raw", "hash"}                 an EIP-1559 transaction with an empty access list
//   {"op":"checksum", "address"}           -> {"address"}  (EIP-55)
//   {"op":"encrypt", "privateKey", "password", "n"?} -> {"json"}  a keystore v3 file (scrypt, cost n)
//   {"op":"decrypt", "json", "password"}   -> {"address", "privateKey"}
// A request that ethers refuses gets {"error": message}. Numbers travel as decimal strings.
import { createInterface } from 'node:readline';
import {
  Transaction, SigningKey, getAddress, encryptKeystoreJsonSync, decryptKeystoreJsonSync, computeAddress,
} from 'ethers';

function answer(request) {
  switch (request.op) {
    case 'sign': {
      const tx = Transaction.from({
        type: 2,
        chainId: BigInt(request.chainId),
        // ethers keeps the nonce as a JavaScript number: the caller keeps it below 2^53
        nonce: Number(request.nonce),
        maxPriorityFeePerGas: BigInt(request.tip),
        maxFeePerGas: BigInt(request.maxFee),
        gasLimit: BigInt(request.gasLimit),
        to: request.to,
        value: BigInt(request.value),
        data: request.data,
        accessList: [],
      });
      tx.signature = new SigningKey(request.key).sign(tx.unsignedHash);
      return { raw: tx.serialized, hash: tx.hash };
    }
    case 'checksum':
      return { address: getAddress(request.address) };
    case 'encrypt': {
      // without n, ethers' own default cost (the one its Wallet.encrypt uses)
      const account = { address: computeAddress(request.privateKey), privateKey: request.privateKey };
      const options = request.n == null ? {} : { scrypt: { N: request.n } };
      return { json: encryptKeystoreJsonSync(account, request.password, options) };
    }
    case 'decrypt': {
      const account = decryptKeystoreJsonSync(request.json, request.password);
      return { address: account.address, privateKey: account.privateKey };
    }
    default:
      throw new Error(`unknown op ${request.op}`);
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  let reply;
  try {
    reply = answer(JSON.parse(line));
  } catch (error) {
    reply = { error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
