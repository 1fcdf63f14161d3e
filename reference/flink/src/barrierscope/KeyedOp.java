package barrierscope;

import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/** keyBy(key): keyed state holds state_bytes_per_key bytes for every key seen; process_ms per record. */
public final class KeyedOp extends KeyedProcessFunction<Integer, Rec, Rec> implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;
    private final Op op;
    private final int stateBytesPerKey;
    private transient ValueState<byte[]> seen;

    public KeyedOp(Op op, int stateBytesPerKey) {
        this.op = op;
        this.stateBytesPerKey = stateBytesPerKey;
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        op.init(getRuntimeContext(), ctx);
        seen = ctx.getKeyedStateStore().getState(
                new ValueStateDescriptor<>("seen", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(Rec r, Context ctx, Collector<Rec> out) throws Exception {
        op.perRecord();
        if (seen.value() == null) seen.update(new byte[stateBytesPerKey]);
        out.collect(op.tag(r));
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception { op.snapshot(ctx); }

    @Override
    public void notifyCheckpointComplete(long id) { op.notified(id); }
}
