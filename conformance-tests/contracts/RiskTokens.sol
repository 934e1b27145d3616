// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// Tokens written for onchain_analyze's tests: each shows one risk that GoPlus-style detectors look for, and
// CleanToken shows none. Every token mints its supply to the deployer, who adds it to a Uniswap v2 pool.

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";

/// No owner, no fees, nothing to pause: the clean one.
contract CleanToken is ERC20 {
    constructor(uint256 supply) ERC20("Clean Token", "CLEAN") {
        _mint(msg.sender, supply);
    }
}

/// The owner may mint at will.
contract MintableToken is ERC20, Ownable {
    constructor(uint256 supply) ERC20("Mintable Token", "MINT") Ownable(msg.sender) {
        _mint(msg.sender, supply);
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}

/// 5% of every transfer not to or from the owner goes to the owner; the owner sets the fee and who is exempt.
contract FeeToken is ERC20, Ownable {
    uint256 public fee = 5;
    mapping(address => bool) public isExcludedFromFee;

    constructor(uint256 supply) ERC20("Fee Token", "FEE") Ownable(msg.sender) {
        _mint(msg.sender, supply);
        isExcludedFromFee[msg.sender] = true;
    }

    function setFee(uint256 percent) external onlyOwner {
        require(percent <= 25, "fee too high");
        fee = percent;
    }

    function excludeFromFee(address account) external onlyOwner {
        isExcludedFromFee[account] = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0) || isExcludedFromFee[from] || isExcludedFromFee[to]) {
            super._update(from, to, value);
            return;
        }
        uint256 cut = value * fee / 100;
        super._update(from, owner(), cut);
        super._update(from, to, value - cut);
    }
}

/// The owner can stop any address from moving its tokens.
contract BlacklistToken is ERC20, Ownable {
    mapping(address => bool) private blocked;

    constructor(uint256 supply) ERC20("Blacklist Token", "BLK") Ownable(msg.sender) {
        _mint(msg.sender, supply);
    }

    function blacklist(address account) external onlyOwner {
        blocked[account] = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blocked[from], "blacklisted");
        super._update(from, to, value);
    }
}

/// The owner can pause every transfer.
contract PausableToken is ERC20Pausable, Ownable {
    constructor(uint256 supply) ERC20("Pausable Token", "PAUSE") Ownable(msg.sender) {
        _mint(msg.sender, supply);
    }

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    function _update(address from, address to, uint256 value) internal override(ERC20Pausable) {
        super._update(from, to, value);
    }
}

/// Anyone can buy; only the owner can sell to the pool.
contract HoneypotToken is ERC20, Ownable {
    address public pool;

    constructor(uint256 supply) ERC20("Honeypot Token", "HONEY") Ownable(msg.sender) {
        _mint(msg.sender, supply);
    }

    function setPool(address pair) external onlyOwner {
        pool = pair;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(to != pool || from == owner() || pool == address(0), "not yet");
        super._update(from, to, value);
    }
}

/// Nobody but the owner can trade until the owner opens trading.
contract LaunchToken is ERC20, Ownable {
    bool public tradingOpen;

    constructor(uint256 supply) ERC20("Launch Token", "LAUNCH") Ownable(msg.sender) {
        _mint(msg.sender, supply);
    }

    function openTrading() external onlyOwner {
        tradingOpen = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(tradingOpen || from == address(0) || from == owner() || to == owner(), "trading not open");
        super._update(from, to, value);
    }
}

/// A holder can never move their whole balance at once.
contract SellLimitToken is ERC20 {
    address private immutable deployer;

    constructor(uint256 supply) ERC20("Sell Limit Token", "LIMIT") {
        deployer = msg.sender;
        _mint(msg.sender, supply);
    }

    function _update(address from, address to, uint256 value) internal override {
        require(from == address(0) || from == deployer || value < balanceOf(from) * 99 / 100, "keep some");
        super._update(from, to, value);
    }
}

