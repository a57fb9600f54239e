package io.fulcrum.tls.l4;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.RequestContext;

import java.net.InetSocketAddress;

/** The selector's view of an L4 connection or UDP session: the client address and the backends already tried. */
final class L4RequestContext implements RequestContext {
    private static final int MAX_TRIES = 4;
    private final InetSocketAddress client;
    private final Backend[] tried = new Backend[MAX_TRIES];
    private int tries;

    L4RequestContext(InetSocketAddress client) {
        this.client = client;
    }

    void tried(Backend b) {
        if (tries < MAX_TRIES) {
            tried[tries] = b;
        }
        tries++;
    }

    int tries() {
        return tries;
    }

    static int maxTries() {
        return MAX_TRIES;
    }

    @Override
    public InetSocketAddress clientAddress() {
        return client;
    }

    @Override
    public String method() {
        return "";
    }

    @Override
    public String host() {
        return "";
    }

    @Override
    public String path() {
        return "";
    }

    @Override
    public String cookie(String name) {
        return null;
    }

    @Override
    public boolean alreadyTried(Backend backend) {
        for (int i = 0; i < Math.min(tries, MAX_TRIES); i++) {
            if (tried[i].equals(backend)) {
                return true;
            }
        }
        return false;
    }
}
