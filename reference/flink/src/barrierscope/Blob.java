package barrierscope;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * The element of every operator's "async" ListState. Writing it (the asynchronous part of the
 * snapshot, on Flink's async snapshot thread) sleeps {@code sleepMs} and, when {@code fail} is
 * set, throws: this is how {@code snapshot_async_ms} and the async {@code snapshot_failure} are
 * made to happen inside Flink's own asynchronous checkpoint phase.
 */
public final class Blob {
    public final String task;
    public final long checkpointId;
    public final long sleepMs;
    public final boolean fail;

    public Blob(String task, long checkpointId, long sleepMs, boolean fail) {
        this.task = task;
        this.checkpointId = checkpointId;
        this.sleepMs = sleepMs;
        this.fail = fail;
    }

    /** Serializer that spends the async time while the state is written. */
    public static final class Ser extends TypeSerializer<Blob> {
        private static final long serialVersionUID = 1L;
        public static final Ser INSTANCE = new Ser();

        @Override public boolean isImmutableType() { return true; }
        @Override public TypeSerializer<Blob> duplicate() { return this; }
        @Override public Blob createInstance() { return new Blob("", 0, 0, false); }
        @Override public Blob copy(Blob from) { return from; }
        @Override public Blob copy(Blob from, Blob reuse) { return from; }
        @Override public int getLength() { return -1; }

        @Override
        public void serialize(Blob b, DataOutputView out) throws IOException {
            if (b.sleepMs > 0) {
                try {
                    Thread.sleep(b.sleepMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while writing state", e);
                }
            }
            if (b.fail) {
                Reg.injectedAsyncFailureThrown(b.task, b.checkpointId);
                throw new IOException("BarrierScope: injected async snapshot failure of " + b.task
                        + " (checkpoint " + b.checkpointId + ")");
            }
            out.writeUTF(b.task);
            out.writeLong(b.checkpointId);
            out.writeLong(b.sleepMs);
        }

        @Override
        public Blob deserialize(DataInputView in) throws IOException {
            String t = in.readUTF();
            long c = in.readLong();
            long s = in.readLong();
            return new Blob(t, c, s, false);
        }

        @Override public Blob deserialize(Blob reuse, DataInputView in) throws IOException { return deserialize(in); }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            out.writeUTF(in.readUTF());
            out.writeLong(in.readLong());
            out.writeLong(in.readLong());
        }

        @Override public boolean equals(Object o) { return o instanceof Ser; }
        @Override public int hashCode() { return Ser.class.hashCode(); }
        @Override public TypeSerializerSnapshot<Blob> snapshotConfiguration() { return new Snap(); }
    }

    public static final class Snap extends SimpleTypeSerializerSnapshot<Blob> {
        public Snap() { super(() -> Ser.INSTANCE); }
    }
}
