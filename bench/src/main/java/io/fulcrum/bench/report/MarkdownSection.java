package io.fulcrum.bench.report;

/** Replaces the generated part of a hand-written Markdown file, between a begin and an end marker. */
public final class MarkdownSection {
    private MarkdownSection() {
    }

    /**
     * Returns {@code document} with the text between {@code <!-- NAME:begin -->} and {@code <!-- NAME:end -->}
     * replaced by {@code body}; when the markers are missing the section is appended at the end.
     */
    public static String replace(final String document, final String name, final String body) {
        final String begin = "<!-- " + name + ":begin -->";
        final String end = "<!-- " + name + ":end -->";
        final String block = begin + "\n" + body.strip() + "\n" + end;
        final int b = document.indexOf(begin);
        final int e = document.indexOf(end);
        if (b < 0 && e < 0) {
            return document.stripTrailing() + "\n\n" + block + "\n";
        }
        if (b < 0 || e < b) {
            throw new IllegalArgumentException("the markers " + begin + " / " + end + " are broken in the document");
        }
        return document.substring(0, b) + block + document.substring(e + end.length());
    }
}
