"""Generator and critics of a small DeepFill-v1-style inpainting GAN (Yu et al., CVPR 2018).

Generator: a coarse encoder-decoder with dilated convolutions predicts a blurry fill;
the refinement stage runs two encoders on the coarse result, one with dilated
convolutions and one ending in :class:`ContextualAttention`, concatenates them and
decodes the final image. Both stages use ELU and end in tanh (images live in [-1, 1]).
The widths are cut so that 64x64 training fits on a laptop CPU.

One change from DeepFill v1 makes that small budget go far: the hole is not fed as grey
but pre-filled by pull-push interpolation (:mod:`.prefill`, a smooth classical fill),
and each stage predicts a *correction* to its input (residual learning; the last conv
of each decoder starts small, so an untrained generator returns nearly the pull-push fill).
Trained from a grey hole, the same network needs many thousands of steps just to learn
the smooth colour continuation that the interpolation gives for free.

Critics (global on the whole image, local on a crop around the hole) are plain strided
conv stacks with spectral normalisation (Miyato et al., "Spectral Normalization for
Generative Adversarial Networks", ICLR 2018); their output is a map of scores that the
hinge loss averages, so they accept any input size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .attention import AttentionMaps, ContextualAttention
from .prefill import pull_push_fill


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


class UpBlock(nn.Sequential):
    """Nearest-neighbour x2 upsampling followed by a 3x3 ConvBlock."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.Upsample(scale_factor=2, mode="nearest"), ConvBlock(in_channels, out_channels)
        )


def _encoder(width: int, dilations: tuple[int, ...]) -> nn.Sequential:
    """(B, 5, H, W) -> (B, 4*width, H/4, W/4): two stride-2 stages, then dilated convs."""
    layers = [
        ConvBlock(5, width, 5),
        ConvBlock(width, 2 * width, 3, stride=2),
        ConvBlock(2 * width, 2 * width),
        ConvBlock(2 * width, 4 * width, 3, stride=2),
        ConvBlock(4 * width, 4 * width),
    ]
    layers += [ConvBlock(4 * width, 4 * width, dilation=d) for d in dilations]
    return nn.Sequential(*layers)


def _decoder(width: int) -> nn.Sequential:
    """(B, 4*width, H/4, W/4) -> (B, 3, H, W) in [-1, 1]."""
    return nn.Sequential(
        ConvBlock(4 * width, 4 * width),
        UpBlock(4 * width, 2 * width),
        ConvBlock(2 * width, 2 * width),
        UpBlock(2 * width, width),
        ConvBlock(width, width // 2),
        ConvBlock(width // 2, 3, activation=False),
        nn.Tanh(),
    )


def _he_init(module: nn.Module) -> None:
    """He-normal weights and zero biases for every convolution.

    PyTorch's default initialisation gives a conv's weights a variance of about
    1/(3 fan_in); through the ~30 ELU layers of the two stages the signal (and the
    gradient) then shrinks layer by layer and the first layers barely learn. He et al.
    (ICCV 2015) keep the variance of rectifier activations constant with 2/fan_in.
    """
    if isinstance(module, nn.Conv2d):
        nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class Generator(nn.Module):
    """Coarse-to-fine inpainting generator.

    Args:
        width: base channel count (features reach 4 * width at 1/4 resolution).
        attention_rate: matching rate of the contextual attention at 1/4 resolution.
        softmax_scale: softmax temperature of the contextual attention.

    forward(image, mask, return_attention=False):
        image: (B, 3, H, W) in [-1, 1], H and W multiples of ``size_multiple``
            (the hole content is ignored: it is replaced by the pull-push fill).
        mask: (B, 1, H, W), 1 = hole, one mask per sample.
        Returns (coarse, fine), both (B, 3, H, W) in [-1, 1] (raw network outputs, not
        yet composited with the known pixels), plus the :class:`AttentionMaps` of the
        refinement stage if asked.
    """

    def __init__(self, width: int = 24, attention_rate: int = 2, softmax_scale: float = 10.0):
        super().__init__()
        if width < 4 or width % 2:
            raise ValueError(f"width must be an even number >= 4, got {width}")
        self.width = width
        self.size_multiple = 4 * attention_rate
        self.coarse_encoder = _encoder(width, (2, 4, 8))
        self.coarse_decoder = _decoder(width)
        self.refine_dilated = _encoder(width, (2, 4, 8))
        self.refine_attention_in = nn.Sequential(
            *list(_encoder(width, ()).children()),
            nn.Conv2d(4 * width, 4 * width, 3, padding=1),
            nn.ReLU(),
        )
        self.attention = ContextualAttention(rate=attention_rate, softmax_scale=softmax_scale)
        self.refine_attention_out = nn.Sequential(
            ConvBlock(4 * width, 4 * width), ConvBlock(4 * width, 4 * width)
        )
        self.merge = ConvBlock(8 * width, 4 * width)
        self.refine_decoder = _decoder(width)

        self.apply(_he_init)
        with torch.no_grad():  # start from a small correction (a zero one would never learn)
            for decoder in (self.coarse_decoder, self.refine_decoder):
                last = decoder[-2][0]  # the final conv, before tanh
                last.weight.mul_(0.1)
                last.bias.zero_()

    @staticmethod
    def _network_input(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, 5, H, W): the (pre-filled) image, a ones channel, the mask."""
        ones = torch.ones_like(mask)
        return torch.cat([image, ones, mask], dim=1)

    def forward(
        self, image: torch.Tensor, mask: torch.Tensor, return_attention: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor] | tuple[torch.Tensor, torch.Tensor, AttentionMaps]:
        self._check(image, mask)
        with torch.no_grad():
            prefilled = pull_push_fill(image, mask)
        correction = self.coarse_decoder(self.coarse_encoder(self._network_input(prefilled, mask)))
        coarse = (prefilled + correction).clamp(-1.0, 1.0)
        merged = coarse * mask + image * (1.0 - mask)
        refine_in = self._network_input(merged, mask)
        dilated = self.refine_dilated(refine_in)
        features = self.refine_attention_in(refine_in)
        small_mask = F.max_pool2d(mask, 4)
        attended = self.attention(features, features, small_mask, return_attention=return_attention)
        maps = None
        if return_attention:
            attended, maps = attended
        attended = self.refine_attention_out(attended)
        correction = self.refine_decoder(self.merge(torch.cat([dilated, attended], dim=1)))
        fine = (merged + correction).clamp(-1.0, 1.0)
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
