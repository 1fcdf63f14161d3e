package barrierscope;

import java.util.*;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * JVM-global registry shared by the harness and the operators (the MiniCluster runs in this JVM
 * and, with no user jars, loads the operator classes from the application class loader, so these
 * statics are the same for every task attempt). Holds time zero, the fault schedule and what the
 * operators saw.
 */
public final class Reg {
    private Reg() {}

    /** Epoch ms at which all subtasks were RUNNING; 0 until the harness has seen it. */
    public static volatile long t0 = 0;

    /** A scenario fault that operators or the file system act on. */
    public static final class Fault {
        public final int index;
        public final String kind;
        public final long atMs;
        public final String task; // may be null
        public final double factor;
        public final long durationMs;
        public final String phase; // snapshot_failure only
        public final AtomicBoolean fired = new AtomicBoolean(false);

        public Fault(int index, String kind, long atMs, String task, double factor, long durationMs, String phase) {
            this.index = index;
            this.kind = kind;
            this.atMs = atMs;
            this.task = task;
            this.factor = factor;
            this.durationMs = durationMs;
            this.phase = phase;
        }
    }

    public static final List<Fault> faults = new ArrayList<>();

    /** Names of the source subtasks by global source index (Rec.src). */
    public static final List<String> sourceNames = new ArrayList<>();

    /** key_space of the source operator of each global source index. */
    public static final List<Integer> keySpaceOf = new ArrayList<>();

    // ---- time ------------------------------------------------------------------------------
    /** Milliseconds since time zero, or Long.MIN_VALUE before it. */
    public static long rel() {
        long t = t0;
        return t == 0 ? Long.MIN_VALUE : System.currentTimeMillis() - t;
    }

    static Object relOrNull() {
        long r = rel();
        return r == Long.MIN_VALUE ? null : (Object) r;
    }

    // ---- faults ----------------------------------------------------------------------------
    /** The product of the factors of the slow faults active on {@code task} now. */
    public static double slowFactor(String task) {
        long r = rel();
        if (r == Long.MIN_VALUE) return 1.0;
        double f = 1.0;
        for (Fault x : faults) {
            if (x.kind.equals("slow") && x.task.equals(task) && r >= x.atMs && r < x.atMs + x.durationMs) {
                f *= x.factor;
            }
        }
        return f;
    }

    /** Throws once per kill fault of {@code task} whose time has come. */
    public static void maybeKill(String task) {
        long r = rel();
        if (r == Long.MIN_VALUE) return;
        for (Fault x : faults) {
            if (x.kind.equals("kill") && x.task.equals(task) && r >= x.atMs && x.fired.compareAndSet(false, true)) {
                injected(task, "kill", null, null);
                throw new RuntimeException("BarrierScope: injected kill of " + task + " (fault " + x.index + ")");
            }
        }
    }

    /** The snapshot_failure fault of this phase due for {@code task} now (claimed once), or null. */
    public static Fault claimSnapshotFailure(String task, String phase) {
        long r = rel();
        if (r == Long.MIN_VALUE) return null;
        for (Fault x : faults) {
            if (x.kind.equals("snapshot_failure") && x.task.equals(task) && x.phase.equals(phase)
                    && r >= x.atMs && x.fired.compareAndSet(false, true)) {
                return x;
            }
        }
        return null;
    }

    public static boolean storageDown() {
        long r = rel();
        if (r == Long.MIN_VALUE) return false;
        for (Fault x : faults) {
            if (x.kind.equals("storage_outage") && r >= x.atMs && r < x.atMs + x.durationMs) return true;
        }
        return false;
    }

