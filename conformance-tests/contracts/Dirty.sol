// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A contract whose functions return words no ABI encoder writes, the way a hostile or broken contract can:
/// a uint8 of 256, an address with dirty high bytes, a string whose length runs past the data. A strict decoder
/// refuses each; hal9's contract_read must.
contract Dirty {
    function small() external pure returns (uint8) {
        assembly {
            mstore(0, 256)
            return(0, 32)
        }
    }

    function owner() external pure returns (address) {
        assembly {
            mstore(0, not(0))
            return(0, 32)
        }
    }

    function label() external pure returns (string memory) {
        assembly {
            mstore(0, 0x20)
            mstore(0x20, 1000)
            return(0, 64)
        }
    }
}