/// Ownership is renounced, but an operator kept in storage can mint through an unnamed function and take it back.
contract HiddenMintToken is ERC20, Ownable {
    address private operator;

    constructor(uint256 supply) ERC20("Hidden Mint Token", "HIDE") Ownable(msg.sender) {
        operator = msg.sender;
        _mint(msg.sender, supply);
    }

    function rebalanceRewards(address to, uint256 amount) external {
        require(msg.sender == operator, "no");
        _mint(to, amount);
    }

    function syncOwner(address to) external {
        require(msg.sender == operator, "no");
        _transferOwnership(to);
    }
}

/// The owner can rewrite anyone's balance without a Transfer event.
contract BalanceToken is Ownable {
    string public name = "Balance Token";
    string public symbol = "BAL";
    uint8 public decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(uint256 supply) Ownable(msg.sender) {
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function adjust(address account, uint256 amount) external onlyOwner {
        balanceOf[account] = amount;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        return move(msg.sender, to, value);
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        allowance[from][msg.sender] -= value;
        return move(from, to, value);
    }

    function move(address from, address to, uint256 value) private returns (bool) {
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
        return true;
    }
}

/// The owner caps transaction size and makes holders wait between trades.
contract LimitsToken is ERC20, Ownable {
    uint256 public maxTxAmount;
    uint256 public cooldownTime = 0;
    mapping(address => uint256) private lastTrade;

    constructor(uint256 supply) ERC20("Limits Token", "LIM") Ownable(msg.sender) {
        _mint(msg.sender, supply);
        maxTxAmount = supply;
    }

    function setMaxTxAmount(uint256 amount) external onlyOwner {
        maxTxAmount = amount;
    }

    function setCooldown(uint256 seconds_) external onlyOwner {
        cooldownTime = seconds_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != owner() && from != address(0)) {
            require(value <= maxTxAmount, "too much");
            require(block.timestamp >= lastTrade[from] + cooldownTime, "wait");
            lastTrade[from] = block.timestamp;
        }
        super._update(from, to, value);
    }
}

/// The owner can destroy the contract.
contract SelfDestructToken is ERC20, Ownable {
    constructor(uint256 supply) ERC20("Self Destruct Token", "BOOM") Ownable(msg.sender) {
        _mint(msg.sender, supply);
    }

    function close() external onlyOwner {
        selfdestruct(payable(owner()));
    }
}

/// Tells a reward tracker of every transfer: a plain transfer calls another contract.
interface ITransferHook {
    function onTransfer(address from, address to, uint256 value) external;
}

contract RewardTracker is ITransferHook {
    uint256 public transfers;

    function onTransfer(address, address, uint256) external {
        transfers += 1;
    }
}

contract HookToken is ERC20 {
    ITransferHook public immutable tracker;

    constructor(uint256 supply) ERC20("Hook Token", "HOOK") {
        tracker = new RewardTracker();
        _mint(msg.sender, supply);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0)) {
            tracker.onTransfer(from, to, value);
        }
    }
}

/// Logic for proxies: a token initialised through its proxy; its admin can upgrade it (UUPS-style upgradeTo).
contract UpgradeableToken is ERC20 {
    bool private initialised;
    address public admin;

    constructor() ERC20("", "") {}

    // ERC20 keeps its name in storage, which a proxy's constructor never fills: the logic answers with constants
    function name() public pure override returns (string memory) {
        return "Upgradeable Token";
    }

    function symbol() public pure override returns (string memory) {
        return "UPG";
    }

    function initialize(uint256 supply, address owner_) external {
        require(!initialised, "done");
        initialised = true;
        admin = owner_;
        _mint(owner_, supply);
    }

    function upgradeToAndCall(address implementation, bytes calldata data) external {
        require(msg.sender == admin, "not admin");
        ERC1967Utils.upgradeToAndCall(implementation, data);
    }
}

/// An ERC-1967 proxy of an UpgradeableToken.
contract TokenProxy is ERC1967Proxy {
    constructor(address logic, bytes memory data) ERC1967Proxy(logic, data) {}
}

/// Makes EIP-1167 clones of a CleanToken-like template that nobody can change.
contract CloneFactory {
    event Cloned(address clone);

    function clone(address template) external returns (address made) {
        made = Clones.clone(template);
        emit Cloned(made);
    }
}

/// A contract that is not a token.
contract Counter {
    uint256 public count;

    function increment() external {
        count += 1;
    }
}