    // ---- what the operators saw ------------------------------------------------------------
    public static final List<Map<String, Object>> restores = Collections.synchronizedList(new ArrayList<>());
    public static final List<Map<String, Object>> injected = Collections.synchronizedList(new ArrayList<>());
    public static final List<Map<String, Object>> storageFailures = Collections.synchronizedList(new ArrayList<>());
    public static final SortedSet<Long> notified = Collections.synchronizedSortedSet(new TreeSet<>());
    /** Current offset of each source subtask (latest attempt). */
    public static final Map<String, Long> offsets = Collections.synchronizedMap(new TreeMap<>());
    /** checkpoint id -> source subtask name -> offset in that snapshot. */
    public static final Map<Long, Map<String, Long>> offsetsAt = Collections.synchronizedMap(new TreeMap<>());
    /** sink subtask name -> highest transaction (checkpoint id) it has committed. */
    public static final Map<String, Long> sinkMaxCommittedTxn = Collections.synchronizedMap(new TreeMap<>());

    public static void injected(String task, String kind, String phase, Long checkpointId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("kind", kind);
        m.put("phase", phase);
        m.put("checkpoint_id", checkpointId);
        m.put("at_ms", relOrNull());
        injected.add(m);
    }

    static void injectedAsyncFailureThrown(String task, long checkpointId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("checkpoint_id", checkpointId);
        m.put("at_ms", relOrNull());
        m.put("what", "async serializer threw");
        storageFailures.add(m);
    }

