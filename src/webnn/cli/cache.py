"""``webnn cache info|clear``: the cache directory and the TensorRT-RTX engine cache in it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import cache_dir
from ..backends.trtx.cache import EngineCache
from ..models import weights
from ._args import AddParser, add_json_flag, examples
from ._errors import EXIT_OK, UserError
from ._executors import trtx_cache
from ._output import human_bytes, print_json


def register(add_parser: AddParser) -> None:
    s = add_parser(
        "cache",
        help="show or clear the cache (engines, fetched weights)",
        description="The cache directory: TensorRT-RTX engines and runtime caches, fetched model weights. "
        "clear empties it (only webnn's own entries in a directory webnn did not create).",
        epilog=examples("webnn cache info", "webnn cache info --json", "webnn cache clear"),
    )
    s.add_argument("action", choices=["info", "clear"], help="info: what is cached; clear: delete it")
    add_json_flag(s)
    s.set_defaults(handler=handle)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, Path):
        return str(v)
    if hasattr(v, "__dict__"):
        return {k: _jsonable(x) for k, x in vars(v).items() if not k.startswith("_")}
    return str(v)


def _print_trtx(t: Any) -> None:
    """The TensorRT-RTX engine cache's own report, one line per engine."""
    if not isinstance(t, dict):
        print(f"trtx: {t}")
        return
    head = {k: v for k, v in t.items() if not isinstance(v, (list, dict))}
    if {"entries", "bytes"} <= set(head):
        limit = f" (limit {human_bytes(head['max_bytes'])})" if head.get("max_bytes") else ""
        print(f"TensorRT-RTX engines: {head['entries']} in {head.get('dir', '?')}, {human_bytes(head['bytes'])}{limit}")
    else:
        print("trtx: " + ", ".join(f"{k}={v}" for k, v in head.items()))
    for item in t.get("items", []) or []:
        if isinstance(item, dict):
            label = item.get("label") or item.get("key")
            extra = f", built in {item['build_seconds']:.1f} s" if isinstance(item.get("build_seconds"), (int, float)) else ""
            print(f"  {str(label):<40} {human_bytes(item.get('bytes', 0))} {'+'.join(item.get('kinds', []))}{extra}")


def _info(as_json: bool) -> None:
    info = cache_dir.cache_info()
    tx = trtx_cache()
    if tx is not None:
        info["trtx"] = _jsonable(tx.cache_info())
    if as_json:
        print_json(info)
        return
    print(f"cache directory: {info['dir']}" + ("" if info["exists"] else " (not created yet)"))
    print(f"size: {human_bytes(info['bytes'])} in {info['files']} file(s)")
    if info.get("problem"):
        print(f"not used: {info['problem']}")
    for name, size in info["entries"].items():
        print(f"  {name:<30} {human_bytes(size)}")
    if "trtx" in info:
        _print_trtx(info["trtx"])


def _clear(as_json: bool) -> None:
    result = cache_dir.clear_cache([lambda base: EngineCache(base).clear(), weights.clear_cached])
    if result["refused"]:
        raise UserError(f"not clearing {result['dir']}: {result['refused']}")
    if as_json:
        print_json(result)
        return
    print(f"cleared {result['dir']}: {human_bytes(result['removed_bytes'])} in {result['removed_files']} file(s)")
    if result["removed_entries"]:
        print(f"  entries removed (TensorRT-RTX engines, demo weight files): {result['removed_entries']}")
    kept = result["kept"]
    if kept:
        shown = ", ".join(kept[:8]) + (f" and {len(kept) - 8} more" if len(kept) > 8 else "")
        print(f"  kept {shown} (not written by webnn)")


def handle(args: argparse.Namespace) -> int:
    (_info if args.action == "info" else _clear)(args.json)
    return EXIT_OK
