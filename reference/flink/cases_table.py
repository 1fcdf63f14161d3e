"""Prints the markdown table of tests/flink/README.md ("What Flink did") from the captures."""
import glob
import json
import os
import sys

REASONS = {
    "Checkpoint expired before completing.": "EXPIRED",
    "Checkpoint Coordinator is suspending.": "COORDINATOR_SUSPEND",
    "Asynchronous task checkpoint failed.": "ASYNC_EXCEPTION",
    "An Exception occurred while triggering the checkpoint. IO-problem detected.": "IO_EXCEPTION",
}
TYPES = {"CHECKPOINT": "", "UNALIGNED_CHECKPOINT": "U", "SAVEPOINT": "SP"}

root = sys.argv[1] if len(sys.argv) > 1 else "tests/flink"
print("| case | history: id@trigger ms (U unaligned, SP savepoint; failed: reason; ... in progress at the end) | counts total/completed/failed | restores | sink committed/dup/lost |")
print("|---|---|---|---|---|")
for d in sorted(glob.glob(os.path.join(root, "*", "flink"))):
    case = d.split(os.sep)[-2]
    run = json.load(open(os.path.join(d, "run.json")))
    cps = json.load(open(os.path.join(d, "checkpoints.json")))
    ops = json.load(open(os.path.join(d, "operators.json")))
    t0 = run["t0_epoch_ms"]
    rows = []
    for h in sorted(cps["history"], key=lambda h: h["id"]):
        s = f"{h['id']}{TYPES.get(h['checkpoint_type'], h['checkpoint_type'])}@{h['trigger_timestamp'] - t0}"
        if h["status"] == "FAILED":
            s += " " + REASONS.get(h.get("failure_message"), h.get("failure_message"))
        elif h["status"] == "IN_PROGRESS":
            s += "..."
        rows.append(s)
    c = cps["counts"]
    rest = sorted({r["restored_checkpoint_id"] for r in ops["restores"]}, key=lambda x: (x is None, x))
    restores = ", ".join(f"from {x}" for x in rest) or "-"
    sk = ops["sink"]
    print(f"| {case} | {', '.join(rows)} | {c['total']}/{c['completed']}/{c['failed']} | {restores} | "
          f"{sk['committed']}/{sk['duplicates']}/{sk['lost']} |")
