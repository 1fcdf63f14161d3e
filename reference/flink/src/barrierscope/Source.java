package barrierscope;

import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.source.legacy.RichParallelSourceFunction;

/**
 * A partitioned log read at records_per_sec per subtask: record n of subtask i has seq n; the
 * offset (next seq) is operator state, so a restore rewinds to the offset in the checkpoint.
 */
public final class Source extends RichParallelSourceFunction<Rec> implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;

    private final Op op;
    private final double recordsPerSec;
    private final int keySpace;
    private final int payloadBytes;
    private final int srcBase; // global index of subtask 0

    private transient ListState<long[]> offsetState;
    private transient volatile long offset;
    private transient volatile boolean running;

    public Source(Op op, double recordsPerSec, int keySpace, int payloadBytes, int srcBase) {
        this.op = op;
        this.recordsPerSec = recordsPerSec;
        this.keySpace = keySpace;
        this.payloadBytes = payloadBytes;
        this.srcBase = srcBase;
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        op.init(getRuntimeContext(), ctx);
        // Union list state of {subtask, offset}: each subtask picks its own entry on restore.
        offsetState = ctx.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("offset", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        offset = 0;
        if (ctx.isRestored()) {
            for (long[] e : offsetState.get()) {
                if (e[0] == op.index()) offset = e[1];
            }
        }
        Reg.offsets.put(op.task(), offset);
    }

    static int keyOf(int src, long seq, int keySpace) {
        long h = src * 0x9E3779B97F4A7C15L + seq * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) Math.floorMod(h, (long) keySpace);
    }

    @Override
    public void run(SourceContext<Rec> ctx) throws Exception {
        running = true;
        final byte[] payload = new byte[payloadBytes];
        final int src = srcBase + op.index();
        final Object lock = ctx.getCheckpointLock();
        long next = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            if (now < next) {
                Op.busy((next - now) / 1e6);
                continue;
            }
            op.perRecord();
            synchronized (lock) {
                long seq = offset;
                ctx.collect(new Rec(src, seq, keyOf(src, seq, keySpace), payload));
                offset = seq + 1;
            }
            Reg.offsets.put(op.task(), offset);
            double iv = 1e9 / recordsPerSec * Reg.slowFactor(op.task());
            next = Math.max(next + (long) iv, System.nanoTime());
        }
    }

    @Override
    public void cancel() {
        running = false;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        // Called under the checkpoint lock: offset is consistent with what was emitted.
        long off = offset;
        op.snapshot(ctx);
        offsetState.update(java.util.List.of(new long[] {op.index(), off}));
        Reg.offsetsAt.computeIfAbsent(ctx.getCheckpointId(), k -> new java.util.concurrent.ConcurrentHashMap<>())
                .put(op.task(), off);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        op.notified(checkpointId);
    }
}
