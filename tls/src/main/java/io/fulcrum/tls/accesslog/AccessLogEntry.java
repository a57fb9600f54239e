package io.fulcrum.tls.accesslog;

/**
 * One finished request, captured on the event loop and formatted on the access-log thread. Times are in
 * milliseconds; upstream lists hold one value per try separated by {@code ", "} (nginx style), or null when the
 * request never reached a backend.
 *
 * @param format            compiled format of the listener
 * @param endEpochMs        wall-clock time the response finished
 * @param remoteAddr        client IP
 * @param remotePort        client port
 * @param status            status sent to the client (499 when the client left first)
 * @param method            request method
 * @param scheme            {@code http} or {@code https}
 * @param host              Host header as received
 * @param uri               request-target as received
 * @param protocol          {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param requestLength     bytes received from the client (head + body)
 * @param bytesSent         bytes sent to the client
 * @param bodyBytesSent     body bytes sent to the client
 * @param requestTimeMs     first request byte to last response byte
 * @param upstreamStatus    per-try backend status
 * @param upstreamConnect   per-try connect time (s.mmm)
 * @param upstreamHeader    per-try time to response head (s.mmm)
 * @param upstreamResponse  per-try time to response end (s.mmm)
 * @param upstreamAddr      per-try backend ip:port
 * @param userAgent         User-Agent as received
 * @param referer           Referer as received
 * @param xForwardedFor     X-Forwarded-For as received
 * @param listenerId        listener id
 * @param listenerName      listener name
 * @param poolName          backend group id
 * @param memberName        id of the backend that answered
 * @param listenerAddr      listener IP
 * @param listenerPort      listener port
 * @param tlsProtocol       TLS protocol or null
 * @param tlsCipher         TLS cipher or null
 * @param sni               SNI name or null
 * @param rttMicros         client TCP RTT in microseconds, or -1
 * @param requestHeaders    values of the format's {@code $http_<name>} headers other than the three built in, in the
 *                          order of {@link AccessLogFormat#requestHeaders()} (null entries print {@code -})
 */
public record AccessLogEntry(AccessLogFormat format, long endEpochMs, String remoteAddr, int remotePort, int status,
                             String method, String scheme, String host, String uri, String protocol,
                             long requestLength, long bytesSent, long bodyBytesSent, long requestTimeMs,
                             String upstreamStatus, String upstreamConnect, String upstreamHeader,
                             String upstreamResponse, String upstreamAddr, String userAgent, String referer,
                             String xForwardedFor, String listenerId, String listenerName, String poolName,
                             String memberName, String listenerAddr, int listenerPort, String tlsProtocol,
                             String tlsCipher, String sni, long rttMicros, String[] requestHeaders) {
    /** An entry without extra request headers. */
    public AccessLogEntry(AccessLogFormat format, long endEpochMs, String remoteAddr, int remotePort, int status,
                          String method, String scheme, String host, String uri, String protocol,
                          long requestLength, long bytesSent, long bodyBytesSent, long requestTimeMs,
                          String upstreamStatus, String upstreamConnect, String upstreamHeader,
                          String upstreamResponse, String upstreamAddr, String userAgent, String referer,
                          String xForwardedFor, String listenerId, String listenerName, String poolName,
                          String memberName, String listenerAddr, int listenerPort, String tlsProtocol,
                          String tlsCipher, String sni, long rttMicros) {
        this(format, endEpochMs, remoteAddr, remotePort, status, method, scheme, host, uri, protocol, requestLength,
                bytesSent, bodyBytesSent, requestTimeMs, upstreamStatus, upstreamConnect, upstreamHeader,
                upstreamResponse, upstreamAddr, userAgent, referer, xForwardedFor, listenerId, listenerName, poolName,
                memberName, listenerAddr, listenerPort, tlsProtocol, tlsCipher, sni, rttMicros, null);
    }
}
