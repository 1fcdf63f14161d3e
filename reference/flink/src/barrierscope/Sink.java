package barrierscope;

import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.sink.legacy.RichSinkFunction;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A two-phase-commit sink (the protocol of Flink's TwoPhaseCommitSinkFunction): records go into
 * an open transaction; snapshotState pre-commits it under the checkpoint's ID and keeps every
 * pre-committed transaction in operator state; notifyCheckpointComplete(id) commits every
 * transaction up to id into the external system (Reg); after a restore the pre-committed
 * transactions in the restored state are committed (recover-and-commit, idempotent).
 */
public final class Sink extends RichSinkFunction<Rec> implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;
    private final Op op;

    private transient ListState<long[]> pendingState;
    /** Open transaction: src, seq, lineage triples. */
    private transient long[] open;
    private transient int openLen;
    /** Pre-committed transactions by checkpoint ID. */
    private transient TreeMap<Long, long[]> pending;

    public Sink(Op op) { this.op = op; }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        op.init(getRuntimeContext(), ctx);
        pendingState = ctx.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("pending-transactions", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        open = new long[96];
        openLen = 0;
        pending = new TreeMap<>();
        if (ctx.isRestored()) {
            // Each entry: [txn id, src, seq, lineage, src, seq, lineage, ...]
            for (long[] e : pendingState.get()) {
                long[] recs = new long[e.length - 1];
                System.arraycopy(e, 1, recs, 0, recs.length);
                Reg.commit(op.name, op.task(), e[0], recs);
            }
            pendingState.clear();
        }
    }

    @Override
    public void invoke(Rec r, Context ctx) {
        op.perRecord();
        op.tag(r);
        if (openLen + 3 > open.length) open = java.util.Arrays.copyOf(open, open.length * 2);
        open[openLen++] = r.src;
        open[openLen++] = r.seq;
        open[openLen++] = r.lineage;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        op.snapshot(ctx);
        long cid = ctx.getCheckpointId();
        pending.put(cid, java.util.Arrays.copyOf(open, openLen));
        openLen = 0;
        List<long[]> st = new ArrayList<>();
        for (Map.Entry<Long, long[]> e : pending.entrySet()) {
            long[] x = new long[e.getValue().length + 1];
            x[0] = e.getKey();
            System.arraycopy(e.getValue(), 0, x, 1, e.getValue().length);
            st.add(x);
        }
        pendingState.update(st);
    }

    @Override
    public void notifyCheckpointComplete(long id) {
        op.notified(id);
        while (!pending.isEmpty() && pending.firstKey() <= id) {
            Map.Entry<Long, long[]> e = pending.pollFirstEntry();
            Reg.commit(op.name, op.task(), e.getKey(), e.getValue());
        }
    }
}
