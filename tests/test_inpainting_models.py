"""Model files that store their architecture config: round trip, old files, bad input,
and a model swapped in by config alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.inpainting.api import WEIGHTS_PATH, inpaint, load_generator
from course_utils.inpainting.models import (
    DEEPFILL,
    FORMAT,
    ModelConfig,
    build_model,
    deepfill_config,
    legacy_model_config,
    load_model,
    model_payload,
    register_model,
    registered_kinds,
    save_model,
    unregister_model,
)
from course_utils.inpainting.networks import Generator


def _random_generator(config: ModelConfig) -> nn.Module:
    torch.manual_seed(0)
    generator = build_model(config)
    with torch.no_grad():
        for stage in (generator.coarse, generator.refine):
            nn.init.normal_(stage.to_rgb.weight, std=0.2)
    return generator.eval()


def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    state = b.state_dict()
    return a.state_dict().keys() == state.keys() and all(
        torch.equal(value, state[key]) for key, value in a.state_dict().items()
    )


def test_a_saved_model_loads_from_its_stored_config(tmp_path):
    config = deepfill_config(width=8, coarse_width=4, attention_rate=1, softmax_scale=5.0)
    original = _random_generator(config)
    save_model(tmp_path / "g.pt", config, original)
    saved = torch.load(tmp_path / "g.pt", weights_only=True)
    assert saved["format"] == FORMAT and saved["model"] == config.to_dict()
    loaded = load_model(tmp_path / "g.pt")
    assert isinstance(loaded, Generator) and not loaded.training
    assert (loaded.width, loaded.coarse_width) == (8, 4)
    assert loaded.refine.attention.rate == 1 and loaded.size_multiple == 8
    assert _same_weights(original, loaded)
    image, mask = torch.rand(1, 3, 16, 16) * 2 - 1, torch.zeros(1, 1, 16, 16)
    mask[:, :, 4:12, 4:12] = 1
    with torch.no_grad():
        torch.testing.assert_close(loaded(image, mask), original(image, mask))


def test_a_config_is_plain_json_data():
    config = deepfill_config(width=16)
    assert ModelConfig.from_dict(config.to_dict()) == config
    assert hash(ModelConfig.from_dict(config.to_dict())) == hash(config)
    assert config.to_dict() == {
        "kind": DEEPFILL,
        "options": {"width": 16, "coarse_width": 8, "attention_rate": 2, "softmax_scale": 10.0},
    }
    with pytest.raises(ValueError, match="JSON"):
        ModelConfig("x", {"layer": nn.Linear(1, 1)})
    with pytest.raises(ValueError, match="kind"):
        ModelConfig("")
    with pytest.raises(ValueError, match="model config"):
        ModelConfig.from_dict({"kind": DEEPFILL})


def test_a_bare_state_dict_of_older_code_still_loads(tmp_path):
    original = _random_generator(deepfill_config(width=8, coarse_width=4))
    torch.save(original.state_dict(), tmp_path / "old.pt")
    loaded = load_model(tmp_path / "old.pt")
    assert (loaded.width, loaded.coarse_width) == (8, 4) and _same_weights(original, loaded)


def test_the_shipped_weights_are_a_legacy_file_of_the_default_config():
    state = torch.load(WEIGHTS_PATH, map_location="cpu", weights_only=True)
    assert "format" not in state  # shipped as a bare state dict, loaded by the legacy path
    assert legacy_model_config(state) == deepfill_config()
    assert _same_weights(load_model(WEIGHTS_PATH), load_generator())


def test_an_unknown_kind_is_a_clear_error(tmp_path):
    payload = model_payload(deepfill_config(8, 4), Generator(8, 4))
    payload["model"]["kind"] = "deepfill_v9"
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(ValueError, match=r"unknown model kind 'deepfill_v9'.*deepfill_v1_small"):
        load_model(tmp_path / "future.pt")
    with pytest.raises(ValueError, match="bad options"):
        build_model(ModelConfig(DEEPFILL, {"depth": 3}))


def _save(path, payload):
    torch.save(payload, path)
    return path


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2, 3], "holds a list"),
        ({"conv.weight": torch.zeros(2, 2)}, "not a state dict of this course's Generator"),
        ({"format": "other/2", "model": {}, "state_dict": {}}, "unsupported model file format"),
        ({"format": FORMAT, "model": deepfill_config().to_dict()}, "no 'state_dict'"),
        ({"format": FORMAT, "model": {"kind": DEEPFILL}, "state_dict": {}}, "model config"),
        (
            {"format": FORMAT, "model": deepfill_config(16).to_dict(), "state_dict": {}},
            "do not fit the stored config",
        ),
        ({"rng": np.random.get_state()}, "checkpoint.pt"),  # a training checkpoint
    ],
)
def test_files_that_are_not_model_files_are_clear_errors(tmp_path, payload, message):
    with pytest.raises(ValueError, match=message):
        load_model(_save(tmp_path / "file.pt", payload))


def test_a_file_not_written_by_torch_is_a_clear_error(tmp_path):
    (tmp_path / "notes.pt").write_text("hello")
    with pytest.raises(ValueError, match="not a model file written by torch.save"):
        load_model(tmp_path / "notes.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(ValueError, match="not a model file"):
        load_model(tmp_path / "empty.pt")
    with pytest.raises(FileNotFoundError, match="train them"):
        load_model(tmp_path / "missing.pt")


class FlatFill(nn.Module):
    """A different inpainting model: fills every hole with one learned colour.

    forward(image (B, 3, H, W) in [-1, 1], mask (B, 1, H, W)) -> (coarse, fine).
    """

    size_multiple = 1

    def __init__(self, channels: int = 3, start: float = 0.0) -> None:
        super().__init__()
        self.colour = nn.Parameter(torch.full((1, channels, 1, 1), start))

    def forward(self, image: torch.Tensor, mask: torch.Tensor):
        fine = image * (1 - mask) + self.colour * mask
        return fine, fine


@pytest.fixture
def flat_fill_kind():
    register_model("flat_fill", FlatFill)
    yield "flat_fill"
    unregister_model("flat_fill")


def test_a_model_is_swapped_by_its_config_alone(tmp_path, flat_fill_kind):
    config = ModelConfig(flat_fill_kind, {"channels": 3})
    model = build_model(config)
    with torch.no_grad():
        model.colour.copy_(torch.tensor([-1.0, 0.0, 1.0]).view(1, 3, 1, 1))
    save_model(tmp_path / "flat.pt", config, model)
    assert isinstance(load_model(tmp_path / "flat.pt"), FlatFill)
    images = np.full((2, 9, 7, 3), 0.25, dtype=np.float32)
    masks = np.zeros((2, 9, 7), dtype=bool)
    masks[:, 2:5, 1:4] = True
    filled = inpaint(images, masks, method="gan", weights=tmp_path / "flat.pt")
    np.testing.assert_allclose(filled[masks], np.tile([0.0, 0.5, 1.0], (masks.sum(), 1)))
    np.testing.assert_array_equal(filled[~masks], images[~masks])


def test_the_registry_refuses_to_replace_or_drop_a_kind(flat_fill_kind):
    assert {DEEPFILL, flat_fill_kind} <= set(registered_kinds())
    register_model(flat_fill_kind, FlatFill)  # the same builder again: no change
    with pytest.raises(ValueError, match="already registered"):
        register_model(flat_fill_kind, Generator)
    with pytest.raises(ValueError, match="built in"):
        unregister_model(DEEPFILL)


@pytest.mark.parametrize(("kind", "builder"), [(1, FlatFill), ("", FlatFill), ("x", 3)])
def test_the_registry_refuses_a_kind_that_is_not_a_name_or_a_builder_that_is_not_callable(
    kind, builder
):
    with pytest.raises(ValueError, match="kind|callable"):
        register_model(kind, builder)
    assert all(isinstance(name, str) for name in registered_kinds())
