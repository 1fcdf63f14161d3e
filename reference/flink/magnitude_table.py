"""Prints, for one magnitude capture (tests/flink-magnitude/<case>/), the per-checkpoint table
(end-to-end duration, max alignment duration and max start delay over the subtasks of each
vertex, persisted_data and processed_data) and the steady-state rates of flink/vertices.json.

    python3 reference/flink/magnitude_table.py tests/flink-magnitude/<case> [--markdown]
"""
import json
import os
import sys

case = sys.argv[1]
md = "--markdown" in sys.argv[2:]
d = os.path.join(case, "flink")
run = json.load(open(os.path.join(d, "run.json")))
cps = json.load(open(os.path.join(d, "checkpoints.json")))
job = json.load(open(os.path.join(d, "job.json")))
t0 = run["t0_epoch_ms"]
ops = []
for v in job["vertices"]:
    n = v["name"]
    for p in ("Source: ", "Sink: "):
        if n.startswith(p):
            n = n[len(p):]
    ops.append(n)


def sub(cid, op):
    p = os.path.join(d, "details", f"{cid}-{op}.json")
    if not os.path.exists(p):
        return []
    return [s for s in json.load(open(p)).get("subtasks", []) if s.get("status") == "completed"]


def row(cells):
    if md:
        return "| " + " | ".join(str(c) for c in cells) + " |"
    return "  ".join(f"{c:>10}" if i else f"{c:>4}" for i, c in enumerate(cells))


head = ["id", "status", "type", "trigger", "e2e ms"]
for op in ops:
    head += [f"{op} align max", f"{op} delay max", f"{op} persisted"]
head += ["persisted", "processed"]
print(row(head))
if md:
    print("|" + "---|" * len(head))
for h in sorted(cps.get("history", []), key=lambda h: h["id"]):
    cells = [h["id"], h["status"], "U" if h["checkpoint_type"] == "UNALIGNED_CHECKPOINT" else "A",
             h["trigger_timestamp"] - t0, h["end_to_end_duration"]]
    for op in ops:
        ss = sub(h["id"], op)
        cells += [max((s["alignment"]["duration"] for s in ss), default="-"),
                  max((s["start_delay"] for s in ss), default="-"),
                  sum(s["alignment"]["persisted"] for s in ss) if ss else "-"]
    cells += [h.get("persisted_data", 0), h.get("processed_data", 0)]
    print(row(cells))

vp = os.path.join(d, "vertices.json")
if not os.path.exists(vp):
    sys.exit(0)
vx = json.load(open(vp))


def val(sample, op, metric, agg="sum"):
    for m in sample["vertices"].get(op, []) if "vertices" in sample else []:
        if m["id"] == metric or metric == "debloatedBufferSize" and m["id"].endswith(metric):
            return m.get(agg)
    return None


# Steady state: counter differences between the sample nearest 10 s and the last one.
end = vx["at_end"]
end_vertices = {op: o["subtask_metrics"] for op, o in end["vertices"].items()}
end = {"at_ms": end["at_ms"], "vertices": end_vertices}
samples = [s for s in vx["samples"] if any(s.get("vertices", {}).values())] + [end]
first = next((s for s in samples if s["at_ms"] >= 10_000 and val(s, ops[0], "numRecordsOut") is not None), None)
print()
if first is None or first is end:
    print("(no counter samples for rates)")
    sys.exit(0)
dt = (end["at_ms"] - first["at_ms"]) / 1000.0
print(f"rates from {first['at_ms']} ms to {end['at_ms']} ms (sum over subtasks; counters differenced):")
print(row(["op", "rec in/s", "rec out/s", "B out/s", "busy ms/s", "bp ms/s", "outQ len", "outQ bytes", "debloat B"]))
if md:
    print("|" + "---|" * 9)
for op in ops:
    def rate(m):
        a, b = val(first, op, m), val(end, op, m)
        return round((b - a) / dt) if a is not None and b is not None else "-"

    def par_rate(m):  # per subtask, averaged
        a, b = val(first, op, m, "avg"), val(end, op, m, "avg")
        return round((b - a) / dt) if a is not None and b is not None else "-"

    def last(m, agg="sum"):
        x = val(end, op, m, agg)
        return round(x) if x is not None else "-"

    print(row([op, rate("numRecordsIn"), rate("numRecordsOut"), rate("numBytesOut"),
               par_rate("accumulateBusyTimeMs"), par_rate("accumulateBackPressuredTimeMs"),
               last("Shuffle.Netty.Output.Buffers.outputQueueLength"),
               last("Shuffle.Netty.Output.Buffers.outputQueueSize"), last("debloatedBufferSize", "avg")]))
