"""Plain data: what a check compares, and how answers travel between processes.

A learner's answer can be any object, and an object can lie about itself: an ndarray subclass
whose ``__eq__`` or ``__array_ufunc__`` is rigged, an object-dtype array of such objects, a
tensor subclass whose ``numpy()`` returns something else, an ``int`` subclass equal to
everything. Before any comparison, :func:`to_plain` turns an answer into *plain data* built
from base types only -- ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``,
``bytes``, ``list``, ``tuple``, ``dict``, base-class ``numpy.ndarray`` (never object dtype),
:class:`TensorData` (a tensor's values and dtype), :class:`DtypeName` and :class:`Opaque` (an
object of another type, known only by its type's name) -- *without calling any method of the
learner's objects*: values are read through the base classes' own C implementations.

:func:`encode` / :func:`decode` carry plain data as bytes (JSON, arrays as ``.npy`` without
pickle), so the classroom grader can send case inputs to an untrusted process and read back
what the learner's functions returned without ever unpickling or evaluating anything.
"""

from __future__ import annotations

import base64
import io
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None  # type: ignore[assignment]

MAX_DEPTH = 12
MAX_ITEMS = 100_000  # list/tuple/dict items in one answer
MAX_BYTES = 512 * 2**20  # array bytes in one answer


class PlainError(ValueError):
    """An answer that cannot be turned into plain data (the reason is for the learner)."""


@dataclass(frozen=True)
class TensorData:
    """The values of a torch tensor (a base-class ndarray copy) and its torch dtype name."""

    array: np.ndarray
    dtype: str  # e.g. "torch.float32"

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)


@dataclass(frozen=True)
class DtypeName:
    """A dtype or scalar type passed as a value (``np.float32``, ``torch.float64``)."""

    name: str  # "float32" for NumPy, "torch.float64" for torch


@dataclass(frozen=True)
class Opaque:
    """An object of a type plain data does not describe; only its type's name is kept."""

    type_name: str


@dataclass(frozen=True)
class Recipe:
    """A checking instrument handed to the learner's function (e.g. a ``matmul`` that marks its
    result), described by a registered kind and plain parameters so that it can be rebuilt in
    another process. Objects with a ``__plain_recipe__()`` method returning ``(kind, params)``
    become Recipes; :func:`to_live` rebuilds them with the factory registered for ``kind``."""

    kind: str
    params: tuple


RECIPES: dict[str, Any] = {}


def register_recipe(kind: str, factory: Any) -> None:
    """Make ``factory(**params)`` the way to rebuild instruments of ``kind``."""
    RECIPES[kind] = factory


_SCALARS = (type(None), bool, int, float, complex, str, bytes, type(Ellipsis))


def _type_name(value: Any) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    name = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", "object")
    return name if module in ("builtins", "__main__", "") else f"{module}.{name}"


class _Budget:
    def __init__(self) -> None:
        self.items = 0
        self.bytes = 0

    def count(self, items: int = 0, nbytes: int = 0) -> None:
        self.items += items
        self.bytes += nbytes
        if self.items > MAX_ITEMS:
            raise PlainError(f"the answer has more than {MAX_ITEMS} items")
        if self.bytes > MAX_BYTES:
            raise PlainError(f"the answer is larger than {MAX_BYTES // 2**20} MiB")


def to_plain(value: Any, allow_object: bool = False) -> Any:
    """``value`` as plain data (see the module docstring); never calls its methods.

    Raises :class:`PlainError` for object-dtype arrays (unless ``allow_object``), tensors of
    a subclass, sparse or quantized tensors, and answers that are too large or too deep.
    """
    return _plain(value, _Budget(), 0, allow_object)


