// A small toncenter v2 HTTP API over @ton/sandbox (a real TVM, offline), so that hal9's real toncenter client
// (ton4j) can be tested end to end. It speaks the endpoints hal9 uses, answers {"ok":true,"result":...} like
// toncenter, and adds one of its own for tests: POST /shim/fund {address, amount} gives nanotons from a treasury.
// Usage: node toncenter-shim.mjs [PORT]   (prints "listening PORT" on stdout)
import http from 'node:http';
import { Blockchain } from '@ton/sandbox';
import { Address, Cell, beginCell, external, storeTransaction } from '@ton/core';

const chain = await Blockchain.create();
const treasury = await chain.treasury('funder');

// every transaction the sandbox ran, newest first per account, as toncenter's getTransactions shows them
const history = new Map();

function comment(body) {
  try {
    const slice = body.beginParse();
    if (slice.remainingBits >= 32 && slice.loadUint(32) === 0) return slice.loadStringTail();
  } catch (e) { /* not a text comment */ }
  return '';
}

function message(m) {
  if (!m) return null;
  const internal = m.info.type === 'internal';
  return {
    '@type': 'raw.message',
    source: internal ? m.info.src.toRawString() : '',
    destination: m.info.dest?.toRawString?.() ?? '',
    value: internal ? m.info.value.coins.toString() : '0',
    fwd_fee: internal ? m.info.forwardFee.toString() : '0',
    ihr_fee: '0',
    created_lt: internal ? m.info.createdLt.toString() : '0',
    body_hash: m.body.hash().toString('base64'),
    message: comment(m.body),
  };
}

