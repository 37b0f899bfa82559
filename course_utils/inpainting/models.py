"""Model files that say what they hold: an architecture config next to the weights.

A model file (``generator.pt``, and the ``"generator"`` entry of a training
``checkpoint.pt``) is a plain dict that ``torch.load(weights_only=True)`` reads::

    {"format": FORMAT, "model": {"kind": "deepfill_v1_small", "options": {...}},
     "state_dict": {name: tensor, ...}}

``"model"`` is a :class:`ModelConfig` as JSON-able data. :func:`load_model` looks its
``kind`` up in a registry of builders (:func:`register_model`), builds the model with the
stored ``options`` and loads the weights: a new architecture is registered under a new
kind and its files load without any change here.

Files written before the config was stored (the shipped ``weights/deepfill_tiny_64.pt``,
``generator.pt`` and ``checkpoint.pt`` of older runs) are bare state dicts of the
:class:`.networks.Generator`; :func:`legacy_model_config` derives their config, the only
place where the config is read off the weights.
"""

from __future__ import annotations

import inspect
import json
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .networks import Generator

FORMAT = "course_utils.inpainting.model/1"
DEEPFILL = "deepfill_v1_small"

Builder = Callable[..., nn.Module]
_BUILDERS: dict[str, Builder] = {}


@dataclass(frozen=True)
class ModelConfig:
    """Which architecture (``kind``, a registered name) with which constructor ``options``
    (JSON-able keyword arguments of its builder)."""

    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not self.kind:
            raise ValueError(f"model kind must be a non-empty string, got {self.kind!r}")
        try:
            text = json.dumps(dict(self.options), sort_keys=True)
        except (TypeError, ValueError) as error:
            raise ValueError(f"model options must be JSON-able: {error}") from None
        object.__setattr__(self, "options", json.loads(text))

    def __hash__(self) -> int:
        return hash((self.kind, json.dumps(self.options, sort_keys=True)))

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": str, "options": dict}``, ready for JSON or ``torch.save``."""
        return {"kind": self.kind, "options": dict(self.options)}

    @classmethod
    def from_dict(cls, data: Any) -> ModelConfig:
        """Inverse of :meth:`to_dict`; a clear ValueError for anything else."""
        if not isinstance(data, Mapping) or set(data) != {"kind", "options"}:
            raise ValueError(f"a model config is {{'kind': ..., 'options': ...}}, got {data!r}")
        if not isinstance(data["options"], Mapping):
            raise ValueError(f"model options must be a dict, got {data['options']!r}")
        return cls(data["kind"], data["options"])


def register_model(kind: str, builder: Builder) -> None:
    """Make ``kind`` buildable: ``builder(**options)`` returns the model (an ``nn.Module``)."""
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"a model kind is a non-empty string, not {kind!r}")
    if not callable(builder):
        raise ValueError(f"the builder of model kind {kind!r} must be callable")
    if kind in _BUILDERS and _BUILDERS[kind] is not builder:
        raise ValueError(f"model kind {kind!r} is already registered")
    _BUILDERS[kind] = builder


def unregister_model(kind: str) -> None:
    """Forget ``kind`` (the built-in kinds stay)."""
    if kind == DEEPFILL:
        raise ValueError(f"{DEEPFILL!r} is built in")
    _BUILDERS.pop(kind, None)


def registered_kinds() -> tuple[str, ...]:
    """The kinds :func:`build_model` knows, sorted."""
    return tuple(sorted(_BUILDERS))


def _builder(kind: str) -> Builder:
    """The builder registered for ``kind``; ``ValueError`` naming the known kinds if none."""
    if kind not in _BUILDERS:
        known = ", ".join(registered_kinds())
        raise ValueError(f"unknown model kind {kind!r}; registered kinds: {known}")
    return _BUILDERS[kind]


def build_model(config: ModelConfig) -> nn.Module:
    """A fresh (untrained) model of ``config``."""
    builder = _builder(config.kind)
    try:
        inspect.signature(builder).bind(**config.options)
    except TypeError as error:
        raise ValueError(f"bad options for model kind {config.kind!r}: {error}") from None
    return builder(**config.options)


def deepfill_config(
    width: int = 32,
    coarse_width: int = 8,
    attention_rate: int = 2,
    softmax_scale: float = 10.0,
    prefill: str = "classical",
) -> ModelConfig:
    """Config of a :class:`.networks.Generator` (the shipped one has the defaults; the
    default pre-fill is left out of the options, as in files written before it existed)."""
    options: dict[str, Any] = {"width": width, "coarse_width": coarse_width}
    options |= {"attention_rate": attention_rate, "softmax_scale": softmax_scale}
    if prefill != "classical":
        options["prefill"] = prefill
    return ModelConfig(DEEPFILL, options)


