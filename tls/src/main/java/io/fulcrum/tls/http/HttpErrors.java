package io.fulcrum.tls.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

/** Responses Fulcrum produces itself: {@code Date}, a small text body and {@code x-fulcrum-error: <reason>}. */
final class HttpErrors {
    private HttpErrors() {
    }

    static String reasonPhrase(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 301 -> "Moved Permanently";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 417 -> "Expectation Failed";
            case 431 -> "Request Header Fields Too Large";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> "Error";
        };
    }

    /** Error response; {@code close} adds {@code Connection: close}. Body: "<status> <phrase>: <reason>\n". */
    static ByteBuf error(ByteBufAllocator alloc, int status, String reason, boolean close, boolean headRequest) {
        final String phrase = reasonPhrase(status);
        final int bodyLength = 3 + 1 + phrase.length() + 2 + reason.length() + 1;
        final ByteBuf out = alloc.buffer(200 + bodyLength + reason.length());
        ByteBufUtil.writeAscii(out, "HTTP/1.1 ");
        out.writeByte('0' + status / 100).writeByte('0' + status / 10 % 10).writeByte('0' + status % 10);
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, phrase);
        ByteBufUtil.writeAscii(out, "\r\n");
        HttpDate.writeField(out, System.currentTimeMillis());
        ByteBufUtil.writeAscii(out, "Content-Type: text/plain\r\nContent-Length: ");
        ByteBufUtil.writeAscii(out, Integer.toString(bodyLength));
        ByteBufUtil.writeAscii(out, "\r\nx-fulcrum-error: ");
        ByteBufUtil.writeAscii(out, reason);
        ByteBufUtil.writeAscii(out, close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n");
        if (!headRequest) {
            out.writeByte('0' + status / 100).writeByte('0' + status / 10 % 10).writeByte('0' + status % 10);
            out.writeByte(' ');
            ByteBufUtil.writeAscii(out, phrase);
            ByteBufUtil.writeAscii(out, ": ");
            ByteBufUtil.writeAscii(out, reason);
            out.writeByte('\n');
        }
        return out;
    }

    /** Body length of {@link #error} (for bytes-sent accounting). */
    static int errorBodyLength(int status, String reason) {
        return 3 + 1 + reasonPhrase(status).length() + 2 + reason.length() + 1;
    }

    /** Redirect: 301 for GET/HEAD, 308 otherwise, {@code Location} as given. */
    static ByteBuf redirect(ByteBufAllocator alloc, int status, String location, boolean close) {
        final ByteBuf out = alloc.buffer(168 + location.length());
        ByteBufUtil.writeAscii(out, status == 301 ? "HTTP/1.1 301 Moved Permanently\r\n"
                : "HTTP/1.1 308 Permanent Redirect\r\n");
        HttpDate.writeField(out, System.currentTimeMillis());
        ByteBufUtil.writeAscii(out, "Location: ");
        ByteBufUtil.writeAscii(out, location);
        ByteBufUtil.writeAscii(out, "\r\nContent-Length: 0\r\n");
        ByteBufUtil.writeAscii(out, close ? "Connection: close\r\n\r\n" : "\r\n");
        return out;
    }
}
