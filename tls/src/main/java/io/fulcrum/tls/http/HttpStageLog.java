package io.fulcrum.tls.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logging of unexpected failures (bugs) caught at the handler boundary; never used for expected request errors. */
final class HttpStageLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.fulcrum.tls");

    private HttpStageLog() {
    }

    static void bug(String listenerId, Throwable t) {
        LOG.error("listener {}: unexpected failure, connection closed", listenerId, t);
    }

    static void info(String fmt, Object... args) {
        LOG.info(fmt, args);
    }
}
