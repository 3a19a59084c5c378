"""Shapes and data movement: Reshape, Flatten, (Un)Squeeze, Transpose, Concat, Split, Slice,
Expand, Tile, Pad, Depth/SpaceToDepth, ReverseSequence, and the operators whose result is
known at import (Shape, Size, ConstantOfShape, Constant, EyeLike)."""

from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper

from ...operand import MLOperand
from ...types import MAX_TENSOR_BYTE_LENGTH
from .._importer import NodeContext, Value
from .._registry import onnx_op
from ._common import broadcast, prod, reshape


def _empty(n: NodeContext, shape: list[int], what: str) -> None:
    if any(d == 0 for d in shape):
        raise n.refuse("empty", f"{what} has shape {shape}")


def _same(n: NodeContext, y: MLOperand | None, x: MLOperand) -> MLOperand:
    """A data-movement result: keep the input operand when nothing moves."""
    return x if y is None else y


# -- reshapes ------------------------------------------------------------------------------
def _reshape_target(n: NodeContext, in_shape: tuple[int, ...], spec: list[int], allowzero: bool) -> list[int]:
    out = []
    for i, d in enumerate(spec):
        if d == 0 and not allowzero:
            if i >= len(in_shape):
                raise ValueError(f"shape {spec}: 0 at axis {i} beyond the input rank {len(in_shape)}")
            out.append(in_shape[i])
        else:
            out.append(d)
    if out.count(-1) > 1:
        raise ValueError(f"shape {spec} has more than one -1")
    if -1 in out:
        known = prod(d for d in out if d != -1)
        total = prod(in_shape)
        if known == 0 or total % known:
            raise ValueError(f"shape {spec} cannot hold {total} elements of {list(in_shape)}")
        out[out.index(-1)] = total // known
    if any(d < 0 for d in out):
        raise ValueError(f"invalid shape {spec}")
    return out


