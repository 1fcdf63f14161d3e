package barrierscope;

import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** A stateless map: process_ms per record (also a keyed operator whose inputs are not all hash). */
public final class MapOp extends ProcessFunction<Rec, Rec> implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;
    private final Op op;

    public MapOp(Op op) { this.op = op; }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        op.init(getRuntimeContext(), ctx);
    }

    @Override
    public void processElement(Rec r, Context ctx, Collector<Rec> out) {
        op.perRecord();
        out.collect(op.tag(r));
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception { op.snapshot(ctx); }

    @Override
    public void notifyCheckpointComplete(long id) { op.notified(id); }
}
