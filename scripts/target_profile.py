#!/usr/bin/env python3
"""Instructions per function and per frame of a Cortex-M4F self-test image.

Reads QEMU's `-d in_asm,exec,nochain` log on stdin: each translated block is
listed once ("IN:" and its instructions), and every execution of a block
prints a "Trace" line naming its host address and the guest symbol. With
chaining off every execution is logged, so a block's instructions times its
executions, summed per symbol, is an exact count (but for the rare block
QEMU restarts at a device access, counted whole before its restart). It is
divided by the executions of the per-frame function's entry
(`BasicMeter<...>::ProcessOneFrame`, a call on the Cortex-M4F: see
meter.h), giving instructions per frame (per sample set). The image's test
harness (signal generation, store sweeps) appears too, under its own names.

Usage: see scripts/target-profile.sh. A third argument N > 0 also lists
the N blocks of the per-frame function that execute the most instructions
per frame, by guest address (to read against the image's disassembly).
"""
import collections
import subprocess
import sys


def demangle(names):
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def main():
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    block_size = {}
    listing = None
    per_symbol = collections.Counter()
    frame_blocks = collections.Counter()  # executions of ProcessOneFrame's blocks, by guest pc
    frame_block_insns = collections.Counter()  # and the instructions they ran
    for raw in sys.stdin.buffer:
        if raw.startswith(b"IN:"):
            listing = 0
        elif listing is not None and raw.startswith(b"0x"):
            listing += 1
        elif raw.startswith(b"Trace"):
            fields = raw.split()
            host = fields[2]
            if listing is not None:
                block_size[host] = listing
                listing = None
            symbol = fields[4].decode() if len(fields) > 4 else "?"
            per_symbol[symbol] += block_size.get(host, 0)
            if "ProcessOneFrame" in symbol:
                guest_pc = int(fields[3].decode().strip("[]").split("/")[1], 16)
                frame_blocks[guest_pc] += 1
                frame_block_insns[guest_pc] += block_size.get(host, 0)
    if not frame_blocks:
        sys.exit("no ProcessOneFrame blocks in the log: is this a self-test image?")
    # The function's entry block has its lowest pc: one execution a frame.
    frame_entries = frame_blocks[min(frame_blocks)]
    total = sum(per_symbol.values())
    print(f"frames: {frame_entries}; instructions in the whole run: {total}")
    print(f"{'per frame':>10}  function")
    names = [name for name, _ in per_symbol.most_common(top)]
    for (name, count), pretty in zip(per_symbol.most_common(top), demangle(names)):
        print(f"{count / frame_entries:10.1f}  {pretty[:150]}")
    blocks = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if blocks > 0:
        print(f"\nthe per-frame function's blocks: instructions per frame, executions per frame, guest address")
        for pc, insns in frame_block_insns.most_common(blocks):
            print(f"{insns / frame_entries:10.1f} {frame_blocks[pc] / frame_entries:8.3f}  0x{pc:x}")


if __name__ == "__main__":
    main()
