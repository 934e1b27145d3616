package dev.hal9.tools.contracts;

import dev.hal9.api.ToolException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Parameterised ERC-20, ERC-721 and ERC-1155 contracts on OpenZeppelin Contracts 5, written the way OpenZeppelin's
 * wizard writes them. The output depends only on the options: the same options give the same source, byte for
 * byte. Generated contracts pin the compiler version the worker runs.
 */
final class Templates {

    static final String PRAGMA = "0.8.37";

    enum Template {
        ERC20,
        ERC721,
        ERC1155
    }

    enum Feature {
        MINTABLE,
        BURNABLE,
        PAUSABLE,
        CAPPED,
        PERMIT,
        ENUMERABLE,
        URI_STORAGE,
        SUPPLY_TRACKING,
        UPDATABLE_URI
    }

    enum Access {
        OWNABLE,
        ROLES
    }

    private static final Set<Feature> ERC20_FEATURES =
            EnumSet.of(Feature.MINTABLE, Feature.BURNABLE, Feature.PAUSABLE, Feature.CAPPED, Feature.PERMIT);
    private static final Set<Feature> ERC721_FEATURES =
            EnumSet.of(Feature.MINTABLE, Feature.BURNABLE, Feature.PAUSABLE, Feature.ENUMERABLE, Feature.URI_STORAGE);
    private static final Set<Feature> ERC1155_FEATURES = EnumSet.of(
            Feature.MINTABLE, Feature.BURNABLE, Feature.PAUSABLE, Feature.SUPPLY_TRACKING, Feature.UPDATABLE_URI);

    /** What to generate, validated by {@link #generate}. */
    record Options(
            Template template,
            String name,
            String symbol,
            Set<Feature> features,
            Access access,
            String initialSupply,
            String cap,
            Integer decimals,
            String uri) {}

    /** A generated contract: its name, file name and source. */
    record Generated(String contractName, String file, String source) {}

    private Templates() {}

    static Generated generate(Options options) {
        Set<Feature> allowed =
                switch (options.template()) {
                    case ERC20 -> ERC20_FEATURES;
                    case ERC721 -> ERC721_FEATURES;
                    case ERC1155 -> ERC1155_FEATURES;
                };
        Set<Feature> features = options.features() == null ? EnumSet.noneOf(Feature.class) : options.features();
        for (Feature feature : features) {
            if (!allowed.contains(feature)) {
                throw ToolException.badArgument(
                        "features",
                        lower(feature) + " does not apply to " + lower(options.template()) + "; it takes "
                                + String.join(
                                        ", ",
                                        allowed.stream().map(Templates::lower).toList()));
            }
        }
        String name = options.name() == null ? "" : options.name().strip();
        if (name.isEmpty() || name.length() > 64 || !name.matches("[A-Za-z][A-Za-z0-9 _-]*")) {
            throw ToolException.badArgument(
                    "name", "must start with a letter and hold only letters, digits, spaces, _ and - (1 to 64)");
        }
        String contractName = identifier(name);
        String symbol = options.symbol() == null ? "" : options.symbol().strip();
        if (options.template() != Template.ERC1155 && !symbol.matches("[A-Za-z0-9]{1,11}")) {
            throw ToolException.badArgument(
                    "symbol", "is needed for " + lower(options.template()) + ": 1 to 11 letters or digits, e.g. HAL");
        }
        String uri = options.uri() == null ? "" : options.uri().strip();
        if (uri.contains("\"") || uri.contains("\\") || uri.contains("\n")) {
            throw ToolException.badArgument("uri", "may not contain quotes, backslashes or line breaks");
        }
        Access access = options.access() == null ? Access.OWNABLE : options.access();
        String source =
                switch (options.template()) {
                    case ERC20 -> erc20(contractName, name, symbol, features, access, options);
                    case ERC721 -> erc721(contractName, name, symbol, features, access, uri);
                    case ERC1155 -> erc1155(contractName, features, access, uri);
                };
        return new Generated(contractName, contractName + ".sol", source);
    }

