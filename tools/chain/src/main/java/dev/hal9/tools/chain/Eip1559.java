package dev.hal9.tools.chain;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An EIP-1559 (type 2) transaction and its signature: RFC 6979 deterministic ECDSA over secp256k1 with a low
 * s (EIP-2) and the y-parity that lets nodes recover the sender. The signer for every EVM value transfer.
 *
 * @param chainId EIP-155 chain id
 * @param nonce the sender's next nonce
 * @param maxPriorityFeePerGas the tip, in wei per gas
 * @param maxFeePerGas the fee cap, in wei per gas
 * @param gasLimit the gas limit
 * @param to the recipient (20 bytes), or null to create a contract
 * @param value wei sent
 * @param data call data (empty for a plain transfer)
 */
record Eip1559(
        long chainId,
        BigInteger nonce,
        BigInteger maxPriorityFeePerGas,
        BigInteger maxFeePerGas,
        BigInteger gasLimit,
        byte[] to,
        BigInteger value,
        byte[] data) {

    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
    private static final ECDomainParameters DOMAIN =
            new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());
    private static final BigInteger HALF_N = CURVE.getN().shiftRight(1);

    /** The hash the sender signs: keccak256(0x02 || rlp(fields without the signature)). */
    byte[] signingHash() {
        return Secp256k1.keccak256(typed(Rlp.encode(fields())));
    }

    /** The signed transaction as eth_sendRawTransaction takes it. */
    byte[] sign(byte[] privateKey) {
        Secp256k1.requireValid(privateKey);
        byte[] hash = signingHash();
        BigInteger d = new BigInteger(1, privateKey);
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(d, DOMAIN));
        BigInteger[] signature = signer.generateSignature(hash);
        BigInteger r = signature[0];
        BigInteger s = signature[1];
        if (s.compareTo(HALF_N) > 0) {
            s = CURVE.getN().subtract(s);
        }
        ECPoint publicKey = CURVE.getG().multiply(d).normalize();
        int parity = -1;
        for (int candidate = 0; candidate < 2; candidate++) {
            ECPoint recovered = recover(hash, r, s, candidate);
            if (recovered != null && recovered.equals(publicKey)) {
                parity = candidate;
                break;
            }
        }
        if (parity < 0) {
            throw new IllegalStateException("could not find the recovery id of a fresh signature");
        }
        List<Object> signed = new java.util.ArrayList<>(fields());
        signed.add(BigInteger.valueOf(parity));
        signed.add(r);
        signed.add(s);
        return typed(Rlp.encode(signed));
    }

    /** The hash nodes know the signed transaction by. */
    static String hash(byte[] signed) {
        return "0x" + HexFormat.of().formatHex(Secp256k1.keccak256(signed));
    }

    private List<Object> fields() {
        return List.of(
                BigInteger.valueOf(chainId),
                nonce,
                maxPriorityFeePerGas,
                maxFeePerGas,
                gasLimit,
                to == null ? new byte[0] : to,
                value,
                data == null ? new byte[0] : data,
                List.of());
    }

    private static byte[] typed(byte[] payload) {
        byte[] out = new byte[payload.length + 1];
        out[0] = 0x02;
        System.arraycopy(payload, 0, out, 1, payload.length);
        return out;
    }

    /** SEC 1, 4.1.6: the public key from a signature and its recovery id, or null. */
    private static ECPoint recover(byte[] hash, BigInteger r, BigInteger s, int parity) {
        BigInteger n = CURVE.getN();
        byte[] x = Rlp.quantity(r);
        byte[] compressed = new byte[33];
        compressed[0] = (byte) (parity == 0 ? 0x02 : 0x03);
        System.arraycopy(x, 0, compressed, 33 - x.length, x.length);
        ECPoint point;
        try {
            point = CURVE.getCurve().decodePoint(compressed);
        } catch (IllegalArgumentException e) {
            return null;
        }
        BigInteger e = new BigInteger(1, hash);
        BigInteger rInverse = r.modInverse(n);
        return ECAlgorithms.sumOfTwoMultiplies(
                        CURVE.getG(),
                        e.negate().mod(n).multiply(rInverse).mod(n),
                        point,
                        s.multiply(rInverse).mod(n))
                .normalize();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Eip1559 tx
                && chainId == tx.chainId
                && nonce.equals(tx.nonce)
                && maxPriorityFeePerGas.equals(tx.maxPriorityFeePerGas)
                && maxFeePerGas.equals(tx.maxFeePerGas)
                && gasLimit.equals(tx.gasLimit)
                && Arrays.equals(to, tx.to)
                && value.equals(tx.value)
                && Arrays.equals(data, tx.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signingHash());
    }

    @Override
    public String toString() {
        return "Eip1559[chainId=" + chainId + ", nonce=" + nonce + ", to="
                + (to == null ? "create" : HexFormat.of().formatHex(to)) + ", value=" + value + "]";
    }
}