function record(transactions) {
  for (const tx of transactions) {
    const account = '0:' + tx.address.toString(16).padStart(64, '0');
    const entry = {
      '@type': 'raw.transaction',
      address: { '@type': 'accountAddress', account_address: account },
      utime: tx.now,
      // the transaction itself, as toncenter gives it: a BoC that clients parse for its phases and messages
      data: beginCell().store(storeTransaction(tx)).endCell().toBoc().toString('base64'),
      transaction_id: { '@type': 'internal.transactionId', lt: tx.lt.toString(), hash: tx.hash().toString('base64') },
      fee: tx.totalFees.coins.toString(),
      storage_fee: '0',
      other_fee: '0',
      in_msg: message(tx.inMessage),
      out_msgs: [...tx.outMessages.values()].map(message),
    };
    history.set(account, [entry, ...(history.get(account) ?? [])]);
  }
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function stateOf(contract) {
  const type = contract.accountState?.type;
  return type === 'active' ? 'active' : type === 'frozen' ? 'frozen' : 'uninitialized';
}

// toncenter's stack arguments: ["num", "0x.."] or ["tvm.Slice"|"tvm.Cell", base64 BoC]
function stackIn(stack) {
  return (stack ?? []).map(([type, value]) => {
    if (type === 'num' || type === 'int') return { type: 'int', value: BigInt(value) };
    const cell = Cell.fromBase64(typeof value === 'string' ? value : value.bytes);
    return type.toLowerCase().includes('slice') ? { type: 'slice', cell } : { type: 'cell', cell };
  });
}

function stackOut(reader) {
  const stack = [];
  while (reader.remaining > 0) {
    const item = reader.pop();
    // toncenter writes a negative number as -0x1, not 0x-1
    if (item.type === 'int') stack.push(['num', (item.value < 0n ? '-0x' + (-item.value).toString(16) : '0x' + item.value.toString(16))]);
    else if (item.type === 'cell' || item.type === 'slice' || item.type === 'builder') {
      stack.push([item.type, { bytes: item.cell.toBoc().toString('base64') }]);
    } else stack.push([item.type, null]);
  }
  return stack;
}

const routes = {
  '/getAddressBalance': async (q) => (await chain.getContract(Address.parse(q.address))).balance.toString(),
  '/getAddressState': async (q) => stateOf(await chain.getContract(Address.parse(q.address))),
  // newest first; lt and hash page back from (and including) that transaction, as toncenter's do
  '/getTransactions': async (q) => {
    const account = Address.parse(q.address).toRawString();
    let all = history.get(account) ?? [];
    if (q.lt) {
      const from = all.findIndex((t) => t.transaction_id.lt === String(q.lt));
      all = from < 0 ? [] : all.slice(from);
    }
    return all.slice(0, Number(q.limit ?? 10));
  },
  // like toncenter: run the external message without checking its signature, report the fees, keep nothing
  '/estimateFee': async (q, body) => {
    const snapshot = chain.snapshot();
    try {
      const init = body.init_code ? { code: Cell.fromBase64(body.init_code), data: Cell.fromBase64(body.init_data) } : undefined;
      const result = await chain.sendMessage(
        external({ to: Address.parse(body.address), init, body: Cell.fromBase64(body.body) }),
        { ignoreChksig: body.ignore_chksig !== false });
      const tx = result.transactions[0];
      const d = tx.description;
      const gas = d.computePhase?.type === 'vm' ? d.computePhase.gasFees : 0n;
      const storage = d.storagePhase?.storageFeesCollected ?? 0n;
      const fwd = d.actionPhase?.totalFwdFees ?? 0n;
      const inFwd = tx.totalFees.coins - gas - storage - (d.actionPhase?.totalActionFees ?? 0n);
      return {
        '@type': 'query.fees',
        source_fees: { '@type': 'fees', in_fwd_fee: Number(inFwd > 0n ? inFwd : 0n), storage_fee: Number(storage), gas_fee: Number(gas), fwd_fee: Number(fwd) },
        destination_fees: [],
      };
    } finally {
      await chain.loadFrom(snapshot);
    }
  },
  '/runGetMethod': async (q, body) => {
    const contract = await chain.getContract(Address.parse(body.address));
    if (stateOf(contract) !== 'active') return { '@type': 'smc.runResult', gas_used: 0, stack: [], exit_code: -13 };
    const result = await contract.get(body.method, stackIn(body.stack));
    return { '@type': 'smc.runResult', gas_used: Number(result.gasUsed), stack: stackOut(result.stackReader), exit_code: result.exitCode };
  },
  '/sendBoc': async (q, body) => {
    const cell = Cell.fromBase64(body.boc);
    record((await chain.sendMessage(cell)).transactions);
    return { '@type': 'ok', hash: cell.hash().toString('base64') };
  },
  '/shim/treasury': async () => treasury.address.toRawString(),
  // the treasury sends an internal message: to deploy a contract (code and data, base64 BoCs) or to call it (body)
  '/shim/send': async (q, body) => {
    const result = await treasury.send({
      to: Address.parse(body.to),
      value: BigInt(body.amount),
      bounce: false,
      body: body.body ? Cell.fromBase64(body.body) : undefined,
      init: body.code ? { code: Cell.fromBase64(body.code), data: Cell.fromBase64(body.data) } : undefined,
    });
    record(result.transactions);
    return { txs: result.transactions.length };
  },
  '/shim/fund': async (q, body) => {
    record((await treasury.send({ to: Address.parse(body.address), value: BigInt(body.amount), bounce: false })).transactions);
    return 'funded';
  },
};
routes['/sendBocReturnHash'] = routes['/sendBoc'];

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://shim');
  let text = '';
  for await (const chunk of req) text += chunk;
  const route = routes[url.pathname.replace(/^\/api\/v2/, '')];
  if (!route) return answer(res, 404, { ok: false, error: 'not in the shim: ' + url.pathname, code: 404 });
  try {
    const result = await route(Object.fromEntries(url.searchParams), text ? JSON.parse(text) : {});
    answer(res, 200, { ok: true, result });
  } catch (e) {
    // toncenter answers a rejected external message with 500 and the VM's complaint
    answer(res, 500, { ok: false, error: String(e?.message ?? e).split('\n')[0], code: 500 });
  }
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => console.log('listening ' + server.address().port));
