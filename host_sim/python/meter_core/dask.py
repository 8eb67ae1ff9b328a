"""Replay of many recordings on a dask.distributed cluster (Debian's
python3-distributed): one task per recording, on whatever cluster the client
points at. Errors are per file: one bad recording does not fail the rest.

    from distributed import Client
    import meter_core.dask
    client = Client("tcp://scheduler:8786")          # or a LocalCluster
    df = meter_core.dask.replay_many(paths, client=client, wiring="3p4w")

The workers need meter_core importable (the same build, e.g. on PYTHONPATH)
and the recordings at the same paths (shared storage). docs/PYTHON.md.
"""
import pandas as pd

import meter_core


def _replay_one(item, options):
    """One task: (path, DataFrame or None, error message or None)."""
    path, own = (item[0], dict(options, **item[1])) if isinstance(item, tuple) else (item, options)
    try:
        df = meter_core.replay(path, **own)
        return path, df, None
    except (ValueError, OSError) as error:  # the command line's message, per file
        return path, None, "%s: %s" % (type(error).__name__, error)


def replay_many(paths, client=None, **options):
    """Replays every path as its own task; returns one DataFrame with a `file`
    column (t_s stays the index), rows in the order of `paths`. An item may
    be (path, {options}) for options of its own, over the common ones.

    df.attrs["errors"] maps each failed path to its message;
    df.attrs["summaries"] and df.attrs["registers"] map each replayed path to
    its summary and registers. Without `client`, the current default client
    (distributed.get_client()) is used.
    """
    from distributed import get_client

    client = client if client is not None else get_client()
    items = [(str(p[0]), dict(p[1])) if isinstance(p, tuple) else str(p) for p in paths]
    futures = client.map(_replay_one, items, options=options, pure=False)
    results = client.gather(futures)
    frames, errors, summaries, registers = [], {}, {}, {}
    for path, df, error in results:
        if error is not None:
            errors[path] = error
            continue
        summaries[path] = df.attrs.get("summary")
        registers[path] = df.attrs.get("registers")
        df = df.copy()
        df.attrs = {}
        df.insert(0, "file", path)
        frames.append(df)
    out = pd.concat(frames) if frames else pd.DataFrame({"file": pd.Series(dtype=str)})
    out.attrs["errors"] = errors
    out.attrs["summaries"] = summaries
    out.attrs["registers"] = registers
    return out
