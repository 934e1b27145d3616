package dev.hal9.tools.analysis;

import dev.hal9.tools.chain.Ton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TEP-74 jetton master's risks, as far as toncenter's v2 API shows them: its admin (the jetton's owner) and
 * whether it is renounced, whether it is mintable, and its supply. Holders and trades are not in that API.
 */
final class JettonAnalysis {

    private JettonAnalysis() {}

    static TokenAnalysis.Report run(Ton.JettonMaster master, int budget, long started, long now) {
        List<TokenAnalysis.Finding> findings = new ArrayList<>();
        boolean renounced = master.admin() == null;
        String call = "toncenter runGetMethod get_jetton_data on " + master.address();
        if (master.mintable() && !renounced) {
            findings.add(new TokenAnalysis.Finding(
                    "is_mintable",
                    "1",
                    "high",
                    "The admin " + master.admin() + " can mint more of it.",
                    List.of(call + ": mintable = -1 (true), admin_address = " + master.admin())));
        } else if (master.mintable()) {
            findings.add(new TokenAnalysis.Finding(
                    "is_mintable",
                    "1",
                    "low",
                    "The master says it is mintable, but it has no admin left to mint.",
                    List.of(call + ": mintable = -1 (true), admin_address = addr_none")));
        } else {
            findings.add(new TokenAnalysis.Finding(
                    "is_mintable", "0", "none", "No more can be minted.", List.of(call + ": mintable = 0 (false)")));
        }
        findings.add(new TokenAnalysis.Finding(
                "can_take_back_ownership",
                "0",
                renounced ? "none" : "medium",
                renounced
                        ? "The admin is renounced (addr_none): nobody can change the master."
                        : "The admin " + master.admin() + " keeps the admin's powers (mint, change the admin and the "
                                + "metadata; a custom master may allow more).",
                List.of(call + ": admin_address = " + (renounced ? "addr_none" : master.admin()))));
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("is_contract", "1");
        if (!renounced) {
            fields.put("owner_address", master.admin());
        }
        findings.forEach(f -> fields.putIfAbsent(f.field(), f.value()));
        String risk = findings.stream().anyMatch(f -> f.risk().equals("high"))
                ? "high"
                : findings.stream().anyMatch(f -> f.risk().equals("medium")) ? "medium" : "none";
        List<String> notDone = List.of(
                "holders, pools and trades: toncenter's v2 API lists neither jetton holders nor DEX pools",
                "metadata: "
                        + (master.contentUri() == null
                                ? "kept on chain, not decoded"
                                : "off chain at " + master.contentUri() + ", not fetched")
                        + ", so the supply is given in the smallest units");
        String summary = "Jetton master " + master.address() + " on ton: supply " + master.totalSupply()
                + " (smallest units); " + (renounced ? "admin renounced" : "admin " + master.admin())
                + (master.mintable() ? ", mintable" : ", not mintable") + ".";
        return new TokenAnalysis.Report(
                "ton",
                master.address(),
                "jetton",
                null,
                null,
                null,
                master.totalSupply().toString(),
                renounced ? null : master.admin(),
                null,
                null,
                null,
                findings,
                fields,
                List.of(),
                null,
                false,
                null,
                List.of(),
                risk,
                summary,
                notDone,
                2,
                0,
                budget,
                now - started);
    }
}