@onnx_op("Reshape", since=5)
def reshape_(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    target = _reshape_target(n, tuple(x.shape), n.ints(1, "shape"), bool(n.attr("allowzero", 0)))
    _empty(n, target, "the reshaped tensor")
    return reshape(n, x, target)


@onnx_op("Reshape", since=1, until=4)
def reshape_1(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    target = _reshape_target(n, tuple(x.shape), [int(v) for v in n.attr("shape")], False)
    return reshape(n, x, target)


@onnx_op("Flatten", since=1)
def flatten(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    axis = int(n.attr("axis", 1))
    axis = axis + x.rank if axis < 0 else axis
    if not 0 <= axis <= x.rank:
        raise ValueError(f"axis {axis} out of range")
    return reshape(n, x, [prod(x.shape[:axis]), prod(x.shape[axis:])])


def _squeeze_args(n: NodeContext) -> tuple[MLOperand, list[int] | None]:
    """(Un)Squeeze: the input, and the axes if given (an input from opset 13, an attribute before)."""
    n.dtype(0)
    x = n.x(0)
    if n.version >= 13:
        return x, (n.ints(1, "axes") if n.has(1) else None)
    v = n.attr("axes")
    return x, (None if v is None else [int(a) for a in v])


@onnx_op("Squeeze", since=1)
def squeeze(n: NodeContext) -> MLOperand:
    x, axes = _squeeze_args(n)
    if axes is None:
        axes = [i for i, d in enumerate(x.shape) if d == 1]
    axes = n.axes(axes, x.rank)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"cannot squeeze axis {a} of size {x.shape[a]}")
    return reshape(n, x, [d for i, d in enumerate(x.shape) if i not in axes])


@onnx_op("Unsqueeze", since=1)
def unsqueeze(n: NodeContext) -> MLOperand:
    x, axes = _squeeze_args(n)
    if axes is None:
        raise ValueError("axes are required")
    rank = x.rank + len(axes)
    axes = n.axes(axes, rank)
    shape = list(x.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return reshape(n, x, shape)


@onnx_op("Transpose", since=1)
def transpose(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    perm = n.attr("perm")
    perm = list(range(x.rank - 1, -1, -1)) if perm is None else [int(p) for p in perm]
    if perm == list(range(x.rank)):
        return n.b.identity(x)
    return n.b.transpose(x, permutation=perm)


# -- concat / split --------------------------------------------------------------------------
@onnx_op("Concat", since=4)
def concat(n: NodeContext) -> MLOperand:
    n.dtype(0)
    parts = [i for i in range(len(n.inputs)) if n.has(i)]
    rank = n.rank(parts[0])
    axis = n.axis(n.attr("axis"), rank)
    keep = [i for i in parts if n.shape(i)[axis] != 0]  # empty pieces add nothing
    if not keep:
        raise n.refuse("empty", "every input is empty along the axis")
    for i in keep:
        _empty(n, list(n.shape(i)), f"input {i}")
    xs = [n.x(i) for i in keep]
    return n.b.concat(xs, axis) if len(xs) > 1 else n.b.identity(xs[0])


@onnx_op("Split", since=2)
def split(n: NodeContext) -> list[MLOperand]:
    n.dtype(0)
    x = n.x(0)
    axis = n.axis(n.attr("axis", 0), x.rank)
    dim = x.shape[axis]
    if n.version >= 13:
        sizes = n.ints(1, "split") if n.has(1) else None
    else:
        sizes = n.attr("split")
        sizes = None if sizes is None else [int(s) for s in sizes]
    count = n.n_outputs
    if sizes is None:
        num = n.attr("num_outputs") if n.version >= 18 else None
        if num is not None:
            num = int(num)
            chunk = -(-dim // num)
            sizes = [chunk] * (num - 1) + [dim - chunk * (num - 1)]
        else:
            if dim % count:
                raise ValueError(f"dimension {dim} does not split into {count} equal parts")
            sizes = [dim // count] * count
    if sum(sizes) != dim:
        raise ValueError(f"split sizes {sizes} do not sum to {dim}")
    if len(sizes) == 1:
        return [n.b.identity(x)]
    # Zero-size pieces hold no data: they are known (empty) values; the others are split off.
    nonzero = [s for s in sizes if s]
    parts = iter(n.b.split(x, nonzero, axis=axis) if len(nonzero) > 1 else [n.b.identity(x)])
    out = []
    for s in sizes:
        if s:
            out.append(next(parts))
        else:
            shape = list(x.shape)
            shape[axis] = 0
            out.append(np.empty(shape, dtype=x.dtype))
    return out


# -- slice --------------------------------------------------------------------------------
def _slice(n: NodeContext, x: MLOperand, starts: list[int], ends: list[int], axes: list[int], steps: list[int]) -> MLOperand:
    rank = x.rank
    begin = [0] * rank
    count = list(x.shape)
    stride = [1] * rank
    reverse = []
    for s, e, a, st in zip(starts, ends, axes, steps, strict=False):
        dim = x.shape[a]
        if st == 0:
            raise ValueError("slice step must not be 0")
        s = s + dim if s < 0 else s
        e = e + dim if e < 0 else e
        if st > 0:
            s = min(max(s, 0), dim)
            e = min(max(e, 0), dim)
            c = max(0, -(-(e - s) // st))
            begin[a], count[a], stride[a] = s, c, st
        else:
            s = min(max(s, 0), dim - 1)
            e = min(max(e, -1), dim - 1)
            c = max(0, -(-(s - e) // -st))
            # on the reversed axis, element i of the original is element dim - 1 - i
            begin[a], count[a], stride[a] = dim - 1 - s, c, -st
            reverse.append(a)
    _empty(n, count, "the slice")
    if reverse:
        x = n.b.reverse(x, axes=sorted(set(reverse)))
    if begin == [0] * rank and count == list(x.shape):
        return n.b.identity(x) if not reverse else x
    sizes = [(c - 1) * st + 1 for c, st in zip(count, stride, strict=False)]
    return n.b.slice(x, begin, sizes, strides=stride)


@onnx_op("Slice", since=10, note="negative steps: reverse, then a strided slice")
def slice_(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    starts, ends = n.ints(1, "starts"), n.ints(2, "ends")
    axes = n.ints(3, "axes") if n.has(3) else list(range(len(starts)))
    steps = n.ints(4, "steps") if n.has(4) else [1] * len(starts)
    return _slice(n, x, starts, ends, n.axes(axes, x.rank), steps)


@onnx_op("Slice", since=1, until=9)
def slice_1(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    starts, ends = [int(v) for v in n.attr("starts")], [int(v) for v in n.attr("ends")]
    axes = n.attr("axes")
    axes = list(range(len(starts))) if axes is None else [int(a) for a in axes]
    return _slice(n, x, starts, ends, n.axes(axes, x.rank), [1] * len(starts))


# -- broadcast / repeat ----------------------------------------------------------------------
@onnx_op("Expand", since=8)
def expand(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    out = list(broadcast(x.shape, n.ints(1, "shape")))
    _empty(n, out, "the expanded tensor")
    if out == list(x.shape):
        return n.b.identity(x)
    return n.b.expand(x, out)


@onnx_op("Tile", since=6)
def tile(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    reps = n.ints(1, "repeats")
    _empty(n, reps, "repeats")
    if all(r == 1 for r in reps):
        return n.b.identity(x)
    return n.b.tile(x, reps)


# -- values known at import ------------------------------------------------------------------
@onnx_op("Shape", since=1, note="known at import (static shapes)")
def shape(n: NodeContext) -> np.ndarray:
    dims = list(n.shape(0))
    if n.version >= 15:
        r = len(dims)
        start = int(n.attr("start", 0))
        end = n.attr("end")
        end = r if end is None else int(end)
        start = min(max(start + r if start < 0 else start, 0), r)
        end = min(max(end + r if end < 0 else end, 0), r)
        dims = dims[start:end]
    return np.array(dims, dtype=np.int64)


@onnx_op("Size", since=1, note="known at import (static shapes)")
def size(n: NodeContext) -> np.ndarray:
    return np.array(prod(n.shape(0)), dtype=np.int64)


@onnx_op("ConstantOfShape", since=9, note="known at import")
def constant_of_shape(n: NodeContext) -> np.ndarray:
    dims = n.ints(0, "input")
    if any(d < 0 for d in dims):
        raise ValueError(f"negative dimension in {dims}")
    value = n.attr("value")
    value = np.zeros(1, dtype=np.float32) if value is None else np.asarray(value).reshape(-1)
    if prod(dims) * value.dtype.itemsize > MAX_TENSOR_BYTE_LENGTH:
        raise n.refuse("webnn", f"a tensor of shape {dims} is larger than maxTensorByteLength ({MAX_TENSOR_BYTE_LENGTH} bytes)")
    return np.full(dims, value[0], dtype=value.dtype)


@onnx_op("Constant", since=1, note="known at import")
def constant(n: NodeContext) -> Value | np.ndarray:
    for name in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if n.has_attr(name):
            v = n.attr(name)
            if name == "value":
                t = next(a.t for a in n.node.attribute if a.name == "value")
                return Value(t.data_type, array=numpy_helper.to_array(t))
            dt = np.float32 if "float" in name else np.int64
            return np.asarray(v, dtype=dt)
    if n.has_attr("sparse_value"):
        sp = next(a.sparse_tensor for a in n.node.attribute if a.name == "sparse_value")
        return n.imp._sparse(sp)
    raise n.refuse("dtype", "a string constant")


@onnx_op("EyeLike", since=9, note="known at import (depends only on the input's shape)")
def eye_like(n: NodeContext) -> Value:
    s = n.shape(0)
    if len(s) != 2:
        raise ValueError("EyeLike input must be 2-D")
    elem = int(n.attr("dtype")) if n.attr("dtype") is not None else n.elem(0)
    arr = np.eye(s[0], s[1], k=int(n.attr("k", 0)), dtype=helper.tensor_dtype_to_np_dtype(elem))
    return Value(elem, array=arr)


# -- pad ------------------------------------------------------------------------------------
def _wrap_pad(n: NodeContext, x: MLOperand, begin: list[int], end: list[int]) -> MLOperand:
    for a in range(x.rank):
        bb, ee = begin[a], end[a]
        if not bb and not ee:
            continue
        dim = x.shape[a]
        idx = np.arange(-bb, dim + ee) % dim  # circular indices along the axis
        x = n.b.gather(x, n.constant(idx.astype(np.int64)), axis=a)
    return x


@onnx_op(
    "Pad",
    since=2,
    refuses={"reflect": "reflect padding not smaller than the dimension"},
    note="negative pads crop (slice first); mode='wrap' by gather with circular indices",
)
def pad(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    rank = x.rank
    if n.version >= 11:
        pads = n.ints(1, "pads")
        axes = n.ints(3, "axes") if n.version >= 18 and n.has(3) else list(range(rank))
        value = n.const(2, "constant_value").reshape(-1)[0].item() if n.has(2) else 0
    else:
        pads = [int(p) for p in n.attr("pads")]
        axes = list(range(rank))
        value = float(n.attr("value", 0.0))
    axes = n.axes(axes, rank)
    if len(pads) != 2 * len(axes):
        raise ValueError(f"pads has {len(pads)} values for {len(axes)} axes")
    begin, end = [0] * rank, [0] * rank
    for k, a in enumerate(axes):
        begin[a], end[a] = pads[k], pads[k + len(axes)]
    mode = n.attr("mode", "constant")
    if any(p < 0 for p in begin + end):  # crop first
        starts = [-min(p, 0) for p in begin]
        stops = [x.shape[a] + min(end[a], 0) for a in range(rank)]
        x = _slice(n, x, starts, stops, list(range(rank)), [1] * rank)
        begin, end = [max(p, 0) for p in begin], [max(p, 0) for p in end]
    if not any(begin) and not any(end):
        return n.b.identity(x)
    if mode == "wrap":
        return _wrap_pad(n, x, begin, end)
    if mode == "reflect":
        for a in range(rank):
            if begin[a] >= x.shape[a] or end[a] >= x.shape[a]:
                raise n.refuse("reflect", f"reflect padding {begin[a]}/{end[a]} on axis {a} of size {x.shape[a]}")
    webnn_mode = {"constant": "constant", "reflect": "reflection", "edge": "edge"}.get(mode)
    if webnn_mode is None:
        raise ValueError(f"mode {mode!r} is not an ONNX Pad mode")
    kw = {"value": value} if webnn_mode == "constant" else {}
    return n.b.pad(x, begin, end, mode=webnn_mode, **kw)


# -- depth / space -----------------------------------------------------------------------
def _blocks(n: NodeContext) -> tuple[MLOperand, int, list[int]]:
    """DepthToSpace / SpaceToDepth: the 4-D input, its ``blocksize`` and its shape [N, C, H, W]."""
    n.dtype(0)
    x = n.x(0)
    if x.rank != 4:
        raise ValueError(f"{n.op_type} input must be 4-D")
    return x, int(n.attr("blocksize")), list(x.shape)


@onnx_op("DepthToSpace", since=1, kind="decomposition", note="reshape, transpose, reshape")
def depth_to_space(n: NodeContext) -> MLOperand:
    x, bs, (N, C, H, W) = _blocks(n)
    if C % (bs * bs):
        raise ValueError(f"channels {C} not divisible by blocksize^2")
    mode = n.attr("mode", "DCR") if n.version >= 11 else "DCR"
    if mode == "DCR":
        t = n.b.transpose(reshape(n, x, [N, bs, bs, C // (bs * bs), H, W]), permutation=[0, 3, 4, 1, 5, 2])
    else:
        t = n.b.transpose(reshape(n, x, [N, C // (bs * bs), bs, bs, H, W]), permutation=[0, 1, 4, 2, 5, 3])
    return reshape(n, t, [N, C // (bs * bs), H * bs, W * bs])


@onnx_op("SpaceToDepth", since=1, kind="decomposition", note="reshape, transpose, reshape")
def space_to_depth(n: NodeContext) -> MLOperand:
    x, bs, (N, C, H, W) = _blocks(n)
    if H % bs or W % bs:
        raise ValueError(f"spatial size {H}x{W} not divisible by blocksize {bs}")
    mode = n.attr("mode", "DCR") if n.version >= 28 else "DCR"
    r = reshape(n, x, [N, C, H // bs, bs, W // bs, bs])
    perm = [0, 3, 5, 1, 2, 4] if mode == "DCR" else [0, 1, 3, 5, 2, 4]
    return reshape(n, n.b.transpose(r, permutation=perm), [N, C * bs * bs, H // bs, W // bs])


@onnx_op("ReverseSequence", since=10, kind="decomposition", note="gatherElements with indices computed at import (sequence_lens must be known)")
def reverse_sequence(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    lens = n.ints(1, "sequence_lens")
    t_axis, b_axis = int(n.attr("time_axis", 0)), int(n.attr("batch_axis", 1))
    T, B = x.shape[t_axis], x.shape[b_axis]
    idx = np.empty((T, B) if t_axis < b_axis else (B, T), dtype=np.int64)
    for bi, L in enumerate(lens):
        L = min(max(int(L), 0), T)
        col = np.concatenate([np.arange(L)[::-1], np.arange(L, T)])
        if t_axis < b_axis:
            idx[:, bi] = col
        else:
            idx[bi, :] = col
    shape = [1] * x.rank
    shape[t_axis], shape[b_axis] = T, B
    full = np.broadcast_to(idx.reshape(shape), x.shape)
    return n.b.gather_elements(x, n.constant(np.ascontiguousarray(full)), axis=t_axis)


@onnx_op("If", since=1, note="the condition must be known at import: the branch it selects is imported in place")
def if_(n: NodeContext) -> list[Value]:
    cond = bool(np.asarray(n.const(0, "cond")).reshape(-1)[0])
    branch = n.attr("then_branch" if cond else "else_branch")
    outs = n.imp.subgraph(branch, n.name or "If")
    if len(outs) != n.n_outputs:
        raise ValueError(f"the branch has {len(outs)} outputs, the node {n.n_outputs}")
    return outs
