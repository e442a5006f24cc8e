#!/usr/bin/env python3
"""Draw a lab trace as a third-party ftrace reader sees it: CPU lanes (which
task runs on which CPU over time) from TRAPpy's parsed sched_switch table,
and below them each task's 'lag' counter (tracing_mark_write C|pid|lag|value
lines, split by trappy.SysTrace), drawn with matplotlib.

TRAPpy (ARM's parser of tracefs text, PyPI) is not part of the build:

    python3 -m venv /tmp/trappy && . /tmp/trappy/bin/activate
    pip install TRAPpy==6.0.1 matplotlib
    cargo run --release -p eevdf-lab -- trace-out lab/scenarios/pingpong.toml \
        --secs 0.03 -o /tmp/pingpong.txt
    python scripts/trace-picture.py /tmp/pingpong.txt docs/img/lab-trace-pingpong.png

usage: trace-picture.py TRACE.txt OUT.png
"""
import os, shutil, sys, tempfile, warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import trappy

warnings.simplefilter("ignore")
path, out = sys.argv[1], sys.argv[2]

# systrace envelope so that TRAPpy's SysTrace also splits the C| counters
body = open(path).read()
# In a temporary directory: TRAPpy caches its tables beside the file it reads.
tmp = tempfile.mkdtemp()
fd, html = tempfile.mkstemp(suffix=".html", dir=tmp)
with os.fdopen(fd, "w") as f:
    f.write("<title>Android System Trace</title>\n"
            '  <script class="trace-data" type="application/text">\n')
    f.write(body)
    f.write("  </script>\n")
tr = trappy.SysTrace(html, normalize_time=False)
shutil.rmtree(tmp)

sw = tr.sched_switch.data_frame
end = max(getattr(tr, n).data_frame.index.max() for n in tr.class_definitions
          if len(getattr(tr, n).data_frame))
ncpu = int(sw["__cpu"].max()) + 1
names = {}
segs = {}  # (cpu) -> list of (start, dur, pid)
last = {}
for ts, cpu, npid, ncomm in zip(sw.index, sw["__cpu"], sw["next_pid"], sw["next_comm"]):
    if cpu in last and last[cpu][1] != 0:
        segs.setdefault(cpu, []).append((last[cpu][0], ts - last[cpu][0], last[cpu][1]))
    last[cpu] = (ts, npid)
    if npid != 0:
        names[npid] = f"{ncomm}-{npid}"
for cpu, (ts, pid) in last.items():
    if pid != 0:
        segs.setdefault(cpu, []).append((ts, end - ts, pid))

pids = sorted(names)
cmap = plt.get_cmap("tab10" if len(pids) <= 10 else "tab20")
color = {p: cmap(i % cmap.N) for i, p in enumerate(pids)}

c = tr.tracing_mark_write.data_frame
c = c[(c["event"] == "C") & (c["func"] == "lag")]

fig, (ax, ax2) = plt.subplots(2, 1, figsize=(14, 3 + 0.6 * ncpu + 3),
                              gridspec_kw={"height_ratios": [0.6 * ncpu + 1, 3]},
                              sharex=True)
for cpu in range(ncpu):
    for p in pids:
        bars = [(s * 1e3, d * 1e3) for s, d, q in segs.get(cpu, []) if q == p]
        if bars:
            ax.broken_barh(bars, (cpu - 0.4, 0.8), facecolors=color[p],
                           edgecolor="none")
ax.set_yticks(range(ncpu))
ax.set_yticklabels([f"CPU {i}" for i in range(ncpu)])
ax.invert_yaxis()
ax.set_title(f"{os.path.basename(path)}: CPU lanes from TRAPpy's sched_switch "
             f"({len(sw)} switches)")
ax.legend(handles=[matplotlib.patches.Patch(color=color[p], label=names[p]) for p in pids],
          loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
for pid, g in c.groupby("pid"):
    y = g["data"].astype(float) / 1e6  # ns -> ms
    ax2.step(g.index * 1e3, y, where="post", label=names.get(pid, str(pid)),
             color=color.get(pid, "k"), lw=0.8)
ax2.set_ylabel("lag (ms of vtime)")
ax2.set_xlabel("time (ms)")
ax2.set_title("counter 'lag' per task, from tracing_mark_write C|pid|lag|value "
              "(parsed by trappy.SysTrace)")
ax2.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
ax2.set_xlim(0, end * 1e3)
fig.tight_layout()
fig.savefig(out, dpi=110)
print(f"wrote {out}: {ncpu} CPUs, {sum(len(v) for v in segs.values())} run slices, "
      f"{len(pids)} tasks, {len(c)} lag samples")
