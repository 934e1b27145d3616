package dev.hal9.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runtime's rooms: it reaches the families only through {@code dev.hal9.api}, and each of its packages keeps
 * to its concern (the command line to {@code cli}, the web server to {@code http}).
 */
class RuntimeLayoutTest {

    private static JavaClasses runtime;

    @BeforeAll
    static void importRuntime() {
        runtime = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.hal9.server");
    }

    @Test
    void theRuntimeNamesNoFamilysClasses() {
        noClasses()
                .that()
                .resideInAPackage("dev.hal9.server..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.hal9.tools..", "dev.hal9.bridge..")
                .because("families contribute tools, commands and settings through dev.hal9.api; the runtime that "
                        + "knows a family's classes, folders or selectors breaks when the family changes them")
                .check(runtime);
    }

    @Test
    void theRuntimeUsesOnlyThePublicApiOfTheFamilyKit() {
        noClasses()
                .that()
                .resideInAPackage("dev.hal9.server..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.hal9.api.testkit..")
                .because("the test kit is for tests")
                .check(runtime);
    }

    @Test
    void onlyTheCommandLineUsesPicocli() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.hal9.server.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("picocli..")
                .check(runtime);
    }

    @Test
    void onlyTheHttpPackageUsesTheWebServer() {
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.hal9.server.http..", "dev.hal9.server.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.helidon..")
                .check(runtime);
    }

    @Test
    void everyPackageSaysWhatItOwns() throws Exception {
        Set<String> packages = runtime.stream().map(JavaClass::getPackageName).collect(Collectors.toSet());
        assertThat(packages).contains("dev.hal9.server", "dev.hal9.server.cli", "dev.hal9.server.guard");
        for (String name : packages) {
            Path info = Path.of("src/main/java", name.replace('.', '/'), "package-info.java");
            assertThat(info).as(name).exists();
            assertThat(Files.readString(info)).as(name).startsWith("/**").contains("package " + name + ";");
        }
    }
}
