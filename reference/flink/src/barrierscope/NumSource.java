package barrierscope;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scenario source as a FLIP-27 source: a partitioned log with one split per subtask (think of
 * a Kafka partition), read at records_per_sec. Record n of subtask i has seq n; the split's
 * offset (next seq) is the reader's checkpointed state, so a restore rewinds to the offset in the
 * checkpoint. The reader never blocks the task thread: under backpressure the task simply stops
 * polling it, so a checkpoint trigger is handled at once (as with every FLIP-27 source).
 */
public final class NumSource implements Source<Rec, NumSource.Split, List<NumSource.Split>> {
    private static final long serialVersionUID = 1L;

    private final Op op;
    private final double recordsPerSec;
    private final int keySpace;
    private final int payloadBytes;
    private final int srcBase; // global index of subtask 0
    private final int parallelism;

    public NumSource(Op op, double recordsPerSec, int keySpace, int payloadBytes, int srcBase, int parallelism) {
        this.op = op;
        this.recordsPerSec = recordsPerSec;
        this.keySpace = keySpace;
        this.payloadBytes = payloadBytes;
        this.srcBase = srcBase;
        this.parallelism = parallelism;
    }

    /** Split i belongs to subtask i; cid is the checkpoint it was snapshotted in (-1: fresh). */
    public static final class Split implements SourceSplit {
        final int index;
        final long offset;
        final long cid;

        Split(int index, long offset, long cid) {
            this.index = index;
            this.offset = offset;
            this.cid = cid;
        }

        @Override public String splitId() { return String.valueOf(index); }
    }

    @Override public Boundedness getBoundedness() { return Boundedness.CONTINUOUS_UNBOUNDED; }

    @Override
    public SplitEnumerator<Split, List<Split>> createEnumerator(SplitEnumeratorContext<Split> ctx) {
        List<Split> all = new ArrayList<>();
        for (int i = 0; i < parallelism; i++) all.add(new Split(i, 0, -1));
        return new Enumerator(ctx, all);
    }

    @Override
    public SplitEnumerator<Split, List<Split>> restoreEnumerator(SplitEnumeratorContext<Split> ctx, List<Split> state) {
        return new Enumerator(ctx, state);
    }

    @Override public SimpleVersionedSerializer<Split> getSplitSerializer() { return new SplitSer(); }
    @Override public SimpleVersionedSerializer<List<Split>> getEnumeratorCheckpointSerializer() { return new EnumSer(); }

    @Override
    public SourceReader<Rec, Split> createReader(SourceReaderContext ctx) {
        return new Reader(ctx.getIndexOfSubtask());
    }

    // ---- enumerator: hands split i to reader i ----------------------------------------------------
    static final class Enumerator implements SplitEnumerator<Split, List<Split>> {
        private final SplitEnumeratorContext<Split> ctx;
        private final Map<Integer, Split> pending = new TreeMap<>();

        Enumerator(SplitEnumeratorContext<Split> ctx, List<Split> pending) {
            this.ctx = ctx;
            for (Split s : pending) this.pending.put(s.index, s);
        }

        @Override public void start() {}
        @Override public void handleSplitRequest(int subtask, String host) {}

        @Override
        public void addSplitsBack(List<Split> splits, int subtask) {
            for (Split s : splits) pending.put(s.index, s);
            if (ctx.registeredReaders().containsKey(subtask)) addReader(subtask);
        }

        @Override
        public void addReader(int subtask) {
            Split s = pending.remove(subtask);
            if (s != null) ctx.assignSplit(s, subtask);
        }

        @Override public List<Split> snapshotState(long checkpointId) { return new ArrayList<>(pending.values()); }
        @Override public void close() {}
    }

