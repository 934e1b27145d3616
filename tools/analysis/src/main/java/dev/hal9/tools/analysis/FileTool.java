package dev.hal9.tools.analysis;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Param;
import dev.hal9.api.Resource;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;
import tools.jackson.databind.JsonNode;

/**
 * file_read: files the operator or the user put in the upload folder, or a server resource (a browser download,
 * say), read a page at a time: PDF text by pages (Apache PDFBox), CSV and JSON arrays as tables of rows, other text
 * by characters. Paths are confined to the folder. Thread-safe.
 */
final class FileTool {

    record FileInput(
            @Param(
                    value = "A file in the upload folder, e.g. \"whitepaper.pdf\" or \"reports/q3.csv\"; omit it (and "
                            + "uri) to list the folder.",
                    maxLength = 500)
            String path,

            @Param(value = "Or a server resource's URI, e.g. a browser download.", maxLength = 1000)
            String uri,

            @Param(
                    value = "Which page to read, from 1: PDF pages, rows or characters per page (default 1).",
                    minimum = 1)
            Integer page) {}

    record Listed(
            @Param("The path to give file_read.") String path,
            @Param("Its size in bytes.") long bytes) {}

    record FileOutput(
            @Param("The file read, or the folder listed.") String path,
            @Param("pdf, csv, json, text, or folder.") String type,
            @Param("The page returned.") int page,
            @Param("How many pages there are.") int pages,
            @Param("PDF and text: this page's text.") String text,
            @Param("CSV and JSON tables: the column names.") List<String> columns,

            @Param("CSV and JSON tables: this page's rows, by column.")
            List<Map<String, Object>> rows,

            @Param("Rows in the whole table.") Integer totalRows,
            @Param("A folder listing: the files.") List<Listed> files,

            @Param("What to call for more, when there is more.")
            String next) {}

    private static final int PDF_PAGES_PER_PAGE = 5;
    private static final int ROWS_PER_PAGE = 100;
    private static final int CHARS_PER_PAGE = 20_000;
    private static final long MAX_BYTES = 50L * 1024 * 1024;

    private final FamilyContext context;
    private final Path folder;

    FileTool(FamilyContext context, AnalysisSettings settings) {
        this.context = context;
        this.folder = settings.filesFolder();
    }

    Tool<FileInput, FileOutput> tool() {
        return Tool.builder("file_read", FileInput.class, FileOutput.class)
                .title("Read an uploaded file")
                .description("Read a file from the upload folder the operator set up, or a server resource such as a "
                        + "browser download, a page at a time: a PDF's text (5 PDF pages per page), CSV and JSON "
                        + "arrays as rows with their columns (100 rows per page), other text by 20,000 characters. "
                        + "Without a path it lists the folder.")
                .kind(ToolKind.READ_ONLY)
                .capability("analysis.files")
                .handler(this::read)
                .render(FileTool::render)
                .build();
    }