    private static String erc20(
            String contract, String name, String symbol, Set<Feature> features, Access access, Options options) {
        int decimals = options.decimals() == null ? 18 : options.decimals();
        if (decimals < 0 || decimals > 36) {
            throw ToolException.badArgument("decimals", "must be between 0 and 36 (18 is usual)");
        }
        BigInteger supply = whole(options.initialSupply(), "initialSupply", decimals);
        BigInteger cap = null;
        if (features.contains(Feature.CAPPED)) {
            cap = whole(options.cap(), "cap", decimals);
            if (cap.signum() <= 0) {
                throw ToolException.badArgument("cap", "is needed with the capped feature: a positive whole amount");
            }
            if (supply.compareTo(cap) > 0) {
                throw ToolException.badArgument("initialSupply", "exceeds the cap (" + options.cap() + ")");
            }
        } else if (options.cap() != null && !options.cap().isBlank()) {
            throw ToolException.badArgument("cap", "needs the capped feature");
        }
        boolean controlled = features.contains(Feature.MINTABLE) || features.contains(Feature.PAUSABLE);
        Source s = new Source();
        s.imports("token/ERC20/ERC20.sol", "ERC20");
        List<String> bases = new ArrayList<>(List.of("ERC20"));
        List<String> updaters = new ArrayList<>(List.of("ERC20"));
        if (features.contains(Feature.BURNABLE)) {
            s.imports("token/ERC20/extensions/ERC20Burnable.sol", "ERC20Burnable");
            bases.add("ERC20Burnable");
        }
        if (features.contains(Feature.CAPPED)) {
            s.imports("token/ERC20/extensions/ERC20Capped.sol", "ERC20Capped");
            bases.add("ERC20Capped");
            updaters.add("ERC20Capped");
        }
        if (features.contains(Feature.PAUSABLE)) {
            s.imports("token/ERC20/extensions/ERC20Pausable.sol", "ERC20Pausable");
            bases.add("ERC20Pausable");
            updaters.add("ERC20Pausable");
        }
        if (controlled) {
            access(s, bases, access);
        }
        if (features.contains(Feature.PERMIT)) {
            s.imports("token/ERC20/extensions/ERC20Permit.sol", "ERC20Permit");
            bases.add("ERC20Permit");
        }
        s.contract(contract, bases);
        if (controlled && access == Access.ROLES) {
            roles(s, features.contains(Feature.MINTABLE), features.contains(Feature.PAUSABLE));
        }
        List<String> initialisers = new ArrayList<>();
        initialisers.add("ERC20(\"" + name + "\", \"" + symbol + "\")");
        if (cap != null) {
            initialisers.add("ERC20Capped(" + cap + " * 10 ** " + decimals + ")");
        }
        if (controlled && access == Access.OWNABLE) {
            initialisers.add("Ownable(initialOwner)");
        }
        if (features.contains(Feature.PERMIT)) {
            initialisers.add("ERC20Permit(\"" + name + "\")");
        }
        List<String> body = new ArrayList<>();
        if (controlled && access == Access.ROLES) {
            grants(body, features.contains(Feature.MINTABLE), features.contains(Feature.PAUSABLE));
        }
        if (supply.signum() > 0) {
            body.add("_mint(msg.sender, " + supply + " * 10 ** " + decimals + ");");
        }
        s.constructor(controlled ? "address initialOwner" : "", initialisers, body);
        if (decimals != 18) {
            s.function("function decimals() public pure override returns (uint8)", "return " + decimals + ";");
        }
        if (features.contains(Feature.PAUSABLE)) {
            pause(s, access);
        }
        if (features.contains(Feature.MINTABLE)) {
            s.function(
                    "function mint(address to, uint256 amount) public " + guard(access, "MINTER_ROLE"),
                    "_mint(to, amount);");
        }
        if (updaters.size() > 1) {
            s.overrides("The following functions are overrides required by Solidity.");
            s.function(
                    "function _update(address from, address to, uint256 value)\n        internal\n        override("
                            + String.join(", ", updaters) + ")",
                    "super._update(from, to, value);");
        }
        return s.end();
    }