def _plain(value: Any, budget: _Budget, depth: int, allow_object: bool) -> Any:
    if depth > MAX_DEPTH:
        raise PlainError(f"the answer is nested more than {MAX_DEPTH} levels deep")
    cls = type(value)
    if cls in _SCALARS or cls in (TensorData, DtypeName, Opaque, Recipe):
        return value  # already plain (plain data converts to itself)
    if issubclass(cls, np.ndarray):
        return _plain_array(value, budget, allow_object)
    if torch is not None and issubclass(cls, torch.Tensor):
        return _plain_tensor(value, budget)
    if issubclass(cls, np.generic):
        return _plain_numpy_scalar(value)
    if issubclass(cls, bool | int | float | complex | str | bytes):
        return _plain_scalar_subclass(value)
    if issubclass(cls, tuple | list):
        items = (tuple.__iter__ if issubclass(cls, tuple) else list.__iter__)(value)
        converted = []
        for item in items:
            budget.count(items=1)
            converted.append(_plain(item, budget, depth + 1, allow_object))
        return tuple(converted) if issubclass(cls, tuple) else converted
    if issubclass(cls, dict):
        out = {}
        for key, item in dict.items(value):
            budget.count(items=1)
            plain_key = _plain(key, budget, depth + 1, allow_object)
            if type(plain_key) not in (str, int, bool, type(None)):
                raise PlainError("dictionary keys must be strings or integers")
            out[plain_key] = _plain(item, budget, depth + 1, allow_object)
        return out
    if issubclass(cls, np.dtype):
        return DtypeName(str(np.dtype.__str__(value)))
    if cls is type and issubclass(value, np.generic) and value.__module__ == "numpy":
        return DtypeName(np.dtype(value).name)
    if torch is not None and cls is torch.dtype:
        return DtypeName(str(value))
    recipe = getattr(cls, "__plain_recipe__", None)
    if recipe is not None and getattr(cls, "__module__", "").startswith("course_utils."):
        kind, params = recipe(value)
        plain_params = _plain(dict(params), budget, depth + 1, allow_object)
        return Recipe(str(kind), tuple(sorted(plain_params.items())))
    return Opaque(_type_name(value))


def _plain_array(value: np.ndarray, budget: _Budget, allow_object: bool) -> Any:
    base = np.ndarray.view(value, np.ndarray)  # base class: no subclass method runs
    if base.dtype.kind == "O" or base.dtype.kind == "V":
        if not allow_object:
            raise PlainError(
                "the answer is an array of Python objects (dtype=object); return numbers "
                "(e.g. build it with np.zeros(..., dtype=...) or np.array(list_of_numbers))"
            )
        return [_plain(item, budget, 1, allow_object) for item in base.ravel().tolist()]
    budget.count(nbytes=int(base.nbytes))
    return np.ndarray.copy(base, order="C")


def _plain_tensor(value: Any, budget: _Budget) -> TensorData:
    cls = type(value)
    if cls is not torch.Tensor and cls is not torch.nn.Parameter:
        raise PlainError(
            f"the answer is a {_type_name(value)}, a subclass of torch.Tensor; return a plain "
            "tensor"
        )
    with torch._C.DisableTorchFunctionSubclass():
        if value.layout is not torch.strided or value.is_quantized:
            raise PlainError("the answer is a sparse or quantized tensor; return a dense one")
        # NumPy has no bfloat16 or complex32: their values are read one width up; the torch
        # dtype is kept as it was, so a dtype check still sees it.
        wider = {torch.bfloat16: torch.float32, torch.complex32: torch.complex64}
        readable = value.detach().to("cpu", wider.get(value.dtype, value.dtype))
        array = torch.Tensor.numpy(readable).copy()
        dtype = str(value.dtype)
    budget.count(nbytes=int(array.nbytes))
    return TensorData(np.ndarray.view(array, np.ndarray), dtype)


def _plain_numpy_scalar(value: np.generic) -> Any:
    if type(value).__module__ != "numpy":
        raise PlainError(f"the answer is a {_type_name(value)}, a subclass of a NumPy scalar")
    if issubclass(type(value), np.object_ | np.void):
        raise PlainError("the answer is a NumPy object scalar; return a number")
    return np.asarray(value)[()]  # a genuine NumPy scalar of the same dtype


def _plain_scalar_subclass(value: Any) -> Any:
    """A subclass of a built-in scalar, read through the base class (its methods may lie)."""
    for base, read in (
        (bool, lambda v: bool(int.__index__(v))),
        (int, int.__index__),
        (float, float.__float__),
        (complex, lambda v: complex(complex.__complex__(v))),
        (str, lambda v: str.__str__(v)[:]),
        (bytes, lambda v: bytes(memoryview(v))),
    ):
        if issubclass(type(value), base):
            return read(value)
    raise PlainError(f"cannot read {_type_name(value)}")  # pragma: no cover


# -- bytes ------------------------------------------------------------------------------------


