package dev.hal9.api.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.View;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 20: which clients declared MCP Apps, and what the others see of the views (nothing). */
class AppsExtensionTest {

    private static final Map<String, Object> UI = Map.of("mimeTypes", List.of(View.MIME_TYPE));

    @Test
    void onlyTheHtmlMimeTypeUnderTheExtensionsIdentifierDeclaresIt() {
        assertThat(AppsExtension.declared(Map.of(View.EXTENSION, UI))).isTrue();
        assertThat(AppsExtension.declared(Map.of(View.EXTENSION, Map.of("mimeTypes", List.of("text/html")))))
                .isFalse();
        assertThat(AppsExtension.declared(Map.of("io.modelcontextprotocol/other", UI)))
                .isFalse();
        assertThat(AppsExtension.declared((Map<String, Map<String, Object>>) null))
                .isFalse();
        assertThat(AppsExtension.declaredInInitialize(
                        Map.of("capabilities", Map.of("extensions", Map.of(View.EXTENSION, UI)))))
                .isTrue();
        assertThat(AppsExtension.declaredInInitialize(Map.of("capabilities", Map.of())))
                .isFalse();
        // an extension whose settings are not an object declares nothing, and breaks nothing
        assertThat(AppsExtension.declaredInInitialize(
                        Map.of("capabilities", Map.of("extensions", Map.of(View.EXTENSION, "yes")))))
                .isFalse();
    }

    @Test
    void aClientWithoutTheExtensionGetsListsWithoutViews() {
        McpSchema.Tool viewed = McpSchema.Tool.builder()
                .name("amazon_search")
                .inputSchema(Map.of("type", "object"))
                .meta(Map.of("ui", Map.of("resourceUri", "ui://hal9/amazon/products"), "other", 1))
                .build();
        McpSchema.Tool only = McpSchema.Tool.builder()
                .name("amazon_cart")
                .inputSchema(Map.of("type", "object"))
                .meta(AppsExtension.toolMeta("ui://hal9/amazon/cart"))
                .build();
        McpSchema.JSONRPCResponse tools = new McpSchema.JSONRPCResponse(
                "2.0", 1, new McpSchema.ListToolsResult(List.of(viewed, only), null), null);
        var shaped = (McpSchema.ListToolsResult)
                ((McpSchema.JSONRPCResponse) AppsExtension.forClient(tools, false)).result();
        assertThat(shaped.tools().get(0).meta()).isEqualTo(Map.of("other", 1));
        assertThat(shaped.tools().get(1).meta()).isNull();
        assertThat(AppsExtension.forClient(tools, true)).isSameAs(tools);

        McpSchema.Resource page = McpSchema.Resource.builder()
                .uri("ui://hal9/payment")
                .name("payment")
                .build();
        McpSchema.Resource download = McpSchema.Resource.builder()
                .uri("hal9://browser/bs_x/downloads/a.csv")
                .name("a.csv")
                .build();
        var resources = new McpSchema.ListResourcesResult(List.of(page, download), null);
        assertThat(((McpSchema.ListResourcesResult) AppsExtension.forClient(resources, false)).resources())
                .containsExactly(download);
        assertThat(AppsExtension.forClient(resources, true)).isSameAs(resources);
    }
}