    private FileOutput read(FileInput input, ToolCall call) {
        int page = input.page() == null ? 1 : input.page();
        if (input.uri() != null && !input.uri().isBlank()) {
            if (input.path() != null && !input.path().isBlank()) {
                throw ToolException.badArgument("uri", "give a path or a uri, not both");
            }
            List<Resource.Content> contents = context.readResource(input.uri(), call);
            if (contents.isEmpty()) {
                throw ToolException.badArgument("uri", "names a resource with no content");
            }
            Resource.Content content = contents.get(0);
            byte[] bytes = content.text() != null ? content.text().getBytes(StandardCharsets.UTF_8) : content.bytes();
            return parse(input.uri(), type(input.uri(), content.mimeType(), bytes), bytes, page);
        }
        if (input.path() == null || input.path().isBlank()) {
            return list();
        }
        Path file = resolve(input.path());
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw ToolException.badArgument(
                        "path",
                        "is " + size / (1024 * 1024) + " MiB; at most " + MAX_BYTES / (1024 * 1024) + " MiB are read");
            }
            byte[] bytes = Files.readAllBytes(file);
            return parse(input.path(), type(input.path(), null, bytes), bytes, page);
        } catch (IOException e) {
            throw new ToolException("could not read " + input.path() + ": " + e.getMessage());
        }
    }

    private Path resolve(String path) {
        Path file;
        try {
            file = folder.resolve(path).normalize();
        } catch (InvalidPathException e) {
            throw ToolException.badArgument("path", "'" + path + "' is not a file name");
        }
        if (!file.startsWith(folder)) {
            throw ToolException.badArgument(
                    "path",
                    "'" + path + "' is outside the upload folder; give a path inside "
                            + "it, as file_read without a path lists");
        }
        if (!Files.isRegularFile(file)) {
            throw ToolException.badArgument(
                    "path",
                    "there is no file '" + path + "' in the upload folder; "
                            + "file_read without a path lists what is there");
        }
        try {
            if (!file.toRealPath().startsWith(folder.toRealPath())) {
                throw ToolException.badArgument("path", "'" + path + "' links outside the upload folder");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private FileOutput list() {
        List<Listed> files = new ArrayList<>();
        if (Files.isDirectory(folder)) {
            try (Stream<Path> walk = Files.walk(folder, 4)) {
                walk.filter(Files::isRegularFile).sorted().limit(500).forEach(f -> {
                    try {
                        files.add(new Listed(folder.relativize(f).toString(), Files.size(f)));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException e) {
                throw new ToolException("could not list the upload folder: " + e.getMessage());
            }
        }
        return new FileOutput(
                folder.toString(),
                "folder",
                1,
                1,
                null,
                null,
                null,
                null,
                files,
                files.isEmpty() ? "the folder is empty: put files in " + folder : null);
    }

    private static String type(String name, String mimeType, byte[] bytes) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".pdf")
                || "application/pdf".equals(mimeType)
                || bytes.length > 4 && new String(bytes, 0, 5, StandardCharsets.US_ASCII).equals("%PDF-")) {
            return "pdf";
        }
        if (lower.endsWith(".csv") || lower.endsWith(".tsv") || "text/csv".equals(mimeType)) {
            return "csv";
        }
        if (lower.endsWith(".json") || "application/json".equals(mimeType)) {
            return "json";
        }
        return "text";
    }

    private static FileOutput parse(String name, String type, byte[] bytes, int page) {
        return switch (type) {
            case "pdf" -> pdf(name, bytes, page);
            case "csv" -> csv(name, new String(bytes, StandardCharsets.UTF_8), page);
            case "json" -> json(name, new String(bytes, StandardCharsets.UTF_8), page);
            default -> text(name, "text", new String(bytes, StandardCharsets.UTF_8), page);
        };
    }

    private static FileOutput pdf(String name, byte[] bytes, int page) {
        try (PDDocument document = Loader.loadPDF(bytes)) {
            int total = document.getNumberOfPages();
            int pages = Math.max(1, (total + PDF_PAGES_PER_PAGE - 1) / PDF_PAGES_PER_PAGE);
            checkPage(page, pages);
            PDFTextStripper stripper = new PDFTextStripper();
            stripper.setSortByPosition(true);
            stripper.setStartPage((page - 1) * PDF_PAGES_PER_PAGE + 1);
            stripper.setEndPage(Math.min(total, page * PDF_PAGES_PER_PAGE));
            String text = stripper.getText(document).strip();
            String next = page < pages
                    ? "file_read page " + (page + 1) + " (PDF pages " + (page * PDF_PAGES_PER_PAGE + 1) + "-"
                            + Math.min(total, (page + 1) * PDF_PAGES_PER_PAGE) + " of " + total + ")"
                    : null;
            if (text.isEmpty() && total > 0) {
                text = "(no text on PDF pages " + stripper.getStartPage() + "-" + stripper.getEndPage()
                        + ": they are probably scanned images)";
            }
            return new FileOutput(name, "pdf", page, pages, text, null, null, null, null, next);
        } catch (InvalidPasswordException e) {
            throw ToolException.badArgument("path", name + " is a password-protected PDF, which file_read cannot open");
        } catch (IOException e) {
            throw ToolException.badArgument("path", name + " is not a readable PDF: " + e.getMessage());
        }
    }

    private static FileOutput csv(String name, String text, int page) {
        String first = text.lines().findFirst().orElse("");
        char delimiter = name.toLowerCase(Locale.ROOT).endsWith(".tsv") || count(first, '\t') > count(first, ',')
                ? '\t'
                : count(first, ';') > count(first, ',') ? ';' : ',';
        CSVFormat format = CSVFormat.DEFAULT
                .builder()
                .setDelimiter(delimiter)
                .setHeader()
                .setSkipHeaderRecord(true)
                .setAllowMissingColumnNames(true)
                .setIgnoreEmptyLines(true)
                .get();
        try (Reader reader = new StringReader(text.startsWith("\uFEFF") ? text.substring(1) : text);
                CSVParser parser = CSVParser.parse(reader, format)) {
            List<String> columns = parser.getHeaderNames();
            List<Map<String, Object>> rows = new ArrayList<>();
            int index = 0;
            int from = (page - 1) * ROWS_PER_PAGE;
            Iterator<CSVRecord> records = parser.iterator();
            while (records.hasNext()) {
                CSVRecord record = records.next();
                if (index >= from && index < from + ROWS_PER_PAGE) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 0; i < columns.size() && i < record.size(); i++) {
                        row.put(columns.get(i).isEmpty() ? "column " + (i + 1) : columns.get(i), record.get(i));
                    }
                    rows.add(row);
                }
                index++;
            }
            int pages = Math.max(1, (index + ROWS_PER_PAGE - 1) / ROWS_PER_PAGE);
            checkPage(page, pages);
            return new FileOutput(
                    name,
                    "csv",
                    page,
                    pages,
                    null,
                    columns,
                    rows,
                    index,
                    null,
                    page < pages ? "file_read page " + (page + 1) : null);
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            throw ToolException.badArgument("path", name + " is not well-formed CSV: " + e.getMessage());
        }
    }

    private static FileOutput json(String name, String text, int page) {
        JsonNode root;
        try {
            root = Web.JSON.readTree(text);
        } catch (RuntimeException e) {
            throw ToolException.badArgument("path", name + " is not valid JSON: " + e.getMessage());
        }
        if (root.isArray() && !root.isEmpty() && root.get(0).isObject()) {
            List<String> columns = new ArrayList<>();
            for (JsonNode element : root) {
                element.propertyNames().forEach(f -> {
                    if (!columns.contains(f)) {
                        columns.add(f);
                    }
                });
            }
            int pages = Math.max(1, (root.size() + ROWS_PER_PAGE - 1) / ROWS_PER_PAGE);
            checkPage(page, pages);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = (page - 1) * ROWS_PER_PAGE; i < Math.min(root.size(), page * ROWS_PER_PAGE); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                JsonNode element = root.get(i);
                for (String column : columns) {
                    JsonNode value = element.get(column);
                    row.put(
                            column,
                            value == null || value.isNull()
                                    ? null
                                    : value.isValueNode() ? value.asString() : value.toString());
                }
                rows.add(row);
            }
            return new FileOutput(
                    name,
                    "json",
                    page,
                    pages,
                    null,
                    columns,
                    rows,
                    root.size(),
                    null,
                    page < pages ? "file_read page " + (page + 1) : null);
        }
        return text(name, "json", root.toPrettyString(), page);
    }

    private static FileOutput text(String name, String type, String text, int page) {
        int pages = Math.max(1, (text.length() + CHARS_PER_PAGE - 1) / CHARS_PER_PAGE);
        checkPage(page, pages);
        String part = text.substring((page - 1) * CHARS_PER_PAGE, Math.min(text.length(), page * CHARS_PER_PAGE));
        return new FileOutput(
                name,
                type,
                page,
                pages,
                part,
                null,
                null,
                null,
                null,
                page < pages ? "file_read page " + (page + 1) : null);
    }

    private static void checkPage(int page, int pages) {
        if (page > pages) {
            throw ToolException.badArgument(
                    "page", "is " + page + ", but there " + (pages == 1 ? "is 1 page" : "are " + pages + " pages"));
        }
    }

    private static int count(String line, char c) {
        return (int) line.chars().filter(x -> x == c).count();
    }

    private static String render(FileOutput output) {
        StringBuilder text = new StringBuilder(
                output.path() + " (" + output.type() + ", page " + output.page() + " of " + output.pages() + ")");
        if (output.files() != null) {
            output.files().forEach(f -> text.append("\n- ")
                    .append(f.path())
                    .append(" (")
                    .append(f.bytes())
                    .append(" bytes)"));
        }
        if (output.text() != null) {
            text.append("\n\n").append(output.text());
        }
        if (output.rows() != null) {
            text.append("\n\n").append(String.join(" | ", output.columns()));
            output.rows().forEach(r -> text.append("\n")
                    .append(String.join(
                            " | ", r.values().stream().map(String::valueOf).toList())));
        }
        if (output.next() != null) {
            text.append("\n\nMore: ").append(output.next());
        }
        return text.toString();
    }
}