def training_model_config(
    kind: str = DEEPFILL, width: int = 32, coarse_width: int = 8, options: str = ""
) -> ModelConfig:
    """The architecture a training run builds (``TrainConfig.model`` and ``.model_options``):
    the registered ``kind`` with the JSON object ``options`` as keyword arguments of its
    builder; the DeepFill kind also takes the run's ``width`` and ``coarse_width``. The model
    must be called like :class:`.networks.Generator`: ``model(image, mask)`` -> (coarse,
    fine), and with ``return_attention=True`` -> (coarse, fine, attention maps)."""
    try:
        extra = json.loads(options) if options.strip() else {}
    except json.JSONDecodeError as error:
        raise ValueError(f"model options must be a JSON object, got {options!r}: {error}") from None
    if not isinstance(extra, dict):
        raise ValueError(f"model options must be a JSON object, got {options!r}")
    _builder(kind)  # an unknown kind is an error now, not when the run starts
    if kind == DEEPFILL:
        extra = dict(deepfill_config(width, coarse_width).options) | extra
    return ModelConfig(kind, extra)


def model_payload(config: ModelConfig, model: nn.Module) -> dict[str, Any]:
    """What a model file holds: format tag, ``config.to_dict()`` and the state dict."""
    return {"format": FORMAT, "model": config.to_dict(), "state_dict": model.state_dict()}


def save_model(path: str | Path, config: ModelConfig, model: nn.Module) -> None:
    """Write ``model`` (built from ``config``) to ``path``, readable by :func:`load_model`."""
    torch.save(model_payload(config, model), path)


def unpack_payload(payload: Any) -> tuple[ModelConfig, dict[str, torch.Tensor]]:
    """(config, state dict) of a loaded model file: a :func:`model_payload` dict, or a
    bare Generator state dict of older files (config from :func:`legacy_model_config`)."""
    if not isinstance(payload, Mapping):
        raise ValueError(f"not a model file: it holds a {type(payload).__name__}, not a dict")
    if "format" not in payload:
        return legacy_model_config(payload), dict(payload)
    if payload["format"] != FORMAT:
        raise ValueError(f"unsupported model file format {payload['format']!r} (need {FORMAT!r})")
    state = payload.get("state_dict")
    if not isinstance(state, Mapping):
        raise ValueError("model file has no 'state_dict' dict")
    return ModelConfig.from_dict(payload.get("model")), dict(state)


def legacy_model_config(state: Mapping[str, Any]) -> ModelConfig:
    """Config of a bare :class:`.networks.Generator` state dict (files from before the
    config was stored, among them the shipped ``weights/deepfill_tiny_64.pt``).

    The two widths are the output channels of each stage's first convolution; the
    attention rate and softmax scale were fixed at their defaults then.
    """
    key = "level1.0.0.weight"
    if f"refine.{key}" not in state or f"coarse.{key}" not in state:
        raise ValueError(
            "not a state dict of this course's Generator (no 'refine.level1' weights) "
            "and no stored model config; was it saved by another program?"
        )
    widths = int(state[f"refine.{key}"].shape[0]), int(state[f"coarse.{key}"].shape[0])
    return deepfill_config(width=widths[0], coarse_width=widths[1])


def model_from_payload(payload: Any) -> nn.Module:
    """The model a loaded model file describes, with its weights, in eval mode."""
    config, state = unpack_payload(payload)
    model = build_model(config)
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise ValueError(f"the weights do not fit the stored config {config}: {error}") from None
    return model.eval()


def read_model_file(path: str | Path) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU, with clear errors."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"model weights not found at {path}; train them with "
            "`python -m course_utils.inpainting train` and pass the generator.pt path"
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "Weights only load failed" not in str(error):
            raise ValueError(f"{path} is not a model file written by torch.save: {error}") from None
        raise ValueError(
            f"{path} holds more than weights and plain data (a training checkpoint.pt? "
            "pass the generator.pt next to it)"
        ) from None
    except (RuntimeError, EOFError, OSError, KeyError, ValueError) as error:
        raise ValueError(f"{path} is not a model file written by torch.save: {error!r}") from None


def load_model(path: str | Path) -> nn.Module:
    """Build the model stored in ``path`` from its config and load its weights (eval mode).

    Reads with ``torch.load(weights_only=True)``: no pickled code runs.
    """
    return model_from_payload(read_model_file(path))


register_model(DEEPFILL, Generator)
