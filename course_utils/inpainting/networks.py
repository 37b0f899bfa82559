"""Generator and critics of a small DeepFill-v1-style inpainting GAN (Yu et al., CVPR 2018).

Generator: two stages, coarse then fine, as in DeepFill v1. The coarse stage predicts a
first fill; the refinement stage reads the coarse result through two branches that meet
at 1/4 resolution: a dilated-convolution branch (down to 1/8 resolution, dilations 2 and
4) and a :class:`ContextualAttention` branch that borrows features from the known region.
Both stages use ELU. The widths are cut so that 64x64 training fits on a laptop CPU.

Three changes from DeepFill v1 make that small budget go far:

* the hole is not fed as grey but pre-filled by classical inpainting (the mean of the
  Telea, Navier-Stokes and biharmonic fills, :func:`.prefill.classical_fill`), and each
  stage predicts a *correction* inside the hole (residual learning; the last conv of each
  stage starts at zero, so an untrained generator returns the classical fill). Trained
  from a grey hole, the same budget is spent learning the smooth colour continuation that
  the classical methods give for free;
* each stage is a U-Net (Ronneberger et al., MICCAI 2015): skip connections hand the
  decoder the full-resolution features of the hole's border, which a plain
  encoder-decoder must squeeze through its 1/4-resolution bottleneck;
* no tanh at the end: the output is pre-fill + correction, clamped to [-1, 1], so a zero
  correction returns the pre-fill exactly.

Critics (global on the whole image, local on a crop around the hole) are plain strided
conv stacks with spectral normalisation (Miyato et al., "Spectral Normalization for
Generative Adversarial Networks", ICLR 2018); their output is a map of scores that the
hinge loss averages, so they accept any input size.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .attention import AttentionMaps, ContextualAttention
from .prefill import classical_fill, mean_fill


class ConvBlock(nn.Sequential):
    """Conv2d ('same' padding for odd kernels, with dilation) followed by ELU."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int = 3,
        stride: int = 1,
        dilation: int = 1,
        activation: bool = True,
    ) -> None:
        padding = dilation * (kernel - 1) // 2
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel, stride, padding, dilation)
        ]
        if activation:
            layers.append(nn.ELU())
        super().__init__(*layers)


def _upsample(features: torch.Tensor) -> torch.Tensor:
    return F.interpolate(features, scale_factor=2, mode="nearest")