    static void storageFailure(String what, String path) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", what);
        m.put("path", path);
        m.put("at_ms", relOrNull());
        synchronized (storageFailures) {
            if (storageFailures.size() < 200) storageFailures.add(m);
        }
    }

    public static void restore(String task, int attempt, OptionalLong restored) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("attempt", attempt);
        m.put("restored_checkpoint_id", restored.isPresent() ? (Object) restored.getAsLong() : null);
        m.put("at_ms", relOrNull());
        restores.add(m);
    }

    // ---- the external system the sinks commit to -------------------------------------------
    /** Committed transaction ids (sink subtask + checkpoint id): committing twice is a no-op. */
    private static final Set<String> committedTxns = new HashSet<>();
    /** (sink operator, source index, lineage, seq) -> times committed. */
    private static final Map<List<Object>, Integer> committed = new HashMap<>();
    private static long committedRecords = 0;

    /** Commits transaction {@code txnId} of {@code sinkTask}; records as pairs (src, seq, lineage). */
    public static synchronized void commit(String sinkOp, String sinkTask, long txnId, long[] recs) {
        if (!committedTxns.add(sinkTask + "/" + txnId)) return;
        for (int i = 0; i + 2 < recs.length; i += 3) {
            List<Object> k = Arrays.asList(sinkOp, (int) recs[i], recs[i + 2], recs[i + 1]);
            committed.merge(k, 1, Integer::sum);
            committedRecords++;
        }
        sinkMaxCommittedTxn.merge(sinkTask, txnId, Math::max);
    }

    /**
     * committed (record commits, duplicates included), duplicates (commits beyond the first of
     * the same record), lost (see below), settled_checkpoint_id (highest transaction every sink
     * subtask has committed).
     *
     * <p>lost, with aligned checkpoints: a record of source subtask {@code src} with a sequence
     * number below that subtask's offset in the snapshot of the settled checkpoint (the highest
     * checkpoint whose transaction every sink subtask has committed) was emitted before that
     * checkpoint's barrier, so every sink operator it reaches must have committed it. It counts
     * as lost when a sink operator that committed records of {@code src} never committed it (in
     * any lineage: an operator with a broadcast input tags every record it gets with its subtask
     * index, so the records of a rebalance input into it spread over lineages). This holds
     * whatever the edges; a lost copy of a broadcast record whose other copies arrived is not
     * seen. Records above the settled offsets may still be on their way and are not counted.
     *
     * <p>lost, with unaligned checkpoints (whose barriers overtake records that are then still
     * on their way after the checkpoint): records of one source subtask and one key follow one
     * path to a sink operator (forward, hash and broadcast edges are deterministic; broadcast
     * copies are told apart by their lineage), and each channel is FIFO, so what a sink operator
     * has committed of one (source subtask, key, lineage) is a prefix of its sequence numbers
     * unless a record was lost. A record counts as lost when a later record of the same (source
     * subtask, key, lineage) was committed at that sink operator but it never was. A rebalance
     * edge on the way to a sink with parallelism above 1 breaks the one-path assumption (a record
     * overtaken by an unaligned barrier may then show as a transient gap).
     */
    public static synchronized Map<String, Object> sinkSummary(List<String> sinkTasks, Map<String, String> sinkOpOf) {
        long dups = 0;
        for (int c : committed.values()) dups += c - 1;
        Long settled = null;
        for (String s : sinkTasks) {
            Long m = sinkMaxCommittedTxn.get(s);
            if (m == null) { settled = null; break; }
            settled = settled == null ? m : Math.min(settled, m);
        }
        long lost = unalignedCheckpoints ? lostByGaps() : lostBelowSettled(settled);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("committed", committedRecords);
        m.put("duplicates", dups);
        m.put("lost", lost);
        m.put("distinct_committed", (long) committed.size());
        m.put("settled_checkpoint_id", settled);
        return m;
    }

    /** Checkpoints may be unaligned (the harness sets it from the scenario): see sinkSummary. */
    public static volatile boolean unalignedCheckpoints = false;

    private static long lostBelowSettled(Long settled) {
        Map<String, Long> offsetsAtSettled = settled == null ? null : offsetsAt.get(settled);
        if (offsetsAtSettled == null) return 0;
        // (sink op, src) -> committed seqs, in any lineage.
        Map<List<Object>, BitSet> bits = new HashMap<>();
        for (List<Object> k : committed.keySet()) {
            long seq = (Long) k.get(3);
            if (seq >= Integer.MAX_VALUE) continue;
            bits.computeIfAbsent(Arrays.asList(k.get(0), k.get(1)), x -> new BitSet()).set((int) seq);
        }
        long lost = 0;
        for (Map.Entry<List<Object>, BitSet> e : bits.entrySet()) {
            int src = (Integer) e.getKey().get(1);
            Long off = src < sourceNames.size() ? offsetsAtSettled.get(sourceNames.get(src)) : null;
            if (off == null) continue;
            int upTo = (int) Math.min(off, Integer.MAX_VALUE - 1);
            lost += upTo - e.getValue().get(0, upTo).cardinality();
        }
        return lost;
    }

    private static long lostByGaps() {
        // (sink op, src, lineage) -> committed seqs, and the highest committed seq per key.
        Map<List<Object>, BitSet> bits = new HashMap<>();
        Map<List<Object>, Map<Integer, Long>> maxByKey = new HashMap<>();
        for (List<Object> k : committed.keySet()) {
            List<Object> g = Arrays.asList(k.get(0), k.get(1), k.get(2));
            int src = (Integer) k.get(1);
            long seq = (Long) k.get(3);
            if (seq >= Integer.MAX_VALUE) continue;
            bits.computeIfAbsent(g, x -> new BitSet()).set((int) seq);
            int key = NumSource.keyOf(src, seq, keySpaceOf.get(src));
            maxByKey.computeIfAbsent(g, x -> new HashMap<>()).merge(key, seq, Math::max);
        }
        long lost = 0;
        for (Map.Entry<List<Object>, BitSet> e : bits.entrySet()) {
            int src = (Integer) e.getKey().get(1);
            int ks = keySpaceOf.get(src);
            Map<Integer, Long> mk = maxByKey.get(e.getKey());
            BitSet b = e.getValue();
            for (int seq = b.nextClearBit(0); seq < b.length(); seq = b.nextClearBit(seq + 1)) {
                Long m = mk.get(NumSource.keyOf(src, seq, ks));
                if (m != null && seq < m) lost++;
            }
        }
        return lost;
    }
}
