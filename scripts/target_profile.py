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
import re
import subprocess
import sys

# A cycle estimate from the instruction mix, with the Cortex-M4 Technical
# Reference Manual's instruction timings (ARM DDI 0439, table 3-1) and two
# assumptions of ours: memory answers without wait states (code and data in
# SRAM, or flash behind an accelerator that hits), and a taken branch
# refills the pipeline in P = 2 cycles (the manual gives 1 to 3).
BRANCH_REFILL = 2
CONDITIONS = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"}
ALU_FREE_OF_MEMORY = {"ldr", "str"}


def register_count(operands):
    """Registers in a {...} list, ranges included (r4-r7, s16-s23)."""
    inside = operands[operands.find("{") + 1:operands.find("}")]
    count = 0
    for item in inside.split(","):
        item = item.strip()
        if "-" in item:
            lo, hi = (int(re.sub(r"\D", "", x)) for x in item.split("-"))
            count += hi - lo + 1
        elif item:
            count += 1
    return count


def is_branch(mnemonic):
    base = mnemonic.split(".")[0]
    if base in ("b", "bl", "blx", "bx", "cbz", "cbnz", "tbb", "tbh"):
        return True
    return base.startswith("b") and base[1:] in CONDITIONS


def cycles_of(mnemonic, operands, after_memory):
    """Cycles of one instruction (without a taken branch's refill), and
    whether it is a single load or store (which pipelines with the next)."""
    base = mnemonic.split(".")[0]
    if base.startswith("v"):
        if base in ("vdiv", "vsqrt"):
            return 14, False
        if base in ("vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms"):
            return 3, False
        if base in ("vldr", "vstr"):
            return (1 if after_memory else 2), True
        if base.startswith(("vldm", "vstm", "vpush", "vpop")):
            return 1 + register_count(operands), False
        return 1, False  # vadd, vsub, vmul, vabs, vneg, vcmp, vcvt, vmov, vmrs
    if base in ("sdiv", "udiv"):
        return 12, False  # 2 to 12: the worst
    if base in ("mla", "mls"):
        return 2, False
    if base in ("ldrd", "strd"):
        return 3, False
    if base.startswith(("ldm", "stm", "push", "pop")):
        return 1 + register_count(operands) + (BRANCH_REFILL if "pc" in operands else 0), False
    if base.startswith(("ldr", "str")) or base in ("ldrex", "strex"):
        pc_load = base.startswith("ldr") and operands.split(",")[0].strip() == "pc"
        return (1 if after_memory else 2) + (BRANCH_REFILL if pc_load else 0), True
    if base in ("tbb", "tbh"):
        return 2 + BRANCH_REFILL, False
    return 1, False  # data processing, multiplies (MUL, SMULL, SMLAL, SMMUL...), IT, branches not taken


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
    block_cycles = {}  # host address: cycles without a final taken branch
    block_branch = {}  # host address: (ends in a branch, conditional, fall-through pc)
    per_symbol_cycles = collections.Counter()
    cycles, after_memory, last = 0, False, None
    previous = None  # (host, symbol) of the last block executed
    for raw in sys.stdin.buffer:
        if raw.startswith(b"IN:"):
            listing, cycles, after_memory, last = 0, 0, False, None
        elif listing is not None and raw.startswith(b"0x"):
            listing += 1
            parts = raw.decode(errors="replace").split(None, 3)
            # "0xADDR:  f04f 22e0  mov.w  r2, #-0x1fff2000": the encoding's
            # halfwords tell the instruction's size.
            address = int(parts[0].rstrip(":"), 16)
            halfwords = 2 if len(parts) > 2 and re.fullmatch(r"[0-9a-f]{4}", parts[2]) else 1
            text = raw.decode(errors="replace").split(None, 1 + halfwords)[-1].strip()
            mnemonic, _, operands = text.partition(" ")
            c, after_memory = cycles_of(mnemonic, operands, after_memory)
            cycles += c
            last = (mnemonic, address + 2 * halfwords)
        elif raw.startswith(b"Trace"):
            fields = raw.split()
            host = fields[2]
            if listing is not None:
                block_size[host] = listing
                block_cycles[host] = cycles
                ends_in_branch = last is not None and is_branch(last[0])
                conditional = ends_in_branch and last[0].split(".")[0] not in ("b", "bl", "blx", "bx")
                block_branch[host] = (ends_in_branch, conditional, last[1] if last else None)
                listing = None
            symbol = fields[4].decode() if len(fields) > 4 else "?"
            guest = int(fields[3].decode().strip("[]").split("/")[1], 16)
            # The previous block's branch was taken unless this block starts
            # where it fell through.
            if previous is not None:
                ends, conditional, fall_through = block_branch.get(previous[0], (False, False, None))
                if ends and (not conditional or guest != fall_through):
                    per_symbol_cycles[previous[1]] += BRANCH_REFILL
            previous = (host, symbol)
            per_symbol[symbol] += block_size.get(host, 0)
            per_symbol_cycles[symbol] += block_cycles.get(host, 0)
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
    # Cycles per instruction over the metering code: the core's functions
    # and KissFFT, not the image's harness (its signal generator runs on
    # software doubles, whose libgcc routines the core barely calls per
    # sample and so are left out with it, and its register-store sweep).
    all_names = list(per_symbol)
    core_insns = core_cycles = 0
    print(f"\ncycle estimate (Cortex-M4 timings, zero wait states, taken branch +{BRANCH_REFILL}), "
          f"the metering code's largest functions: instructions and cycles per frame, cycles per instruction")
    rows = []
    for name, pretty in zip(all_names, demangle(all_names)):
        # The image's power-cut sweep loads and saves the registers
        # thousands of times; a meter saves every 15 minutes.
        harness = any(h in pretty for h in ("selftest", "(anonymous namespace)", "Check", "RegisterStore", "meter::hal::"))
        core = not harness and ("meter::" in pretty or "kiss_fft" in pretty)
        if core:
            core_insns += per_symbol[name]
            core_cycles += per_symbol_cycles[name]
            rows.append((per_symbol[name], per_symbol_cycles[name], pretty))
    for insns, cyc, pretty in sorted(rows, reverse=True)[:top]:
        print(f"{insns / frame_entries:10.1f} {cyc / frame_entries:10.1f} {cyc / insns:6.3f}  {pretty[:120]}")
    if core_insns:
        print(f"metering code: {core_cycles / core_insns:.3f} cycles per instruction ({core_insns} instructions in the run)")
    blocks = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if blocks > 0:
        print(f"\nthe per-frame function's blocks: instructions per frame, executions per frame, guest address")
        for pc, insns in frame_block_insns.most_common(blocks):
            print(f"{insns / frame_entries:10.1f} {frame_blocks[pc] / frame_entries:8.3f}  0x{pc:x}")


if __name__ == "__main__":
    main()