class UNetStage(nn.Module):
    """One residual U-Net stage of the generator.

    Levels: full resolution (``width`` channels), 1/2 (2 width), 1/4 (4 width) and a
    dilated bottleneck at 1/8 (4 width; dilations 2 and 4 see the whole 64x64 crop). With
    ``attention``, a contextual-attention branch at 1/4 resolution joins the decoder there.

    forward(start, mask, return_attention=False):
        start: (B, 3, H, W) in [-1, 1], the image with its hole already filled somehow;
        mask: (B, 1, H, W), 1 = hole; H, W multiples of 8.
        Returns ``start`` + correction * mask, (B, 3, H, W) clamped to [-1, 1], and the
        :class:`AttentionMaps` (None without attention or when not asked).
    """

    def __init__(self, width: int, attention: ContextualAttention | None = None) -> None:
        super().__init__()
        w = width
        self.level1 = nn.Sequential(ConvBlock(5, w), ConvBlock(w, w))
        self.level2 = nn.Sequential(ConvBlock(w, 2 * w, stride=2), ConvBlock(2 * w, 2 * w))
        self.level3 = nn.Sequential(ConvBlock(2 * w, 4 * w, stride=2), ConvBlock(4 * w, 4 * w))
        self.dilated = nn.Sequential(
            ConvBlock(4 * w, 4 * w, stride=2),
            ConvBlock(4 * w, 4 * w, dilation=2),
            ConvBlock(4 * w, 4 * w, dilation=4),
            ConvBlock(4 * w, 4 * w),
        )
        self.attention = attention
        attended = 0
        if attention is not None:
            attended = 4 * w
            self.attention_in = nn.Sequential(nn.Conv2d(4 * w, 4 * w, 3, padding=1), nn.ReLU())
            self.attention_out = nn.Sequential(ConvBlock(4 * w, 4 * w), ConvBlock(4 * w, 4 * w))
        self.up3 = nn.Sequential(ConvBlock(8 * w + attended, 4 * w), ConvBlock(4 * w, 4 * w))
        self.up2 = nn.Sequential(ConvBlock(6 * w, 2 * w), ConvBlock(2 * w, 2 * w))
        self.up1 = nn.Sequential(ConvBlock(3 * w, w), ConvBlock(w, w))
        self.to_rgb = nn.Conv2d(w, 3, 3, padding=1)
        # Start as the identity (correction 0). The gradient of the loss still reaches
        # to_rgb's weights at once, and through them every other layer from step 2.
        nn.init.zeros_(self.to_rgb.weight)
        nn.init.zeros_(self.to_rgb.bias)

    def forward(
        self, start: torch.Tensor, mask: torch.Tensor, return_attention: bool = False
    ) -> tuple[torch.Tensor, AttentionMaps | None]:
        x = torch.cat([start, torch.ones_like(mask), mask], dim=1)
        h1 = self.level1(x)
        h2 = self.level2(h1)
        h3 = self.level3(h2)
        h4 = self.dilated(h3)
        joined = [_upsample(h4), h3]
        maps = None
        if self.attention is not None:
            features = self.attention_in(h3)
            small_mask = F.max_pool2d(mask, 4)
            attended = self.attention(
                features, features, small_mask, return_attention=return_attention
            )
            if return_attention:
                attended, maps = attended
            joined.append(self.attention_out(attended))
        g3 = self.up3(torch.cat(joined, dim=1))
        g2 = self.up2(torch.cat([_upsample(g3), h2], dim=1))
        g1 = self.up1(torch.cat([_upsample(g2), h1], dim=1))
        return (start + self.to_rgb(g1) * mask).clamp(-1.0, 1.0), maps


#: The starting points a :class:`Generator` can correct.
PREFILLS = {"classical": classical_fill, "mean": mean_fill}


class Generator(nn.Module):
    """Coarse-to-fine inpainting generator (two :class:`UNetStage` on a classical pre-fill).

    Args:
        width: base channel count of the refinement stage (features reach 4 * width).
        coarse_width: base channel count of the coarse stage (default width // 2).
        attention_rate: matching rate of the contextual attention at 1/4 resolution.
        softmax_scale: softmax temperature of the contextual attention.
        prefill: what the coarse stage starts from: ``"classical"`` (the mean of three
            classical fills, :func:`.prefill.classical_fill`) or ``"mean"`` (the mean known
            colour, :func:`.prefill.mean_fill`: cheap, and everything better is learned).

    forward(image, mask, return_attention=False):
        image: (B, 3, H, W) in [-1, 1], H and W multiples of ``size_multiple``
            (the hole content is ignored: it is replaced by the classical pre-fill).
        mask: (B, 1, H, W), 1 = hole, one mask per sample.
        Returns (coarse, fine), both (B, 3, H, W) in [-1, 1] and equal to ``image`` outside
        the hole, plus the :class:`AttentionMaps` of the refinement stage if asked.
    """

    def __init__(
        self,
        width: int = 32,
        coarse_width: int | None = None,
        attention_rate: int = 2,
        softmax_scale: float = 10.0,
        prefill: str = "classical",
    ) -> None:
        super().__init__()
        if prefill not in PREFILLS:
            raise ValueError(f"prefill must be one of {sorted(PREFILLS)}, got {prefill!r}")
        self.prefill = prefill
        coarse_width = width // 2 if coarse_width is None else coarse_width
        if min(width, coarse_width) < 2:
            raise ValueError(f"widths must be >= 2, got {width} and {coarse_width}")
        self.width, self.coarse_width = width, coarse_width
        # 1/8 resolution in the bottleneck; the attention's matching grid tiles 1/4.
        self.size_multiple = math.lcm(8, 4 * attention_rate)
        self.coarse = UNetStage(coarse_width)
        self.refine = UNetStage(
            width, ContextualAttention(rate=attention_rate, softmax_scale=softmax_scale)
        )

    def forward(
        self, image: torch.Tensor, mask: torch.Tensor, return_attention: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor] | tuple[torch.Tensor, torch.Tensor, AttentionMaps]:
        self._check(image, mask)
        prefilled = PREFILLS[self.prefill](image, mask)
        coarse, _ = self.coarse(prefilled, mask)
        fine, maps = self.refine(coarse, mask, return_attention=return_attention)
        if return_attention:
            return coarse, fine, maps
        return coarse, fine

    def _check(self, image: torch.Tensor, mask: torch.Tensor) -> None:
        if image.dim() != 4 or image.shape[1] != 3:
            raise ValueError(f"image must be (B, 3, H, W), got {tuple(image.shape)}")
        batch, _, height, width = image.shape
        if mask.shape != (batch, 1, height, width):
            raise ValueError(f"mask must be {(batch, 1, height, width)}, got {tuple(mask.shape)}")
        if height % self.size_multiple or width % self.size_multiple:
            raise ValueError(
                f"H and W must be multiples of {self.size_multiple} (pad first), "
                f"got {height}x{width}"
            )


