// ethers' AbiCoder behind JSON lines, so hal9's ABI tests can compare against an independent implementation.
// argv[2] is the folder whose node_modules holds the pinned ethers (tools/contracts/test-peers).
//
// One request per line: {"id", "types": [JSON ABI params], "values"?: [...], "corrupted"?: ["0x..."], "invalid"?: [...]}
//   values    -> "encoded" (ethers' encoding, or "encodeError") and "decoded" (ethers decoding its own encoding)
//   corrupted -> one {"ok", "values" | "error"} per encoding, as ethers decodes it
//   invalid   -> one {"ok", "encoded" | "error"} per single-argument list, as ethers encodes it for types[0]
// One answer per line, in order. Integers go out as decimal strings (JSON numbers would lose digits).
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

const require = createRequire(resolve(process.argv[2], "package.json"));
const { AbiCoder, ParamType, version } = require("ethers");
const coder = AbiCoder.defaultAbiCoder();

// A decoded value as plain JSON. Reading every index matters: ethers keeps a value that failed to decode as an Error
// inside its Result and throws only when that index is read, so a shallow look would call bad data good.
function plain(value) {
  if (typeof value === "bigint") {
    return value.toString();
  }
  if (Array.isArray(value)) {
    const out = [];
    for (let i = 0; i < value.length; i++) {
      out.push(plain(value[i]));
    }
    return out;
  }
  return value;
}

function failure(error) {
  return String(error?.shortMessage ?? error?.message ?? error).slice(0, 300);
}

function decode(types, data) {
  try {
    return { ok: true, values: plain(coder.decode(types, data)) };
  } catch (error) {
    return { ok: false, error: failure(error) };
  }
}

function encode(types, values) {
  try {
    return { ok: true, encoded: coder.encode(types, values) };
  } catch (error) {
    return { ok: false, error: failure(error) };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  const request = JSON.parse(line);
  const answer = { id: request.id };
  try {
    if (request.version) {
      answer.version = version;
    }
    const types = (request.types ?? []).map((type) => ParamType.from(type));
    if (request.values !== undefined) {
      const encoded = encode(types, request.values);
      if (encoded.ok) {
        answer.encoded = encoded.encoded;
        answer.decoded = decode(types, encoded.encoded);
      } else {
        answer.encodeError = encoded.error;
      }
    }
    if (request.corrupted !== undefined) {
      answer.corrupted = request.corrupted.map((data) => decode(types, data));
    }
    if (request.invalid !== undefined) {
      answer.invalid = request.invalid.map((values) => encode(types, values));
    }
  } catch (error) {
    answer.fault = failure(error);
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