    private static String erc721(
            String contract, String name, String symbol, Set<Feature> features, Access access, String uri) {
        boolean controlled = features.contains(Feature.MINTABLE) || features.contains(Feature.PAUSABLE);
        boolean uriStorage = features.contains(Feature.URI_STORAGE);
        Source s = new Source();
        s.imports("token/ERC721/ERC721.sol", "ERC721");
        List<String> bases = new ArrayList<>(List.of("ERC721"));
        List<String> updaters = new ArrayList<>(List.of("ERC721"));
        List<String> interfaces = new ArrayList<>(List.of("ERC721"));
        if (features.contains(Feature.ENUMERABLE)) {
            s.imports("token/ERC721/extensions/ERC721Enumerable.sol", "ERC721Enumerable");
            bases.add("ERC721Enumerable");
            updaters.add("ERC721Enumerable");
            interfaces.add("ERC721Enumerable");
        }
        if (uriStorage) {
            s.imports("token/ERC721/extensions/ERC721URIStorage.sol", "ERC721URIStorage");
            bases.add("ERC721URIStorage");
            interfaces.add("ERC721URIStorage");
        }
        if (features.contains(Feature.PAUSABLE)) {
            s.imports("token/ERC721/extensions/ERC721Pausable.sol", "ERC721Pausable");
            bases.add("ERC721Pausable");
            updaters.add("ERC721Pausable");
        }
        if (controlled) {
            access(s, bases, access);
            if (access == Access.ROLES) {
                interfaces.add("AccessControl");
            }
        }
        if (features.contains(Feature.BURNABLE)) {
            s.imports("token/ERC721/extensions/ERC721Burnable.sol", "ERC721Burnable");
            bases.add("ERC721Burnable");
        }
        s.contract(contract, bases);
        if (controlled && access == Access.ROLES) {
            roles(s, features.contains(Feature.MINTABLE), features.contains(Feature.PAUSABLE));
        }
        if (features.contains(Feature.MINTABLE)) {
            s.line("    uint256 private _nextTokenId;");
            s.line("");
        }
        List<String> initialisers = new ArrayList<>();
        initialisers.add("ERC721(\"" + name + "\", \"" + symbol + "\")");
        if (controlled && access == Access.OWNABLE) {
            initialisers.add("Ownable(initialOwner)");
        }
        List<String> body = new ArrayList<>();
        if (controlled && access == Access.ROLES) {
            grants(body, features.contains(Feature.MINTABLE), features.contains(Feature.PAUSABLE));
        }
        s.constructor(controlled ? "address initialOwner" : "", initialisers, body);
        if (!uri.isEmpty()) {
            s.function("function _baseURI() internal pure override returns (string memory)", "return \"" + uri + "\";");
        }
        if (features.contains(Feature.PAUSABLE)) {
            pause(s, access);
        }
        if (features.contains(Feature.MINTABLE)) {
            String guard = guard(access, "MINTER_ROLE");
            if (uriStorage) {
                s.function(
                        "function safeMint(address to, string memory uri)\n        public\n        " + guard
                                + "\n        returns (uint256)",
                        "uint256 tokenId = _nextTokenId++;\n        _safeMint(to, tokenId);\n"
                                + "        _setTokenURI(tokenId, uri);\n        return tokenId;");
            } else {
                s.function(
                        "function safeMint(address to) public " + guard + " returns (uint256)",
                        "uint256 tokenId = _nextTokenId++;\n        _safeMint(to, tokenId);\n        return tokenId;");
            }
        }
        if (updaters.size() > 1 || features.contains(Feature.ENUMERABLE) || uriStorage || interfaces.size() > 1) {
            s.overrides("The following functions are overrides required by Solidity.");
        }
        if (updaters.size() > 1) {
            s.function(
                    "function _update(address to, uint256 tokenId, address auth)\n        internal\n        override("
                            + String.join(", ", updaters) + ")\n        returns (address)",
                    "return super._update(to, tokenId, auth);");
        }
        if (features.contains(Feature.ENUMERABLE)) {
            s.function(
                    "function _increaseBalance(address account, uint128 value)\n        internal\n"
                            + "        override(ERC721, ERC721Enumerable)",
                    "super._increaseBalance(account, value);");
        }
        if (uriStorage) {
            s.function(
                    "function tokenURI(uint256 tokenId)\n        public\n        view\n"
                            + "        override(ERC721, ERC721URIStorage)\n        returns (string memory)",
                    "return super.tokenURI(tokenId);");
        }
        if (interfaces.size() > 1) {
            s.function(
                    "function supportsInterface(bytes4 interfaceId)\n        public\n        view\n        override("
                            + String.join(", ", interfaces) + ")\n        returns (bool)",
                    "return super.supportsInterface(interfaceId);");
        }
        return s.end();
    }

