package dev.hal9.tools.analysis;

import dev.hal9.api.ToolException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 feeds read into items: title, link, summary (markup removed) and date. The
 * parser refuses DTDs and external entities, so a hostile feed cannot read files or reach other hosts. Stateless.
 */
final class Feeds {

    record Item(String title, String link, String summary, String published) {}

    private Feeds() {}

    static List<Item> parse(String feed, String xml) {
        Document document;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            document = builder.parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new ToolException("the feed " + feed + " is not RSS or Atom XML: " + e.getMessage());
        }
        List<Item> items = new ArrayList<>();
        Element root = document.getDocumentElement();
        boolean atom = "feed".equals(root.getLocalName());
        NodeList entries = root.getElementsByTagNameNS("*", atom ? "entry" : "item");
        for (int i = 0; i < entries.getLength(); i++) {
            Element entry = (Element) entries.item(i);
            String title = text(child(entry, "title"));
            String link;
            String summary;
            String published;
            if (atom) {
                Element linkElement = child(entry, "link");
                link = linkElement == null ? null : linkElement.getAttribute("href");
                summary = text(child(entry, "summary"));
                if (summary == null) {
                    summary = text(child(entry, "content"));
                }
                published = text(child(entry, "published"));
                if (published == null) {
                    published = text(child(entry, "updated"));
                }
            } else {
                link = text(child(entry, "link"));
                summary = text(child(entry, "description"));
                published = text(child(entry, "pubDate"));
                if (published == null) {
                    published = text(child(entry, "date")); // RSS 1.0's dc:date
                }
            }
            items.add(new Item(title, link, summary == null ? null : plain(summary), published));
        }
        return items;
    }

    private static Element child(Element parent, String localName) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && localName.equals(element.getLocalName())) {
                return element;
            }
        }
        return null;
    }

    private static String text(Element element) {
        if (element == null) {
            return null;
        }
        String text = element.getTextContent().strip();
        return text.isEmpty() ? null : text;
    }

    /** Markup removed from a summary that carries HTML, and its spaces collapsed. */
    static String plain(String html) {
        String text = html.replaceAll("(?s)<[^>]*>", " ")
                .replace("&nbsp;", " ")
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'");
        return text.replaceAll("\\s+", " ").strip();
    }
}
