package barrierscope;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;

/**
 * Runs a BarrierScope scenario file on an in-process Apache Flink MiniCluster and writes what
 * Flink did (raw REST bodies plus what the operators saw) to OUTDIR/flink/.
 *
 * <pre>java -cp ... barrierscope.Harness SCENARIO.json OUTDIR WORKDIR</pre>
 */
public final class Harness {
    static final ObjectMapper M = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static final class OpSpec {
        String name, kind;
        int parallelism;
        double recordsPerSec, processMs, syncMs, asyncMs;
        int keySpace, stateBytesPerKey;
    }

    static final class EdgeSpec {
        String from, to, partitioning;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Harness SCENARIO.json OUTDIR WORKDIR");
            System.exit(2);
        }
        Path scenarioFile = Path.of(args[0]);
        Path outDir = Path.of(args[1]);
        Path workDir = Path.of(args[2]).toAbsolutePath();
        JsonNode sc = M.readTree(scenarioFile.toFile());
        long durationMs = sc.path("duration_ms").asLong();
        // Hard wall-clock cap: whatever happens, this JVM is gone 90 s after the run should end.
        long capMs = durationMs + 90_000;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(capMs);
                System.err.println("harness: hard wall-clock cap of " + capMs + " ms reached; halting");
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException ignored) {
            }
        }, "barrierscope-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        new Harness().run(sc, scenarioFile, outDir, workDir, durationMs);
        System.out.flush();
        Runtime.getRuntime().halt(0); // stray Flink threads must not keep the JVM alive
    }

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String rest;
    final List<OpSpec> ops = new ArrayList<>();
    final List<EdgeSpec> edges = new ArrayList<>();
    final Map<String, Object> configSet = new LinkedHashMap<>();
    final ArrayNode skipped = M.createArrayNode();
    final ArrayNode requests = M.createArrayNode();

    void run(JsonNode sc, Path scenarioFile, Path outDir, Path workDir, long durationMs) throws Exception {
        Path flinkDir = outDir.resolve("flink");
        Files.createDirectories(flinkDir.resolve("details"));
        // Delete earlier details so a re-run does not keep stale files.
        try (var s = Files.list(flinkDir.resolve("details"))) {
            for (Path p : (Iterable<Path>) s::iterator) Files.delete(p);
        }
        Files.copy(scenarioFile, outDir.resolve("scenario.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(workDir);

        parseJob(sc);
        parseFaults(sc);
        Configuration conf = buildConfig(sc, workDir);

        FileSystem.initialize(conf, null);
        int slots = 0;
        for (OpSpec o : ops) slots = Math.max(slots, o.parallelism);
        MiniCluster mc = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(slots).build());
        mc.start();
        URI restUri = mc.getRestAddress().get(30, TimeUnit.SECONDS);
        rest = restUri.toString().replaceAll("/$", "");
        log("REST at " + rest);
        if (!restUri.getHost().equals("127.0.0.1") && !restUri.getHost().equals("localhost")) {
            throw new IllegalStateException("REST is not on loopback: " + restUri);
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.disableOperatorChaining();
        buildJob(env, sc);
        var streamGraph = env.getStreamGraph();
        streamGraph.setJobName(sc.path("name").asText("scenario"));
        JobGraph jobGraph = streamGraph.getJobGraph();
        JobID jobId = jobGraph.getJobID();
        long submitAt = System.currentTimeMillis();
        mc.submitJob(jobGraph).get(30, TimeUnit.SECONDS);
        String jid = jobId.toString();
        log("submitted job " + jid);

        // ---- time zero: every subtask RUNNING -------------------------------------------------
        long t0 = waitAllRunning(jid, submitAt + 60_000);
        Reg.t0 = t0;
        log("t0: all subtasks RUNNING (" + (t0 - submitAt) + " ms after submit)");

        // ---- REST faults ----------------------------------------------------------------------
        ScheduledExecutorService sched = Executors.newScheduledThreadPool(2);
        long end = t0 + durationMs;
        int fi = 0;
        for (JsonNode f : sc.path("faults")) {
            String kind = f.path("kind").asText();
            long at = f.path("at_ms").asLong();
            if (kind.equals("trigger_checkpoint") || kind.equals("trigger_savepoint")) {
                final int idx = fi;
                long delay = Math.max(0, t0 + at - System.currentTimeMillis());
                sched.schedule(() -> trigger(jid, kind.equals("trigger_savepoint") ? "savepoint" : "checkpoint", idx, workDir, end),
                        delay, TimeUnit.MILLISECONDS);
            }
            fi++;
        }

        // ---- run (sampling per-vertex rates every ~2 s) -----------------------------------------
        ArrayNode samples = M.createArrayNode();
        Map<String, String> sampleNames = new LinkedHashMap<>();
        long nextSample = t0 + SAMPLE_MS;
        long now;
        while ((now = System.currentTimeMillis()) < end) {
            if (now >= nextSample) {
                sampleVertices(jid, sampleNames, samples);
                nextSample += SAMPLE_MS;
                continue;
            }
            Thread.sleep(Math.min(200, Math.min(nextSample, end) - now));
        }
        long endAt = System.currentTimeMillis();
        log("end of run; capturing REST");

        // ---- capture while the job still runs ---------------------------------------------------
        String jp = "/jobs/" + jid;
        String jobJson = get(jp);
        write(flinkDir.resolve("job.json"), jobJson);
        write(flinkDir.resolve("plan.json"), get(jp + "/plan"));
        String cps = get(jp + "/checkpoints");
        write(flinkDir.resolve("checkpoints.json"), cps);
        write(flinkDir.resolve("checkpoints-config.json"), get(jp + "/checkpoints/config"));
        write(flinkDir.resolve("exceptions.json"), get(jp + "/exceptions"));
        Map<String, String> vertexNames = new LinkedHashMap<>();
        for (JsonNode v : M.readTree(jobJson).path("vertices")) {
            vertexNames.put(v.path("id").asText(), opNameOfVertex(v.path("name").asText()));
        }
        // RUNNING (and other) timestamps of the current attempt of every subtask: after a
        // restart, when the job was all RUNNING again.
        Files.createDirectories(flinkDir.resolve("subtasktimes"));
        for (var e : vertexNames.entrySet()) {
            write(flinkDir.resolve("subtasktimes/" + e.getValue() + ".json"),
                    get(jp + "/vertices/" + e.getKey() + "/subtasktimes"));
        }
        for (JsonNode h : M.readTree(cps).path("history")) {
            long cid = h.path("id").asLong();
            write(flinkDir.resolve("details/" + cid + ".json"), get(jp + "/checkpoints/details/" + cid));
            for (var e : vertexNames.entrySet()) {
                write(flinkDir.resolve("details/" + cid + "-" + e.getValue() + ".json"),
                        get(jp + "/checkpoints/details/" + cid + "/subtasks/" + e.getKey()));
            }
        }
        writeVertices(flinkDir, jid, jobJson, vertexNames, samples);
        // What the operators saw, read at the same moment as the REST bodies.
        Map<String, Long> offsetsAtEnd = new TreeMap<>(Reg.offsets);
        List<Long> notifiedAtEnd;
        synchronized (Reg.notified) {
            notifiedAtEnd = new ArrayList<>(Reg.notified);
        }
        List<String> sinkTasks = new ArrayList<>();
        Map<String, String> sinkOpOf = new HashMap<>();
        for (OpSpec o : ops) {
            if (!o.kind.equals("sink")) continue;
            for (int i = 0; i < o.parallelism; i++) {
                sinkTasks.add(o.name + "#" + i);
                sinkOpOf.put(o.name + "#" + i, o.name);
            }
        }
        Map<String, Object> sinkAtEnd = Reg.sinkSummary(sinkTasks, sinkOpOf);
        List<Map<String, Object>> restoresAtEnd, injectedAtEnd;
        synchronized (Reg.restores) {
            restoresAtEnd = new ArrayList<>(Reg.restores);
        }
        synchronized (Reg.injected) {
            injectedAtEnd = new ArrayList<>(Reg.injected);
        }
        log("captured; cancelling");
        sched.shutdownNow();
        try {
            mc.cancelJob(jobId).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log("cancel: " + e);
        }

        // ---- operators.json -------------------------------------------------------------------------
        ObjectNode opsOut = M.createObjectNode();
        opsOut.set("restores", M.valueToTree(restoresAtEnd));
        opsOut.set("sink", M.valueToTree(sinkAtEnd));
        opsOut.set("injected", M.valueToTree(injectedAtEnd));
        opsOut.set("checkpoints_notified", M.valueToTree(notifiedAtEnd));
        opsOut.set("source_offsets_at_end", M.valueToTree(offsetsAtEnd));
        Map<String, Object> offsByCp = new TreeMap<>(Comparator.comparingLong(Long::parseLong));
        synchronized (Reg.offsetsAt) {
            for (var e : Reg.offsetsAt.entrySet()) offsByCp.put(String.valueOf(e.getKey()), new TreeMap<>(e.getValue()));
        }
        opsOut.set("source_offsets_by_checkpoint", M.valueToTree(offsByCp));
        List<Map<String, Object>> sf;
        synchronized (Reg.storageFailures) {
            sf = new ArrayList<>(Reg.storageFailures);
        }
        opsOut.set("storage_failures", M.valueToTree(sf));
        M.writeValue(flinkDir.resolve("operators.json").toFile(), opsOut);

        // ---- run.json -------------------------------------------------------------------------------
        ObjectNode run = M.createObjectNode();
        run.put("flink_version", org.apache.flink.runtime.util.EnvironmentInformation.getVersion());
        run.put("job_id", jid);
        run.put("t0_epoch_ms", t0);
        run.put("end_epoch_ms", endAt);
        run.put("duration_ms", durationMs);
        run.put("submit_epoch_ms", submitAt);
        synchronized (requests) {
            run.set("requests", requests.deepCopy());
        }
        run.set("skipped_faults", skipped);
        run.set("config", M.valueToTree(configSet));
        M.writeValue(flinkDir.resolve("run.json").toFile(), run);
        log("wrote " + flinkDir);
        try {
            mc.closeAsync().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            log("close: " + e);
        }
    }

    static void log(String s) {
        System.out.println("harness: " + s);
        System.out.flush();
    }

    // ================================================================================================
    // Scenario
    // ================================================================================================
    void parseJob(JsonNode sc) {
        for (JsonNode o : sc.path("job").path("operators")) {
            OpSpec s = new OpSpec();
            s.name = o.path("name").asText();
            s.kind = o.path("kind").asText();
            s.parallelism = o.path("parallelism").asInt(1);
            s.recordsPerSec = o.path("records_per_sec").asDouble(100);
            s.keySpace = o.path("key_space").asInt(128);
            s.processMs = o.path("process_ms").asDouble(s.kind.equals("source") ? 0 : 0.1);
            s.stateBytesPerKey = o.path("state_bytes_per_key").asInt(256);
            s.syncMs = o.path("snapshot_sync_ms").asDouble(2);
            s.asyncMs = o.path("snapshot_async_ms").asDouble(20);
            ops.add(s);
        }
        for (JsonNode e : sc.path("job").path("edges")) {
            EdgeSpec s = new EdgeSpec();
            s.from = e.path("from").asText();
            s.to = e.path("to").asText();
            s.partitioning = e.path("partitioning").asText("forward");
            edges.add(s);
        }
    }

    void parseFaults(JsonNode sc) {
        int i = 0;
        for (JsonNode f : sc.path("faults")) {
            String kind = f.path("kind").asText();
            long at = f.path("at_ms").asLong();
            switch (kind) {
                case "snapshot_failure":
                    if (f.path("phase").asText().equals("async") && isSourceTask(f.path("task").asText())) {
                        skip(i, kind, "a FLIP-27 source's split state is serialized in the synchronous part; there is no asynchronous hook to fail");
                        break;
                    }
                    // fall through
                case "kill":
                case "slow":
                case "storage_outage":
                    Reg.faults.add(new Reg.Fault(i, kind, at, f.path("task").isMissingNode() ? null : f.path("task").asText(),
                            f.path("factor").asDouble(1), f.path("duration_ms").asLong(0), f.path("phase").asText("sync")));
                    break;
                case "trigger_checkpoint":
                case "trigger_savepoint":
                    break; // through REST, scheduled in run()
                case "coordinator_failover":
                    skip(i, kind, "a JobManager failover cannot be caused from user code in an in-process MiniCluster (no HA services); not reproducible");
                    break;
                case "drop_ack":
                    skip(i, kind, "losing one acknowledgement RPC cannot be done from user code; not reproducible");
                    break;
                case "decline":
                    skip(i, kind, "user code cannot make a subtask send CHECKPOINT_DECLINED; use snapshot_failure (phase sync or async)");
                    break;
                default:
                    skip(i, kind, "unknown fault kind");
            }
            i++;
        }
    }

    boolean isSourceTask(String task) {
        String op = task.contains("#") ? task.substring(0, task.indexOf('#')) : task;
        for (OpSpec o : ops) if (o.name.equals(op)) return o.kind.equals("source");
        return false;
    }

    void skip(int index, String kind, String why) {
        ObjectNode n = skipped.addObject();
        n.put("index", index);
        n.put("kind", kind);
        n.put("why", why);
        log("skipping fault " + index + " (" + kind + "): " + why);
    }

    void set(Configuration conf, String key, Object value) {
        conf.setString(key, String.valueOf(value));
        configSet.put(key, value);
    }

    Configuration buildConfig(JsonNode sc, Path workDir) {
        Configuration conf = new Configuration();
        JsonNode cp = sc.path("checkpointing");
        // Network and cluster: loopback only, ports chosen by the OS.
        set(conf, "rest.bind-address", "127.0.0.1");
        set(conf, "rest.address", "127.0.0.1");
        set(conf, "rest.bind-port", "0");
        set(conf, "jobmanager.bind-host", "127.0.0.1");
        set(conf, "jobmanager.rpc.address", "127.0.0.1");
        set(conf, "taskmanager.bind-host", "127.0.0.1");
        set(conf, "taskmanager.host", "127.0.0.1");
        // REST caches: read fresh figures (the default caches checkpoint statistics for 3 s).
        set(conf, "web.refresh-interval", "10 ms");
        set(conf, "rest.cache.checkpoint-statistics.timeout", "10 ms");
        set(conf, "rest.cache.execution-graph.timeout", "10 ms");
        // Metric store refreshed every second (default 10 s) for flink/vertices.json's samples.
        set(conf, "metrics.fetcher.update-interval", "1000 ms");
        set(conf, "web.checkpoints.history", 1000);
        set(conf, "web.exception-history-size", 1000);
        set(conf, "pipeline.operator-chaining.enabled", false);
        // Network buffers: network.segment_size (bytes), Flink's 32 KiB when absent, as in the
        // simulation. The captures in tests/flink/ were made with 4 KiB and say so in their
        // scenario files. The MiniCluster has one TaskManager, so every channel is local; the
        // comparison simulates local channels (network.local_channels).
        JsonNode net = sc.path("network");
        long segment = net.hasNonNull("segment_size") ? net.get("segment_size").asLong() : 32768;
        set(conf, "taskmanager.memory.segment-size", segment + " b");
        // Output flusher: execution.buffer-timeout.interval (Flink's default 100 ms applies when
        // absent); a negative value (-1, the old setBufferTimeout(-1)) disables the flusher
        // (execution.buffer-timeout.enabled false: a buffer is sent only when full).
        if (net.hasNonNull("buffer_timeout_ms")) {
            long bt = net.get("buffer_timeout_ms").asLong();
            if (bt < 0) {
                set(conf, "execution.buffer-timeout.enabled", false);
            } else {
                set(conf, "execution.buffer-timeout.enabled", true);
                set(conf, "execution.buffer-timeout.interval", bt + " ms");
            }
        }
        // Buffer debloating (Flink's defaults, off and 1 s, when absent).
        JsonNode bd = net.path("buffer_debloat");
        if (bd.isObject()) {
            if (bd.hasNonNull("enabled")) {
                set(conf, "taskmanager.network.memory.buffer-debloat.enabled", bd.get("enabled").asBoolean());
            }
            if (bd.hasNonNull("target_ms")) {
                set(conf, "taskmanager.network.memory.buffer-debloat.target", bd.get("target_ms").asLong() + " ms");
            }
        }
        // Checkpoint storage on the flaky:// file system (storage_outage), files always written.
        set(conf, "state.backend.type", "hashmap");
        set(conf, "execution.checkpointing.storage", "filesystem");
        set(conf, "execution.checkpointing.dir", FlakyFs.SCHEME + "://" + workDir.resolve("checkpoints"));
        set(conf, "execution.checkpointing.savepoint-dir", FlakyFs.SCHEME + "://" + workDir.resolve("savepoints"));
        set(conf, "execution.checkpointing.data-inline-threshold", "0 b");
        // Checkpointing, from the scenario (Flink's defaults where the scenario leaves it out).
        if (cp.hasNonNull("interval_ms")) {
            set(conf, "execution.checkpointing.interval", cp.get("interval_ms").asLong() + " ms");
        }
        set(conf, "execution.checkpointing.mode", cp.path("mode").asText("EXACTLY_ONCE"));
        set(conf, "execution.checkpointing.timeout", cp.path("timeout_ms").asLong(600_000) + " ms");
        set(conf, "execution.checkpointing.min-pause", cp.path("min_pause_ms").asLong(0) + " ms");
        set(conf, "execution.checkpointing.max-concurrent-checkpoints", cp.path("max_concurrent").asInt(1));
        set(conf, "execution.checkpointing.tolerable-failed-checkpoints", cp.path("tolerable_failed").asInt(0));
        set(conf, "execution.checkpointing.unaligned.enabled", cp.path("unaligned").asBoolean(false));
        Reg.unalignedCheckpoints = cp.path("unaligned").asBoolean(false);
        set(conf, "execution.checkpointing.aligned-checkpoint-timeout", cp.path("aligned_timeout_ms").asLong(0) + " ms");
        set(conf, "execution.checkpointing.num-retained", cp.path("num_retained").asInt(1));
        // Restart strategy: exponential delay without jitter.
        set(conf, "restart-strategy.type", "exponential-delay");
        set(conf, "restart-strategy.exponential-delay.initial-backoff", sc.path("restart_delay_ms").asLong(1000) + " ms");
        set(conf, "restart-strategy.exponential-delay.max-backoff", "60 s");
        set(conf, "restart-strategy.exponential-delay.backoff-multiplier", 1.5);
        set(conf, "restart-strategy.exponential-delay.reset-backoff-threshold", "1 h");
        set(conf, "restart-strategy.exponential-delay.jitter-factor", 0.0);
        if (sc.hasNonNull("restart_attempts")) {
            set(conf, "restart-strategy.exponential-delay.attempts-before-reset-backoff", sc.get("restart_attempts").asInt());
        }
        return conf;
    }

    // ================================================================================================
    // Job graph
    // ================================================================================================
    static final class KeyOf implements KeySelector<Rec, Integer> {
        private static final long serialVersionUID = 1L;
        @Override public Integer getKey(Rec r) { return r.key; }
    }

    void buildJob(StreamExecutionEnvironment env, JsonNode sc) {
        TypeInformation<Rec> recType = TypeInformation.of(Rec.class);
        int recordBytes = sc.path("network").path("record_bytes").asInt(1024);
        int payload = Math.max(0, recordBytes - 32); // ~32 bytes of header fields
        Map<String, DataStream<Rec>> out = new HashMap<>();
        Map<String, OpSpec> byName = new HashMap<>();
        for (OpSpec o : ops) byName.put(o.name, o);
        // Global source indexes (Rec.src).
        Map<String, Integer> srcBase = new HashMap<>();
        for (OpSpec o : ops) {
            if (!o.kind.equals("source")) continue;
            srcBase.put(o.name, Reg.sourceNames.size());
            for (int i = 0; i < o.parallelism; i++) {
                Reg.sourceNames.add(o.name + "#" + i);
                Reg.keySpaceOf.add(o.keySpace);
            }
        }
        // Topological order.
        List<OpSpec> order = new ArrayList<>();
        Set<String> done = new HashSet<>();
        while (order.size() < ops.size()) {
            boolean progress = false;
            for (OpSpec o : ops) {
                if (done.contains(o.name)) continue;
                boolean ready = true;
                for (EdgeSpec e : edges) if (e.to.equals(o.name) && !done.contains(e.from)) ready = false;
                if (ready) {
                    order.add(o);
                    done.add(o.name);
                    progress = true;
                }
            }
            if (!progress) throw new IllegalArgumentException("job.edges: the edges form a cycle");
        }
        for (OpSpec o : order) {
            List<EdgeSpec> in = new ArrayList<>();
            for (EdgeSpec e : edges) if (e.to.equals(o.name)) in.add(e);
            boolean broadcastIn = in.stream().anyMatch(e -> e.partitioning.equals("broadcast"));
            Op op = new Op(o.name, o.kind, o.processMs, o.syncMs, o.asyncMs, broadcastIn);
            if (o.kind.equals("source")) {
                DataStream<Rec> s = env.fromSource(
                                new NumSource(op, o.recordsPerSec, o.keySpace, payload, srcBase.get(o.name), o.parallelism),
                                WatermarkStrategy.noWatermarks(), o.name, recType)
                        .uid(o.name).setParallelism(o.parallelism);
                out.put(o.name, s);
                continue;
            }
            boolean allHash = !in.isEmpty() && in.stream().allMatch(e -> e.partitioning.equals("hash"));
            if (o.kind.equals("keyed") && allHash) {
                DataStream<Rec> u = union(in.stream().map(e -> out.get(e.from)).toList());
                SingleOutputStreamOperator<Rec> s = u.keyBy(new KeyOf())
                        .process(new KeyedOp(op, o.stateBytesPerKey), recType)
                        .name(o.name).uid(o.name).setParallelism(o.parallelism);
                out.put(o.name, s);
                continue;
            }
            List<DataStream<Rec>> parts = new ArrayList<>();
            for (EdgeSpec e : in) {
                DataStream<Rec> up = out.get(e.from);
                DataStream<Rec> p;
                switch (e.partitioning) {
                    case "forward": p = up.forward(); break;
                    case "hash": p = up.keyBy(new KeyOf()); break;
                    case "rebalance": p = up.rebalance(); break;
                    case "broadcast": p = up.broadcast(); break;
                    default: throw new IllegalArgumentException("partitioning " + e.partitioning);
                }
                parts.add(new DataStream<>(env, p.getTransformation()));
            }
            DataStream<Rec> u = union(parts);
            if (o.kind.equals("sink")) {
                DataStreamSink<Rec> s = u.addSink(new Sink(op)).name(o.name).uid(o.name).setParallelism(o.parallelism);
            } else {
                // map, or keyed whose inputs are not all hash (then its state is not keyed)
                SingleOutputStreamOperator<Rec> s = u.process(new MapOp(op), recType)
                        .name(o.name).uid(o.name).setParallelism(o.parallelism);
                out.put(o.name, s);
            }
        }
    }

    static DataStream<Rec> union(List<DataStream<Rec>> in) {
        DataStream<Rec> first = in.get(0);
        if (in.size() == 1) return first;
        @SuppressWarnings("unchecked")
        DataStream<Rec>[] rest = in.subList(1, in.size()).toArray(new DataStream[0]);
        return first.union(rest);
    }

    /** The scenario operator a job vertex runs ("Source: src" -> "src", "Sink: out" -> "out"). */
    String opNameOfVertex(String vertexName) {
        for (OpSpec o : ops) {
            if (vertexName.equals(o.name) || vertexName.endsWith(": " + o.name)) return o.name;
        }
        return vertexName.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    // ================================================================================================
    // REST
    // ================================================================================================
    String get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(rest + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return r.body();
    }

    String post(String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(rest + path)).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return r.body();
    }

    // ================================================================================================
    // Per-vertex figures (flink/vertices.json)
    // ================================================================================================
    static final long SAMPLE_MS = 2000;
    /** Subtask metrics read for every vertex, aggregated over its subtasks (min, max, avg, sum). */
    static final String SUBTASK_METRICS = String.join(",",
            "busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "idleTimeMsPerSecond",
            "numRecordsInPerSecond", "numRecordsOutPerSecond", "numBytesInPerSecond", "numBytesOutPerSecond",
            "numBuffersOutPerSecond",
            "Shuffle.Netty.Input.Buffers.inputQueueLength", "Shuffle.Netty.Input.Buffers.inputQueueSize",
            "Shuffle.Netty.Input.Buffers.inPoolUsage",
            "Shuffle.Netty.Output.Buffers.outputQueueLength", "Shuffle.Netty.Output.Buffers.outputQueueSize",
            "Shuffle.Netty.Output.Buffers.outPoolUsage",
            "debloatedBufferSize", "estimatedTimeToConsumeBuffersMs",
            // Cumulative counters: the *PerSecond rates are 60 s MeterViews (a 35 s run never
            // fills the window), so rates over a window come from differences of these.
            "numRecordsIn", "numRecordsOut", "numBytesIn", "numBytesOut",
            "accumulateBusyTimeMs", "accumulateBackPressuredTimeMs", "accumulateIdleTimeMs");

    /** Per vertex: the wanted metrics the vertex has (Flink answers [] when one name is unknown). */
    final Map<String, String> availableMetrics = new HashMap<>();

    /** The aggregated subtask metrics of a vertex ([] while Flink's metric store has none yet). */
    JsonNode subtaskMetrics(String jid, String vid) throws Exception {
        String base = "/jobs/" + jid + "/vertices/" + vid + "/subtasks/metrics";
        String names = availableMetrics.get(vid);
        if (names == null) {
            Set<String> have = new HashSet<>();
            for (JsonNode m : M.readTree(get(base))) have.add(m.path("id").asText());
            List<String> keep = new ArrayList<>();
            for (String w : SUBTASK_METRICS.split(",")) if (have.contains(w)) keep.add(w);
            // With debloating on, each input gate has its own debloatedBufferSize
            // (Shuffle.Netty.Input.<gate>.debloatedBufferSize or similar): take whatever is there.
            for (String h : new TreeSet<>(have)) if (h.endsWith("debloatedBufferSize") && !keep.contains(h)) keep.add(h);
            if (keep.isEmpty()) return M.createArrayNode(); // the metric store is still empty: ask again next time
            names = String.join(",", keep);
            availableMetrics.put(vid, names);
        }
        return M.readTree(get(base + "?get=" + names + "&agg=min,max,avg,sum"));
    }

    /** One sample: {at_ms, vertices: {operator: [{id, min, max, avg, sum}, ...]}}. Errors are recorded, not fatal. */
    void sampleVertices(String jid, Map<String, String> names, ArrayNode samples) {
        ObjectNode s = M.createObjectNode();
        s.put("at_ms", System.currentTimeMillis() - Reg.t0);
        ObjectNode vs = s.putObject("vertices");
        try {
            if (names.isEmpty()) {
                for (JsonNode v : M.readTree(get("/jobs/" + jid)).path("vertices")) {
                    names.put(v.path("id").asText(), opNameOfVertex(v.path("name").asText()));
                }
            }
            for (var e : names.entrySet()) vs.set(e.getValue(), subtaskMetrics(jid, e.getKey()));
        } catch (Exception e) {
            s.put("error", e.toString());
        }
        samples.add(s);
    }

    /**
     * flink/vertices.json: per vertex (by operator name) the job's vertex `metrics` object of
     * GET /jobs/:id (read-records, write-records, read-bytes, write-bytes, ...), the aggregated
     * subtask metrics at the end, and every ~2 s sample taken during the run.
     */
    void writeVertices(Path flinkDir, String jid, String jobJson, Map<String, String> vertexNames, ArrayNode samples) throws Exception {
        ObjectNode out = M.createObjectNode();
        out.put("sample_interval_ms", SAMPLE_MS);
        out.put("subtask_metrics", SUBTASK_METRICS);
        ObjectNode atEnd = out.putObject("at_end");
        atEnd.put("at_ms", System.currentTimeMillis() - Reg.t0);
        ObjectNode vs = atEnd.putObject("vertices");
        for (JsonNode v : M.readTree(jobJson).path("vertices")) {
            String vid = v.path("id").asText();
            ObjectNode o = vs.putObject(vertexNames.getOrDefault(vid, vid));
            o.put("id", vid);
            o.put("name", v.path("name").asText());
            o.put("parallelism", v.path("parallelism").asInt());
            o.set("metrics", v.path("metrics"));
            o.set("subtask_metrics", subtaskMetrics(jid, vid));
        }
        out.set("samples", samples);
        M.writeValue(flinkDir.resolve("vertices.json").toFile(), out);
    }

    /** Stores a REST body exactly as received. */
    static void write(Path p, String body) throws Exception {
        Files.writeString(p, body.endsWith("\n") ? body : body + "\n");
    }

    /** Polls /jobs/:id until every subtask is RUNNING; returns the latest RUNNING timestamp. */
    long waitAllRunning(String jid, long deadline) throws Exception {
        while (System.currentTimeMillis() < deadline) {
            long polled = System.currentTimeMillis();
            JsonNode job;
            try {
                job = M.readTree(get("/jobs/" + jid));
            } catch (Exception e) {
                Thread.sleep(10);
                continue;
            }
            boolean all = job.path("vertices").size() > 0;
            for (JsonNode v : job.path("vertices")) {
                if (v.path("tasks").path("RUNNING").asInt() != v.path("parallelism").asInt()) all = false;
            }
            if (all) {
                long t0 = 0;
                for (JsonNode v : job.path("vertices")) {
                    JsonNode st = M.readTree(get("/jobs/" + jid + "/vertices/" + v.path("id").asText() + "/subtasktimes"));
                    for (JsonNode s : st.path("subtasks")) t0 = Math.max(t0, s.path("timestamps").path("RUNNING").asLong());
                }
                return t0 > 0 && t0 <= System.currentTimeMillis() ? t0 : polled;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("not all subtasks RUNNING within 60 s of submission");
    }

    void trigger(String jid, String kind, int faultIndex, Path workDir, long end) {
        ObjectNode req = M.createObjectNode();
        req.put("kind", kind);
        req.put("fault_index", faultIndex);
        req.put("at_ms", System.currentTimeMillis() - Reg.t0);
        ObjectNode resp = req.putObject("response");
        synchronized (requests) {
            requests.add(req);
        }
        try {
            String body, base;
            if (kind.equals("savepoint")) {
                ObjectNode b = M.createObjectNode();
                b.put("target-directory", FlakyFs.SCHEME + "://" + workDir.resolve("savepoints"));
                b.put("cancel-job", false);
                b.put("formatType", "CANONICAL");
                body = b.toString();
                base = "/jobs/" + jid + "/savepoints";
            } else {
                body = "{\"checkpointType\":\"CONFIGURED\"}";
                base = "/jobs/" + jid + "/checkpoints";
            }
            String tr = post(base, body);
            JsonNode trj = M.readTree(tr);
            resp.set("trigger", trj);
            String rid = trj.path("request-id").asText();
            log(kind + " triggered at " + req.get("at_ms") + " ms: " + tr);
            JsonNode st = null;
            while (System.currentTimeMillis() < end + 5_000) {
                st = M.readTree(get(base + "/" + rid));
                if (!st.path("status").path("id").asText().equals("IN_PROGRESS")) break;
                Thread.sleep(20);
            }
            synchronized (requests) {
                resp.set("status", st);
                req.put("status_at_ms", System.currentTimeMillis() - Reg.t0);
            }
            log(kind + " status: " + st);
        } catch (Exception e) {
            synchronized (requests) {
                resp.put("error", e.toString());
            }
        }
    }
}
