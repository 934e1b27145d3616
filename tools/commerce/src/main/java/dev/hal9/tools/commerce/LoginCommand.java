package dev.hal9.tools.commerce;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.PlaywrightException;
import dev.hal9.api.FamilyContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code hal9 login amazon}: the user's own sign-in for the shopping tools. A visible browser opens on the store;
 * the person signs in there (hal9 never sees the password), and the signed-in cookies wait in the commerce family's
 * state until the server's next shopping call hands them to the browser as the principal's {@code amazon} profile
 * ({@link dev.hal9.tools.browser.WebBrowser#adoptProfile}). Or {@code --storage-state} imports a Playwright storage
 * state the person saved elsewhere.
 */
@Command(
        name = "login",
        mixinStandardHelpOptions = true,
        description = "Sign a user in to a store for the shopping tools (the password stays in the browser).",
        footer = {
            "%nExamples:",
            "  hal9 login amazon --principal alice                 a browser window opens; sign in there",
            "  hal9 login amazon --principal alice --storage-state state.json"
        })
final class LoginCommand implements Callable<Integer> {

    /** Where a sign-in waits, per principal, for the server's next shopping call. */
    static final String PENDING = "sign-in/amazon";

    private static final tools.jackson.databind.json.JsonMapper JSON =
            tools.jackson.databind.json.JsonMapper.builder().build();

    private final Supplier<FamilyContext> context;

    LoginCommand(Supplier<FamilyContext> context) {
        this.context = context;
    }

    @Parameters(paramLabel = "STORE", description = "The store: amazon.")
    String store;

    @Option(names = "--principal", required = true, paramLabel = "ID", description = "Whose sign-in this is.")
    String principal;

    @Option(
            names = "--storage-state",
            paramLabel = "FILE",
            description = "Import a Playwright storage state (cookies and local storage) instead of opening a browser.")
    Path storageState;

    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "Where to start (default: the store's order history, which asks for a sign-in).")
    String url;

    @Option(
            names = "--minutes",
            paramLabel = "N",
            defaultValue = "10",
            description = "How long to wait for the sign-in (default ${DEFAULT-VALUE}).")
    int minutes;

    @Override
    public Integer call() throws Exception {
        if (!store.equals("amazon")) {
            System.err.println("hal9: the only store is amazon, not '" + store + "'");
            return 2;
        }
        FamilyContext commerce = context.get();
        String state;
        if (storageState != null) {
            state = Files.readString(storageState);
            JsonNode parsed;
            try {
                parsed = JSON.readTree(state);
            } catch (RuntimeException e) {
                System.err.println("hal9: " + storageState + " is not JSON; give a Playwright storage state file");
                return 2;
            }
            if (!parsed.path("cookies").isArray()) {
                System.err.println("hal9: " + storageState + " has no \"cookies\" array; it is not a Playwright "
                        + "storage state (context.storageState() writes one)");
                return 2;
            }
        } else {
            String base = commerce.requiredSetting("amazon.base-url");
            String executable = commerce.requiredSetting("sign-in-browser");
            state = interactive(executable, url == null ? base + "/gp/css/order-history" : url);
            if (state == null) {
                return 1;
            }
        }
        commerce.state().put(principal, PENDING, state);
        System.out.println("Saved the amazon sign-in for " + principal + "; the shopping tools use it from their next "
                + "call, in a running server too.");
        return 0;
    }

    /** Opens a visible browser and waits until the person has signed in; returns the storage state, or null. */
    private String interactive(String executable, String start) {
        try (Playwright playwright = Playwright.create(
                new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")))) {
            BrowserType.LaunchOptions options = new BrowserType.LaunchOptions().setHeadless(false);
            if (Files.isExecutable(Path.of(executable))) {
                options.setExecutablePath(Path.of(executable)).setArgs(List.of("--no-sandbox"));
            }
            Browser browser;
            try {
                browser = playwright.chromium().launch(options);
            } catch (PlaywrightException e) {
                System.err.println("hal9: could not open a browser window ("
                        + e.getMessage().lines().findFirst().orElse("")
                        + "). Run this where a screen is available, or sign in elsewhere, save the "
                        + "state with Playwright (context.storageState) and use --storage-state FILE.");
                return null;
            }
            BrowserContext context = browser.newContext();
            Page page = context.newPage();
            page.navigate(start);
            System.out.println("Sign in to Amazon in the browser window; hal9 waits up to " + minutes
                    + " minutes and saves the sign-in when you are past the sign-in page.");
            long deadline = System.currentTimeMillis() + minutes * 60_000L;
            while (System.currentTimeMillis() < deadline) {
                if (page.isClosed()) {
                    System.err.println("hal9: the window was closed before the sign-in finished; nothing saved");
                    return null;
                }
                boolean signInShown = page.locator("form[name='signIn'], #ap_email, #ap_password")
                                .count()
                        > 0;
                if (!signInShown && !page.url().contains("/ap/")) {
                    String state = context.storageState();
                    browser.close();
                    return state;
                }
                page.waitForTimeout(1000);
            }
            System.err.println("hal9: no sign-in within " + minutes + " minutes; nothing saved");
            return null;
        }
    }
}
