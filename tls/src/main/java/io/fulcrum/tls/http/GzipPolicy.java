package io.fulcrum.tls.http;

import io.fulcrum.tls.GzipSettings;
import io.netty.buffer.ByteBuf;

/** Decides whether one response is compressed, reading the parsed heads in place. */
final class GzipPolicy {
    private static final byte[] GZIP = HeaderName.ascii("gzip");
    private final GzipSettings settings;
    private final byte[][] types;

    GzipPolicy(GzipSettings settings) {
        this.settings = settings;
        this.types = settings.mimeTypes().stream().map(HeaderName::ascii).toArray(byte[][]::new);
    }

    boolean enabled() {
        return settings.enabled();
    }

    int level() {
        return settings.level();
    }

    /** Whether the client accepts gzip (token in Accept-Encoding, q not 0 is not checked beyond "gzip;q=0"). */
    boolean clientAccepts(ByteBuf reqHead, Http1HeadParser req) {
        if (!settings.enabled()) {
            return false;
        }
        final int h = req.indexOf(HeaderName.ACCEPT_ENCODING);
        if (h < 0) {
            return false;
        }
        final int base = reqHead.readerIndex();
        final int vs = base + req.valueStart[h];
        final int ve = base + req.valueEnd[h];
        for (int i = vs; i + 4 <= ve; i++) {
            if (HeaderName.equalsLower(reqHead, i, GZIP)) {
                final boolean startOk = i == vs || reqHead.getByte(i - 1) == ',' || reqHead.getByte(i - 1) == ' ';
                int j = i + 4;
                while (j < ve && (reqHead.getByte(j) == ' ')) {
                    j++;
                }
                if (startOk && (j == ve || reqHead.getByte(j) == ',' || !isQZero(reqHead, j, ve))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isQZero(ByteBuf b, int at, int end) {
        // ";q=0", ";q=0.0", ";q=0.00"
        int i = at;
        if (i >= end || b.getByte(i) != ';') {
            return false;
        }
        i++;
        while (i < end && b.getByte(i) == ' ') {
            i++;
        }
        if (i + 3 > end || (b.getByte(i) | 0x20) != 'q' || b.getByte(i + 1) != '=' || b.getByte(i + 2) != '0') {
            return false;
        }
        for (i += 3; i < end && b.getByte(i) != ','; i++) {
            if (b.getByte(i) != '.' && b.getByte(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** Whether the response qualifies: 200, no Content-Encoding, listed type, large enough or of unknown length. */
    boolean responseQualifies(ByteBuf respHead, Http1HeadParser resp) {
        if (resp.status != 200 || resp.indexOf(HeaderName.CONTENT_ENCODING) >= 0) {
            return false;
        }
        if (resp.contentLength >= 0 && resp.contentLength < settings.minLengthBytes()) {
            return false;
        }
        final int h = resp.indexOf(HeaderName.CONTENT_TYPE);
        if (h < 0) {
            return false;
        }
        final int base = respHead.readerIndex();
        final int vs = base + resp.valueStart[h];
        int ve = vs;
        final int end = base + resp.valueEnd[h];
        while (ve < end && respHead.getByte(ve) != ';' && respHead.getByte(ve) != ' ') {
            ve++;
        }
        for (byte[] t : types) {
            if (t.length == ve - vs && HeaderName.equalsLower(respHead, vs, t)) {
                return true;
            }
        }
        return false;
    }
}
