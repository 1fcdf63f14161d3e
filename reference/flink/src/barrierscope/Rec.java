package barrierscope;

/** One record: source subtask (global index), sequence number, key, lineage (broadcast copies), payload. */
public class Rec {
    public int src;
    public long seq;
    public int key;
    public long lineage;
    public byte[] payload;

    public Rec() {}

    public Rec(int src, long seq, int key, byte[] payload) {
        this.src = src;
        this.seq = seq;
        this.key = key;
        this.lineage = 0;
        this.payload = payload;
    }
}