def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _from_npy(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def _float_tag(value: float) -> Any:
    if math.isfinite(value):
        return value
    return {"__float__": repr(value)}


def _encode(value: Any) -> Any:  # noqa: PLR0911 - one branch per plain type
    cls = type(value)
    if cls in (type(None), bool, int, str):
        return value
    if value is Ellipsis:
        return {"__ellipsis__": 1}
    if cls is float:
        return _float_tag(value)
    if cls is complex:
        return {"__complex__": [_float_tag(value.real), _float_tag(value.imag)]}
    if cls is bytes:
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if cls is list:
        return [_encode(item) for item in value]
    if cls is tuple:
        return {"__tuple__": [_encode(item) for item in value]}
    if cls is dict:
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if cls is np.ndarray:
        return {"__ndarray__": _npy(value)}
    if isinstance(value, np.generic):
        return {"__npscalar__": _npy(np.asarray(value))}
    if cls is TensorData:
        return {"__tensor__": _npy(value.array), "dtype": value.dtype}
    if cls is DtypeName:
        return {"__dtype__": value.name}
    if cls is Opaque:
        return {"__opaque__": value.type_name}
    if cls is Recipe:
        return {"__recipe__": value.kind, "params": _encode(dict(value.params))}
    raise PlainError(f"not plain data: {_type_name(value)}")


def encode(value: Any) -> bytes:
    """Plain data as UTF-8 JSON bytes (call :func:`to_plain` first for learner values)."""
    return json.dumps(_encode(value), allow_nan=False).encode("utf-8")


_TAGS = {
    "__ellipsis__": lambda d: Ellipsis,
    "__float__": lambda d: float(d["__float__"]),
    "__complex__": lambda d: complex(*(_decode(x) for x in d["__complex__"])),
    "__bytes__": lambda d: base64.b64decode(d["__bytes__"]),
    "__tuple__": lambda d: tuple(_decode(x) for x in d["__tuple__"]),
    "__dict__": lambda d: {_decode(k): _decode(v) for k, v in d["__dict__"]},
    "__ndarray__": lambda d: _checked_array(_from_npy(d["__ndarray__"])),
    "__npscalar__": lambda d: _checked_array(_from_npy(d["__npscalar__"]))[()],
    "__tensor__": lambda d: TensorData(_checked_array(_from_npy(d["__tensor__"])), str(d["dtype"])),
    "__dtype__": lambda d: DtypeName(str(d["__dtype__"])),
    "__opaque__": lambda d: Opaque(str(d["__opaque__"])),
    "__recipe__": lambda d: Recipe(
        str(d["__recipe__"]), tuple(sorted(_decode(d["params"]).items()))
    ),
}


def _checked_array(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind in "OV":
        raise PlainError("object arrays are not plain data")
    return array


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        if len(value) not in (1, 2):
            raise PlainError("malformed plain data")
        tag = next((key for key in value if key in _TAGS), None)
        if tag is None:
            raise PlainError("malformed plain data")
        return _TAGS[tag](value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    raise PlainError("malformed plain data")  # pragma: no cover


def decode(data: bytes) -> Any:
    """The plain data in ``data`` (from :func:`encode`); anything else is a PlainError."""
    try:
        return _decode(json.loads(data.decode("utf-8")))
    except PlainError:
        raise
    except Exception as error:  # noqa: BLE001 - untrusted bytes: every failure is the same
        raise PlainError(f"malformed plain data ({type(error).__name__})") from None


# -- back to live objects (case inputs for the learner's functions) ---------------------------


def to_live(value: Any) -> Any:
    """Plain data as the objects a learner's function receives: TensorData becomes a tensor,
    DtypeName a NumPy scalar type or torch dtype; everything else is kept."""
    if isinstance(value, TensorData):
        if torch is None:  # pragma: no cover
            raise PlainError("torch is not installed")
        dtype = getattr(torch, value.dtype.removeprefix("torch."))
        return torch.from_numpy(value.array.copy()).to(dtype)
    if isinstance(value, Recipe):
        if value.kind not in RECIPES:
            import course_utils.checks.instruments  # noqa: F401 - registers the instruments
        if value.kind not in RECIPES:
            raise PlainError(f"unknown instrument {value.kind!r}")
        return RECIPES[value.kind](**{k: to_live(v) for k, v in value.params})
    if isinstance(value, DtypeName):
        if value.name.startswith("torch."):
            return getattr(torch, value.name.removeprefix("torch."))
        return np.dtype(value.name).type
    if isinstance(value, tuple):
        return tuple(to_live(item) for item in value)
    if isinstance(value, list):
        return [to_live(item) for item in value]
    if isinstance(value, dict):
        return {key: to_live(item) for key, item in value.items()}
    return value
