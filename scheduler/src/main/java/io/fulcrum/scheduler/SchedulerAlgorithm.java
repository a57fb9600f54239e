package io.fulcrum.scheduler;

/** The scheduling algorithms, by their configuration word. */
public enum SchedulerAlgorithm {
    /** Round robin over eligible backends; weights count only as zero or not. */
    RR("rr", HashKind.NONE),
    /** Smooth weighted round robin (nginx): no bursts to the heaviest backend. */
    WRR("wrr", HashKind.NONE),
    /** Least active connections; weights count only as zero or not. */
    LC("lc", HashKind.NONE),
    /** Weighted least connections: the fewest connections per unit of weight. */
    WLC("wlc", HashKind.NONE),
    /** Source-IP consistent hash (weighted Maglev). */
    SH("sh", HashKind.SOURCE),
    /** Five-tuple consistent hash (weighted Maglev). */
    MH("mh", HashKind.FIVE_TUPLE);

    /** Which hash the data path must pass to {@link Scheduler#pick}. */
    public enum HashKind {
        /** The pick ignores the hash; pass 0. */
        NONE,
        /** {@link FlowHash#source}. */
        SOURCE,
        /** {@link FlowHash#flow}. */
        FIVE_TUPLE
    }

    private final String word;
    private final HashKind hashKind;

    SchedulerAlgorithm(final String word, final HashKind hashKind) {
        this.word = word;
        this.hashKind = hashKind;
    }

    /** The configuration word. */
    public String word() {
        return word;
    }

    /** The hash the data path computes for this algorithm. */
    public HashKind hashKind() {
        return hashKind;
    }

    /** Parses a configuration word; the message lists the valid words. */
    public static SchedulerAlgorithm parse(final String word) {
        for (final SchedulerAlgorithm a : values()) {
            if (a.word.equals(word)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown scheduler '" + word + "': expected one of rr, wrr, lc, wlc, sh, mh");
    }
}