class Critic(nn.Module):
    """Spectrally normalised conv critic: four 5x5 stride-2 convs, then a 3x3 conv to one
    score channel. Input (B, 3, H, W) -> scores (B, 1, H/16, W/16)."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        channels = [3, width, 2 * width, 4 * width, 4 * width]
        layers: list[nn.Module] = []
        for c_in, c_out in zip(channels[:-1], channels[1:], strict=True):
            layers += [spectral_norm(nn.Conv2d(c_in, c_out, 5, 2, 2)), nn.LeakyReLU(0.2)]
        layers.append(spectral_norm(nn.Conv2d(channels[-1], 1, 3, 1, 1)))
        self.net = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.net(image)


class Critics(nn.Module):
    """The global critic (whole image) and the local critic (crop around each hole).

    forward(image, boxes): image (B, 3, H, W); boxes (B, 2) int64 top-left corners of
    the local crops of side ``local_size``. Returns (global_scores, local_scores).
    """

    def __init__(self, local_size: int, width: int = 32) -> None:
        super().__init__()
        self.local_size = local_size
        self.global_critic = Critic(width)
        self.local_critic = Critic(width)

    def forward(
        self, image: torch.Tensor, boxes: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.global_critic(image), self.local_critic(
            crop_boxes(image, boxes, self.local_size)
        )


def local_boxes(mask: torch.Tensor, size: int) -> torch.Tensor:
    """Top-left corners of ``size`` x ``size`` crops centred on each sample's hole
    (the centre of its bounding box), shifted to lie inside the image.

    mask: (B, 1, H, W). Returns int64 (B, 2) = (top, left).
    """
    batch, _, height, width = mask.shape
    if size > min(height, width):
        raise ValueError(f"local crop {size} is larger than the image {height}x{width}")
    corners = []
    for sample in range(batch):
        rows, cols = torch.nonzero(mask[sample, 0] > 0.5, as_tuple=True)
        if rows.numel() == 0:
            centre_r, centre_c = height // 2, width // 2
        else:
            centre_r = int(rows.min() + rows.max()) // 2
            centre_c = int(cols.min() + cols.max()) // 2
        top = min(max(centre_r - size // 2, 0), height - size)
        left = min(max(centre_c - size // 2, 0), width - size)
        corners.append((top, left))
    return torch.tensor(corners, dtype=torch.int64)


def crop_boxes(image: torch.Tensor, boxes: torch.Tensor, size: int) -> torch.Tensor:
    """Per-sample crops (B, C, size, size) at the (top, left) corners ``boxes`` (B, 2)."""
    return torch.stack(
        [
            image[i, :, int(top) : int(top) + size, int(left) : int(left) + size]
            for i, (top, left) in enumerate(boxes)
        ]
    )


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
