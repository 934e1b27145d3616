package dev.hal9.tools.analysis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.jcajce.provider.digest.Keccak;

/**
 * The function signatures each privilege is known by in deployed tokens (OpenZeppelin's names, and the names the
 * fee-on-transfer, blacklist and anti-whale tokens that GoPlus and Token Sniffer flag use), by the GoPlus field
 * they bear on, with their selectors. A selector in a contract's code is evidence that it has the function, not
 * that anyone can call it: the analysis says which and by whom by simulating. Immutable.
 */
final class Signatures {

    /** A known function: its signature, its selector and the field it bears on. */
    record Known(String field, String signature, String selector) {}

    static final String OWNER = selector("owner()");
    static final String GET_OWNER = selector("getOwner()");
    static final String NAME = selector("name()");
    static final String SYMBOL = selector("symbol()");
    static final String DECIMALS = selector("decimals()");
    static final String TOTAL_SUPPLY = selector("totalSupply()");
    static final String BALANCE_OF = selector("balanceOf(address)");
    static final String TRANSFER = selector("transfer(address,uint256)");
    static final String TRANSFER_FROM = selector("transferFrom(address,address,uint256)");
    static final String APPROVE = selector("approve(address,uint256)");
    static final String SUPPORTS_INTERFACE = selector("supportsInterface(bytes4)");
    static final String TRANSFER_OWNERSHIP = selector("transferOwnership(address)");
    static final String RENOUNCE_OWNERSHIP = selector("renounceOwnership()");
    static final String FACETS = selector("facets()");
    static final String FACET_ADDRESSES = selector("facetAddresses()");
    static final String GET_THRESHOLD = selector("getThreshold()");
    static final String PROXIABLE_UUID = selector("proxiableUUID()");
    static final String IMPLEMENTATION = selector("implementation()");
    static final String TOKEN0 = selector("token0()");
    static final String TOKEN1 = selector("token1()");
    static final String GET_RESERVES = selector("getReserves()");
    static final String GET_PAIR = selector("getPair(address,address)");
    static final String FACTORY = selector("factory()");
    static final String WETH = selector("WETH()");

    /** ERC-165 interface ids. */
    static final String ERC721 = "0x80ac58cd";

    static final String ERC1155 = "0xd9b67a26";

    /** Transfer(address,address,uint256), ERC-20's and ERC-721's. */
    static final String TRANSFER_TOPIC = topic("Transfer(address,address,uint256)");

    private static final Map<String, List<String>> BY_FIELD = new LinkedHashMap<>();

