// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

// hal9's trade probe. It never lives on a chain: onchain_analyze places its runtime code at an unused address
// through an eth_call state override, funds it the same way, and calls probe() once. In that one call it buys the
// token through a Uniswap-v2-style router, passes 1% of what it got to another address, then sells the rest back,
// and reports what the pool promised against what arrived at each step. Nothing is mined.
//
// Rebuild the runtime code in src/main/resources/dev/hal9/tools/analysis/TradeProbe.bin-runtime with solc 0.8.37,
// optimizer on, 200 runs (AnalysisFlowTest checks that it matches this source).

interface IRouter {
    function WETH() external view returns (address);

    function getAmountsOut(uint256 amountIn, address[] calldata path) external view returns (uint256[] memory);

    function swapExactETHForTokensSupportingFeeOnTransferTokens(
        uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external payable;

    function swapExactTokensForETHSupportingFeeOnTransferTokens(
        uint256 amountIn, uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external;
}

interface IToken {
    function balanceOf(address owner) external view returns (uint256);

    function approve(address spender, uint256 amount) external returns (bool);

    function transfer(address to, uint256 amount) external returns (bool);
}

contract TradeProbe {
    struct Outcome {
        bool bought;
        uint256 expectedBuy;
        uint256 received;
        bool transferred;
        uint256 sentOn;
        uint256 arrived;
        bool soldAll;
        bool soldPart;
        uint256 sold;
        uint256 expectedSell;
        uint256 gotBack;
        bytes buyError;
        bytes sellError;
    }

    receive() external payable {}

    function probe(address router, address token, uint256 amountIn, address other)
        external
        returns (Outcome memory o)
    {
        IRouter r = IRouter(router);
        address[] memory buyPath = new address[](2);
        buyPath[0] = r.WETH();
        buyPath[1] = token;
        o.expectedBuy = r.getAmountsOut(amountIn, buyPath)[1];
        try r.swapExactETHForTokensSupportingFeeOnTransferTokens{value: amountIn}(0, buyPath, address(this), block.timestamp) {
            o.bought = true;
        } catch (bytes memory reason) {
            o.buyError = reason;
            return o;
        }
        o.received = IToken(token).balanceOf(address(this));

        o.sentOn = o.received / 100;
        if (o.sentOn > 0) {
            try IToken(token).transfer(other, o.sentOn) {
                o.transferred = true;
                o.arrived = IToken(token).balanceOf(other);
            } catch {}
        }

        uint256 holding = IToken(token).balanceOf(address(this));
        IToken(token).approve(router, type(uint256).max);
        address[] memory sellPath = new address[](2);
        sellPath[0] = token;
        sellPath[1] = buyPath[0];
        o.sold = holding;
        try r.getAmountsOut(holding, sellPath) returns (uint256[] memory amounts) {
            o.expectedSell = amounts[1];
        } catch {}
        uint256 before = address(this).balance;
        try r.swapExactTokensForETHSupportingFeeOnTransferTokens(holding, 0, sellPath, address(this), block.timestamp) {
            o.soldAll = true;
            o.soldPart = true;
            o.gotBack = address(this).balance - before;
        } catch (bytes memory reason) {
            o.sellError = reason;
            uint256 part = holding / 2;
            try r.swapExactTokensForETHSupportingFeeOnTransferTokens(part, 0, sellPath, address(this), block.timestamp) {
                o.soldPart = true;
            } catch {}
        }
    }
}
