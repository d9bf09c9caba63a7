#!/usr/bin/python3
"""Prints bench/compare.sh's table from its raw results.

    compare_table.py RESULTS LOAD_BEFORE LOAD_AFTER GO_VERSION COMMIT [BASE]

RESULTS has one line per engine run: "ENGINE WORKLOAD THREADS ROUND JSON",
ENGINE one of go (convnet), base (the BASE_BIN/BASE_REF convnet), torch, ort;
several JSON lines of one run are merged (the peak-RSS probe adds one).
"""
import json
import os
import statistics
import subprocess
import sys

ENGINES = ["go", "base", "torch", "ort"]
NAMES = {"go": "convnet", "base": "base", "torch": "PyTorch", "ort": "ORT"}


def ms(rec):
    return rec.get("ms_per_step", rec.get("ms_median"))


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "?"


def fmt(v, digits):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}f}"


def main():
    path, before, after, gover, commit = sys.argv[1:6]
    base_name = sys.argv[6] if len(sys.argv) > 6 else ""
    runs = {}  # (engine, workload, threads, round) -> merged record
    order = []  # (workload, threads) in run order
    for line in open(path):
        engine, w, t, r, js = line.rstrip("\n").split(" ", 4)
        runs.setdefault((engine, w, int(t), int(r)), {}).update(json.loads(js))
        if (w, int(t)) not in order:
            order.append((w, int(t)))
    present = [e for e in ENGINES if any(k[0] == e for k in runs)]
    versions = {"go": gover}
    for (e, *_), rec in runs.items():
        if e == "torch" and "torch" in rec:
            versions["torch"] = "PyTorch " + rec["torch"]
        if e == "ort" and "engine" in rec:
            versions["ort"] = rec["engine"].replace("onnxruntime", "ONNX Runtime")

    rows, details = [], []
    for w, t in order:
        rounds = sorted({k[3] for k in runs if k[1] == w and k[2] == t})
        recs = {e: [runs[(e, w, t, r)] for r in rounds if (e, w, t, r) in runs] for e in present}
        med = {e: statistics.median(ms(x) for x in v) if v else None for e, v in recs.items()}

        def ratios(e):
            return [ms(runs[("go", w, t, r)]) / ms(runs[(e, w, t, r)]) for r in rounds
                    if ("go", w, t, r) in runs and (e, w, t, r) in runs]
        rat = {e: ratios(e) for e in present if e != "go"}
        flops = next((x["flops_per_step"] for e in ("go", "base", "torch")
                      for x in recs.get(e, []) if x.get("flops_per_step")), None)
        gf = {e: flops / med[e] / 1e6 if flops and med[e] else None for e in present}
        rss = {e: max(x.get("peak_rss_mb", 0) for x in v) if v else None for e, v in recs.items()}
        cells = [w, str(t)] + [fmt(med[e], 2) for e in present]
        cells += [fmt(statistics.median(rat[e]), 2) if rat[e] else "-" for e in present if e != "go"]
        cells.append(" / ".join(fmt(gf[e], 1) for e in present))
        cells.append(" / ".join(fmt(rss[e], 0) for e in present))
        rows.append(cells)
        parts = [f"convnet/{NAMES[e]} " + ", ".join(f"{x:.2f}" for x in rat[e]) for e in present if e != "go" and rat[e]]
        g = recs.get("go", [])
        if g:
            parts.append(f"convnet steps {min(x['ms_min'] for x in g):.1f}-{max(x['ms_max'] for x in g):.1f} ms")
            cw = [x["cpu_ms_per_step"] / ms(x) for x in g if x.get("cpu_ms_per_step")]
            if cw:
                parts.append(f"convnet cpu/wall {statistics.median(cw):.2f}")
        odd = sorted({f"{NAMES[e]} {x['threads']}" for e, v in recs.items() for x in v
                      if "threads" in x and x["threads"] != t})
        if odd:
            parts.append("WARNING: ran with other thread counts: " + ", ".join(odd))
        details.append(f"- {w}, threads {t}: " + "; ".join(parts))

    names = [NAMES[e] for e in present]
    hdr = ["workload", "threads"] + [f"{n} ms" for n in names]
    hdr += [f"convnet/{n}" for n in names[1:]]
    hdr += ["GFLOP/s " + " / ".join(names), "peak RSS MB " + " / ".join(names)]
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs; load average before {before}, after {after}")
    print("versions: convnet " + commit + ", " + ", ".join(versions[e] for e in ["go", "torch", "ort"] if e in versions)
          + (f"; base = {base_name}" if "base" in present else ""))
    print()
    print("| " + " | ".join(hdr) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(hdr) - 1)) + " |")
    for c in rows:
        print("| " + " | ".join(c) + " |")
    print()
    print("Per round:")
    for d in details:
        print(d)
    counts = sorted({t for _, t in order})
    if len(counts) > 1:
        print()
        print(f"Speed-up over {counts[0]} thread(s) (ratio of the medians):")
        for w in dict.fromkeys(w for w, _ in order):
            parts = []
            for e in present:
                lo = [ms(x) for (ee, ww, t, _), x in runs.items() if ee == e and ww == w and t == counts[0]]
                if not lo:
                    continue
                ups = []
                for c in counts[1:]:
                    hi = [ms(x) for (ee, ww, t, _), x in runs.items() if ee == e and ww == w and t == c]
                    if hi:
                        ups.append(f"{statistics.median(lo) / statistics.median(hi):.2f} at {c}")
                if ups:
                    parts.append(f"{NAMES[e]} " + ", ".join(ups))
            if parts:
                print(f"- {w}: " + "; ".join(parts))
    print()
    print("ms = median over rounds of each run's median ms per step; convnet/X = median of the per-round ratios;")
    print("GFLOP/s = the workload's flops_per_step over ms; peak RSS = the largest over the rounds;")
    print("convnet cpu/wall = process CPU time per step over wall time (threads = all busy).")


if __name__ == "__main__":
    main()
