#!/usr/bin/python3
"""V, P and THD over a real recording, window by window (docs/PYTHON.md).

    PYTHONPATH=build/host/python host_sim/python/examples/plot_recording.py \
        ../shared/recordings/generator-6kv-50hz/test1.cfg docs/images/python-example.png
"""
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt

import meter_core

recording, picture = sys.argv[1], sys.argv[2]
df = meter_core.replay(recording, wiring="3p4w")

fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True)
df[["v_rms_a", "v_rms_b", "v_rms_c"]].plot(ax=axes[0], ylabel="V L-N (V)")
(df[["p_w_a", "p_w_b", "p_w_c", "p_w"]] / 1e3).plot(ax=axes[1], ylabel="P (kW)")
df[["thd_v_pct_a", "thd_i_pct_a"]].plot(ax=axes[2], ylabel="THD (%)", xlabel="t (s)")
for ax in axes:
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, ncol=4)
energy = df.attrs["registers"]["kwh_imp"]
fig.suptitle("%s: %d windows, %.3f kWh imported" % (recording.split("/")[-1], len(df), energy))
fig.tight_layout()
fig.savefig(picture, dpi=90)
print(df[["v_rms_a", "p_w", "thd_v_pct_a"]].describe().round(3).to_string())
