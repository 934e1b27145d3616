// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A contract whose call moves the caller's tokens without any standard token function in its call data: once a
/// wallet approved it, collect() pulls that wallet's tokens to the beneficiary. ping() moves nothing. Used to show
/// that hal9 prices a contract call by what a simulation shows it moving, not by its selector or its gas.
contract Collector {
    address public immutable beneficiary;
    uint256 public pings;

    constructor(address to) {
        beneficiary = to;
    }

    function ping() external {
        pings += 1;
    }

    function collect(address token, address from, uint256 amount) external {
        (bool ok, bytes memory answer) = token.call(
            abi.encodeWithSignature("transferFrom(address,address,uint256)", from, beneficiary, amount));
        require(ok && (answer.length == 0 || abi.decode(answer, (bool))), "transferFrom failed");
    }
}