    private static String erc1155(String contract, Set<Feature> features, Access access, String uri) {
        boolean controlled = features.contains(Feature.MINTABLE)
                || features.contains(Feature.PAUSABLE)
                || features.contains(Feature.UPDATABLE_URI);
        Source s = new Source();
        s.imports("token/ERC1155/ERC1155.sol", "ERC1155");
        List<String> bases = new ArrayList<>(List.of("ERC1155"));
        List<String> updaters = new ArrayList<>(List.of("ERC1155"));
        if (controlled) {
            access(s, bases, access);
        }
        if (features.contains(Feature.PAUSABLE)) {
            s.imports("token/ERC1155/extensions/ERC1155Pausable.sol", "ERC1155Pausable");
            bases.add("ERC1155Pausable");
            updaters.add("ERC1155Pausable");
        }
        if (features.contains(Feature.BURNABLE)) {
            s.imports("token/ERC1155/extensions/ERC1155Burnable.sol", "ERC1155Burnable");
            bases.add("ERC1155Burnable");
        }
        if (features.contains(Feature.SUPPLY_TRACKING)) {
            s.imports("token/ERC1155/extensions/ERC1155Supply.sol", "ERC1155Supply");
            bases.add("ERC1155Supply");
            updaters.add("ERC1155Supply");
        }
        s.contract(contract, bases);
        boolean roles = controlled && access == Access.ROLES;
        if (roles) {
            s.line("    bytes32 public constant URI_SETTER_ROLE = keccak256(\"URI_SETTER_ROLE\");");
            roles(s, features.contains(Feature.MINTABLE), features.contains(Feature.PAUSABLE));
        }
        List<String> initialisers = new ArrayList<>();
        initialisers.add("ERC1155(\"" + uri + "\")");
        if (controlled && access == Access.OWNABLE) {
            initialisers.add("Ownable(initialOwner)");
        }
        List<String> body = new ArrayList<>();
        if (roles) {
            body.add("_grantRole(DEFAULT_ADMIN_ROLE, initialOwner);");
            body.add("_grantRole(URI_SETTER_ROLE, initialOwner);");
            if (features.contains(Feature.PAUSABLE)) {
                body.add("_grantRole(PAUSER_ROLE, initialOwner);");
            }
            if (features.contains(Feature.MINTABLE)) {
                body.add("_grantRole(MINTER_ROLE, initialOwner);");
            }
        }
        s.constructor(controlled ? "address initialOwner" : "", initialisers, body);
        if (features.contains(Feature.UPDATABLE_URI)) {
            s.function(
                    "function setURI(string memory newuri) public " + guard(access, "URI_SETTER_ROLE"),
                    "_setURI(newuri);");
        }
        if (features.contains(Feature.PAUSABLE)) {
            pause(s, access);
        }
        if (features.contains(Feature.MINTABLE)) {
            String guard = guard(access, "MINTER_ROLE");
            s.function(
                    "function mint(address account, uint256 id, uint256 amount, bytes memory data)\n        public\n"
                            + "        " + guard,
                    "_mint(account, id, amount, data);");
            s.function(
                    "function mintBatch(address to, uint256[] memory ids, uint256[] memory amounts, bytes memory data)"
                            + "\n        public\n        " + guard,
                    "_mintBatch(to, ids, amounts, data);");
        }
        if (updaters.size() > 1 || roles) {
            s.overrides("The following functions are overrides required by Solidity.");
        }
        if (updaters.size() > 1) {
            s.function(
                    "function _update(address from, address to, uint256[] memory ids, uint256[] memory values)\n"
                            + "        internal\n        override(" + String.join(", ", updaters) + ")",
                    "super._update(from, to, ids, values);");
        }
        if (roles) {
            s.function(
                    "function supportsInterface(bytes4 interfaceId)\n        public\n        view\n"
                            + "        override(ERC1155, AccessControl)\n        returns (bool)",
                    "return super.supportsInterface(interfaceId);");
        }
        return s.end();
    }

    private static void access(Source s, List<String> bases, Access access) {
        if (access == Access.OWNABLE) {
            s.imports("access/Ownable.sol", "Ownable");
            bases.add("Ownable");
        } else {
            s.imports("access/AccessControl.sol", "AccessControl");
            bases.add("AccessControl");
        }
    }

