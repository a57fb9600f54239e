package io.fulcrum.bench.conntrack;

/** Chronicle Values key interface for a five-tuple (Chronicle generates the off-heap and heap implementations). */
public interface ChronicleFlowKey {
    int getSrcIp();

    void setSrcIp(int srcIp);

    int getDstIp();

    void setDstIp(int dstIp);

    int getPorts();

    void setPorts(int ports);

    int getProto();

    void setProto(int proto);
}
