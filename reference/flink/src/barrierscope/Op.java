package barrierscope;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;

import java.io.Serializable;
import java.util.concurrent.locks.LockSupport;

/** What every scenario operator shares: its settings, the async-state blob, the snapshot costs. */
public final class Op implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String name;
    public final String kind;
    public final double processMs;
    public final double syncMs;
    public final double asyncMs;
    /** Tag records with this subtask's index (an input edge is broadcast). */
    public final boolean tagLineage;

    private transient ListState<Blob> blob;
    private transient String task;
    private transient int index;

    public Op(String name, String kind, double processMs, double syncMs, double asyncMs, boolean tagLineage) {
        this.name = name;
        this.kind = kind;
        this.processMs = processMs;
        this.syncMs = syncMs;
        this.asyncMs = asyncMs;
        this.tagLineage = tagLineage;
    }

    public String task() { return task; }
    public int index() { return index; }

    /** Call first in initializeState. */
    public void init(RuntimeContext rc, FunctionInitializationContext ctx) throws Exception {
        index = rc.getTaskInfo().getIndexOfThisSubtask();
        task = name + "#" + index;
        int attempt = rc.getTaskInfo().getAttemptNumber();
        if (attempt > 0 || ctx.isRestored()) {
            Reg.restore(task, attempt, ctx.getRestoredCheckpointId());
        }
        blob = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<>("barrierscope-async", Blob.Ser.INSTANCE));
    }

    /** For a source reader, which has no runtime context: names the subtask. */
    public void bind(String task, int index) {
        this.task = task;
        this.index = index;
    }

    /** The synchronous part: snapshot_sync_ms (times the slow factor) and the sync failure. */
    public void snapshotSync(long cid) throws Exception {
        double f = Reg.slowFactor(task);
        busy(syncMs * f);
        Reg.Fault sync = Reg.claimSnapshotFailure(task, "sync");
        if (sync != null) {
            Reg.injected(task, "snapshot_failure", "sync", cid);
            throw new Exception("BarrierScope: injected sync snapshot failure of " + task + " (checkpoint " + cid + ")");
        }
    }

    /** Call in snapshotState: the synchronous cost, the sync failure, the async blob. */
    public void snapshot(FunctionSnapshotContext ctx) throws Exception {
        long cid = ctx.getCheckpointId();
        snapshotSync(cid);
        Reg.Fault async = Reg.claimSnapshotFailure(task, "async");
        if (async != null) Reg.injected(task, "snapshot_failure", "async", cid);
        blob.clear();
        blob.add(new Blob(task, cid, Math.round(asyncMs), async != null));
    }

    public void notified(long cid) {
        Reg.notified.add(cid);
    }

    /** Per record: the kill check and process_ms (times the slow factor). */
    public void perRecord() {
        Reg.maybeKill(task);
        busy(processMs * Reg.slowFactor(task));
    }

    public Rec tag(Rec r) {
        if (tagLineage) r.lineage = r.lineage * 31 + index + 1;
        return r;
    }

    /** Spends {@code ms} on the task thread (parked, so the 2 cores stay free for others). */
    public static void busy(double ms) {
        if (ms <= 0) return;
        long end = System.nanoTime() + (long) (ms * 1_000_000);
        long left;
        while ((left = end - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) LockSupport.parkNanos(left);
    }
}