    private static void roles(Source s, boolean minter, boolean pauser) {
        if (pauser) {
            s.line("    bytes32 public constant PAUSER_ROLE = keccak256(\"PAUSER_ROLE\");");
        }
        if (minter) {
            s.line("    bytes32 public constant MINTER_ROLE = keccak256(\"MINTER_ROLE\");");
        }
        s.line("");
    }

    private static void grants(List<String> body, boolean minter, boolean pauser) {
        body.add("_grantRole(DEFAULT_ADMIN_ROLE, initialOwner);");
        if (pauser) {
            body.add("_grantRole(PAUSER_ROLE, initialOwner);");
        }
        if (minter) {
            body.add("_grantRole(MINTER_ROLE, initialOwner);");
        }
    }

    private static void pause(Source s, Access access) {
        s.function("function pause() public " + guard(access, "PAUSER_ROLE"), "_pause();");
        s.function("function unpause() public " + guard(access, "PAUSER_ROLE"), "_unpause();");
    }

    private static String guard(Access access, String role) {
        return access == Access.OWNABLE ? "onlyOwner" : "onlyRole(" + role + ")";
    }

    /** A whole amount of tokens (no fraction), 0 when absent. */
    private static BigInteger whole(String value, String argument, int decimals) {
        if (value == null || value.isBlank()) {
            return BigInteger.ZERO;
        }
        BigDecimal amount;
        try {
            amount = new BigDecimal(value.strip());
        } catch (NumberFormatException e) {
            throw ToolException.badArgument(
                    argument, "'" + value + "' is not a number; give whole tokens, e.g. 1000000");
        }
        if (amount.signum() < 0 || amount.stripTrailingZeros().scale() > 0) {
            throw ToolException.badArgument(argument, "must be a whole, non-negative number of tokens, e.g. 1000000");
        }
        BigInteger units = amount.toBigIntegerExact();
        if (units.multiply(BigInteger.TEN.pow(decimals)).bitLength() > 256) {
            throw ToolException.badArgument(argument, "is too large for a uint256 at " + decimals + " decimals");
        }
        return units;
    }

    /** "My Token" -> "MyToken". */
    private static String identifier(String name) {
        StringBuilder out = new StringBuilder();
        for (String part : name.split("[ _-]+")) {
            if (!part.isEmpty()) {
                out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return out.toString();
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** Builds a source file in the wizard's layout. */
    private static final class Source {
        private final Set<String> imports = new TreeSet<>();
        private final List<String> importOrder = new ArrayList<>();
        private final StringBuilder body = new StringBuilder();

        void imports(String path, String symbol) {
            if (imports.add(path)) {
                importOrder.add("import {" + symbol + "} from \"@openzeppelin/contracts/" + path + "\";");
            }
        }

        void contract(String name, List<String> bases) {
            StringJoiner joined = new StringJoiner(", ");
            bases.forEach(joined::add);
            body.append("contract ").append(name).append(" is ").append(joined).append(" {\n");
        }

        void line(String line) {
            body.append(line).append('\n');
        }

        void constructor(String parameters, List<String> initialisers, List<String> statements) {
            body.append("    constructor(").append(parameters).append(")\n");
            for (String initialiser : initialisers) {
                body.append("        ").append(initialiser).append('\n');
            }
            if (statements.isEmpty()) {
                body.append("    {}\n");
            } else {
                body.append("    {\n");
                statements.forEach(st -> body.append("        ").append(st).append('\n'));
                body.append("    }\n");
            }
        }

        void function(String signature, String statements) {
            body.append("\n    ")
                    .append(signature)
                    .append(" {\n        ")
                    .append(statements)
                    .append("\n    }\n");
        }

        void overrides(String comment) {
            body.append("\n    // ").append(comment).append('\n');
        }

        String end() {
            StringBuilder out =
                    new StringBuilder("// SPDX-License-Identifier: MIT\n// Generated by hal9 on OpenZeppelin "
                            + "Contracts 5\npragma solidity " + PRAGMA + ";\n\n");
            importOrder.forEach(i -> out.append(i).append('\n'));
            out.append('\n').append(body).append("}\n");
            return out.toString().replace("\n\n\n", "\n\n");
        }
    }
}