    // ---- reader ------------------------------------------------------------------------------------
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "barrierscope-source-timer");
        t.setDaemon(true);
        return t;
    });
    private static final ConcurrentHashMap<String, AtomicInteger> READERS = new ConcurrentHashMap<>();

    final class Reader implements SourceReader<Rec, Split> {
        private final int index;
        private final String task;
        private final int attempt;
        private final byte[] payload = new byte[payloadBytes];
        private boolean hasSplit = false;
        private long offset = 0;
        private long next;
        private CompletableFuture<Void> available = new CompletableFuture<>();

        Reader(int index) {
            this.index = index;
            this.task = op.name + "#" + index;
            this.attempt = READERS.computeIfAbsent(task, k -> new AtomicInteger()).getAndIncrement();
            op.bind(task, index);
        }

        @Override public void start() {}

        @Override
        public void addSplits(List<Split> splits) {
            for (Split s : splits) {
                offset = s.offset;
                hasSplit = true;
                if (s.cid >= 0 || attempt > 0) {
                    Reg.restore(task, attempt, s.cid >= 0 ? OptionalLong.of(s.cid) : OptionalLong.empty());
                }
            }
            Reg.offsets.put(task, offset);
            next = System.nanoTime();
            available.complete(null);
        }

        @Override
        public InputStatus pollNext(ReaderOutput<Rec> out) {
            if (!hasSplit) return idle(Long.MAX_VALUE);
            long now = System.nanoTime();
            if (now < next) return idle(next - now);
            op.perRecord();
            int src = srcBase + index;
            long seq = offset;
            out.collect(new Rec(src, seq, keyOf(src, seq, keySpace), payload));
            offset = seq + 1;
            Reg.offsets.put(task, offset);
            double iv = 1e9 / recordsPerSec * Reg.slowFactor(task);
            next = Math.max(next + (long) iv, System.nanoTime());
            now = System.nanoTime();
            return now >= next ? InputStatus.MORE_AVAILABLE : idle(next - now);
        }

        private InputStatus idle(long nanos) {
            if (available.isDone()) available = new CompletableFuture<>();
            if (nanos != Long.MAX_VALUE) {
                CompletableFuture<Void> f = available;
                TIMER.schedule(() -> f.complete(null), nanos, TimeUnit.NANOSECONDS);
            }
            return InputStatus.NOTHING_AVAILABLE;
        }

        @Override public CompletableFuture<Void> isAvailable() { return available; }

        @Override
        public List<Split> snapshotState(long checkpointId) {
            try {
                op.snapshotSync(checkpointId);
            } catch (Exception e) {
                throw new RuntimeException(e.getMessage(), e);
            }
            Reg.offsetsAt.computeIfAbsent(checkpointId, k -> new ConcurrentHashMap<>()).put(task, offset);
            return hasSplit ? List.of(new Split(index, offset, checkpointId)) : List.of();
        }

        @Override public void notifyCheckpointComplete(long checkpointId) { op.notified(checkpointId); }
        @Override public void notifyNoMoreSplits() {}
        @Override public void close() {}
    }

    static int keyOf(int src, long seq, int keySpace) {
        long h = src * 0x9E3779B97F4A7C15L + seq * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) Math.floorMod(h, (long) keySpace);
    }

    // ---- serializers -----------------------------------------------------------------------------
    static final class SplitSer implements SimpleVersionedSerializer<Split> {
        @Override public int getVersion() { return 1; }

        @Override
        public byte[] serialize(Split s) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream o = new DataOutputStream(b);
            o.writeInt(s.index);
            o.writeLong(s.offset);
            o.writeLong(s.cid);
            return b.toByteArray();
        }

        @Override
        public Split deserialize(int version, byte[] bytes) throws IOException {
            DataInputStream i = new DataInputStream(new ByteArrayInputStream(bytes));
            return new Split(i.readInt(), i.readLong(), i.readLong());
        }
    }

    static final class EnumSer implements SimpleVersionedSerializer<List<Split>> {
        @Override public int getVersion() { return 1; }

        @Override
        public byte[] serialize(List<Split> l) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream o = new DataOutputStream(b);
            o.writeInt(l.size());
            for (Split s : l) {
                o.writeInt(s.index);
                o.writeLong(s.offset);
                o.writeLong(s.cid);
            }
            return b.toByteArray();
        }

        @Override
        public List<Split> deserialize(int version, byte[] bytes) throws IOException {
            DataInputStream i = new DataInputStream(new ByteArrayInputStream(bytes));
            int n = i.readInt();
            List<Split> l = new ArrayList<>();
            for (int k = 0; k < n; k++) l.add(new Split(i.readInt(), i.readLong(), i.readLong()));
            return l;
        }
    }
}