    static {
        BY_FIELD.put(
                "is_mintable",
                List.of(
                        "mint(address,uint256)",
                        "mint(uint256)",
                        "mintTo(address,uint256)",
                        "issue(uint256)",
                        "issue(address,uint256)",
                        "mint(address)",
                        "safeMint(address)",
                        "safeMint(address,uint256)",
                        "mint(address,uint256,uint256,bytes)"));
        BY_FIELD.put(
                "owner_change_balance",
                List.of(
                        "setBalance(address,uint256)",
                        "setBalances(address[],uint256[])",
                        "updateBalance(address,uint256)",
                        "burnFrom(address,uint256)",
                        "forceTransfer(address,address,uint256)",
                        "adminTransfer(address,address,uint256)",
                        "burn(address,uint256)"));
        BY_FIELD.put(
                "transfer_pausable",
                List.of(
                        "pause()",
                        "unpause()",
                        "setPaused(bool)",
                        "setPause(bool)",
                        "enableTrading()",
                        "openTrading()",
                        "setTradingEnabled(bool)",
                        "setTrading(bool)",
                        "tradingStatus(bool)"));
        BY_FIELD.put(
                "is_blacklisted",
                List.of(
                        "blacklist(address)",
                        "addToBlacklist(address)",
                        "setBlacklist(address,bool)",
                        "blacklistAddress(address,bool)",
                        "addBot(address)",
                        "addBots(address[])",
                        "setBots(address[])",
                        "setBot(address,bool)",
                        "blockBots(address[])",
                        "setBlocked(address,bool)",
                        "isBlacklisted(address)",
                        "isBot(address)",
                        "blacklisted(address)",
                        "block(address)"));
        BY_FIELD.put(
                "is_whitelisted",
                List.of(
                        "whitelist(address)",
                        "addToWhitelist(address)",
                        "setWhitelist(address,bool)",
                        "excludeFromFee(address)",
                        "excludeFromFees(address,bool)",
                        "setIsFeeExempt(address,bool)",
                        "setExcludedFromFee(address,bool)",
                        "isWhitelisted(address)",
                        "isExcludedFromFee(address)"));
        BY_FIELD.put(
                "slippage_modifiable",
                List.of(
                        "setFee(uint256)",
                        "setFees(uint256,uint256)",
                        "setTaxFee(uint256)",
                        "setTaxFeePercent(uint256)",
                        "setBuyFee(uint256)",
                        "setSellFee(uint256)",
                        "setTax(uint256)",
                        "setTaxes(uint256,uint256)",
                        "updateFees(uint256,uint256)",
                        "setBuyTax(uint256)",
                        "setSellTax(uint256)",
                        "updateBuyFees(uint256,uint256,uint256)",
                        "updateSellFees(uint256,uint256,uint256)",
                        "setFee(uint256,uint256)"));
        BY_FIELD.put(
                "is_anti_whale",
                List.of(
                        "setMaxTxAmount(uint256)",
                        "setMaxTxPercent(uint256)",
                        "setMaxWallet(uint256)",
                        "setMaxWalletSize(uint256)",
                        "updateMaxTxnAmount(uint256)",
                        "updateMaxWalletAmount(uint256)",
                        "maxTransactionAmount()",
                        "maxWallet()",
                        "_maxTxAmount()",
                        "_maxWalletSize()",
                        "maxTxAmount()",
                        "maxWalletAmount()",
                        "setLimits(uint256,uint256)",
                        "removeLimits()"));
        BY_FIELD.put(
                "trading_cooldown",
                List.of(
                        "setCooldown(uint256)",
                        "setCooldownEnabled(bool)",
                        "cooldownEnabled()",
                        "setCooldownTime(uint256)",
                        "cooldownTimerInterval()",
                        "setTransferDelay(bool)",
                        "transferDelayEnabled()"));
        BY_FIELD.put(
                "can_take_back_ownership",
                List.of(
                        "lock(uint256)",
                        "unlock()",
                        "reclaimOwnership()",
                        "claimOwnership()",
                        "takeOwnership()",
                        "geUnlockTime()",
                        "getUnlockTime()"));
        BY_FIELD.put(
                "upgradeable",
                List.of(
                        "upgradeTo(address)",
                        "upgradeToAndCall(address,bytes)",
                        "changeAdmin(address)",
                        "upgradeBeacon(address)",
                        "setImplementation(address)"));
    }

    private static final List<Known> KNOWN = known();

    private Signatures() {}

    private static List<Known> known() {
        List<Known> all = new ArrayList<>();
        BY_FIELD.forEach((field, signatures) -> signatures.forEach(s -> all.add(new Known(field, s, selector(s)))));
        return List.copyOf(all);
    }

    /** The known functions the code has, in the table's order. */
    static List<Known> found(Bytecode code) {
        return KNOWN.stream().filter(k -> code.has(k.selector())).toList();
    }

    /** The signature a selector is known by, or the selector itself. */
    static String name(String selector) {
        for (Known known : KNOWN) {
            if (known.selector().equals(selector)) {
                return known.signature();
            }
        }
        return selector;
    }

    static String selector(String signature) {
        return "0x" + HexFormat.of().formatHex(keccak(signature.getBytes(StandardCharsets.US_ASCII)), 0, 4);
    }

    static String topic(String signature) {
        return "0x" + HexFormat.of().formatHex(keccak(signature.getBytes(StandardCharsets.US_ASCII)));
    }

    static byte[] keccak(byte[] data) {
        return new Keccak.Digest256().digest(data);
    }
}
