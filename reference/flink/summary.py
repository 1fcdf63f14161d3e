"""Prints a short summary of a Flink capture (OUTDIR/flink/): counts, history, restores, sink."""
import json
import os
import sys

d = os.path.join(sys.argv[1], "flink")
run = json.load(open(os.path.join(d, "run.json")))
job = json.load(open(os.path.join(d, "job.json")))
cps = json.load(open(os.path.join(d, "checkpoints.json")))
ops = json.load(open(os.path.join(d, "operators.json")))
t0 = run["t0_epoch_ms"]

print(f"Flink {run['flink_version']} job {run['job_id']}: state {job.get('state')}, "
      f"run {run['duration_ms']} ms after all subtasks RUNNING")
print("counts:", json.dumps(cps.get("counts")))
print(f"{'id':>4} {'status':<11} {'type':<21} {'trigger':>8} {'e2e':>6} {'acked':>7} {'persisted':>9}  failure_message")
for h in sorted(cps.get("history", []), key=lambda h: h["id"]):
    print(f"{h['id']:>4} {h['status']:<11} {h['checkpoint_type']:<21} {h['trigger_timestamp'] - t0:>8} "
          f"{h['end_to_end_duration']:>6} {h['num_acknowledged_subtasks']:>3}/{h['num_subtasks']:<3} "
          f"{h.get('persisted_data', 0):>9}  {h.get('failure_message') or ''}")
for r in run.get("requests", []):
    st = (r.get("response") or {}).get("status") or {}
    print(f"request {r['kind']} at {r['at_ms']} ms: {json.dumps(st.get('operation', st))[:160]}")
for s in run.get("skipped_faults", []):
    print(f"skipped fault {s['index']} ({s['kind']}): {s['why']}")
for i in ops.get("injected", []):
    print(f"injected {i['kind']} {i.get('phase') or ''} into {i['task']} at {i['at_ms']} ms"
          + (f" (checkpoint {i['checkpoint_id']})" if i.get("checkpoint_id") else ""))
seen = set()
for r in ops.get("restores", []):
    k = (r["attempt"], r["restored_checkpoint_id"])
    if k not in seen:
        seen.add(k)
        print(f"restore: attempt {r['attempt']} from checkpoint {r['restored_checkpoint_id']} at {r['at_ms']} ms")
s = ops.get("sink", {})
print(f"sink: committed {s.get('committed')}, duplicates {s.get('duplicates')}, lost {s.get('lost')}")
