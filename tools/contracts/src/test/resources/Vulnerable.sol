// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// A bank with the classic mistakes, for the audit tests. Line numbers matter: the tests assert them.
contract Vulnerable {
    mapping(address => uint256) public balances;
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
        balances[msg.sender] = 0;
    }

    function sweep(address payable to) external {
        require(tx.origin == owner, "not owner");
        to.call{value: address(this).balance}("");
    }

    function setOwner(address next) external {
        owner = next;
    }
}
