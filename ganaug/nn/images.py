"""Conditional ResNet generator (class-conditional BN) and projection discriminator (SN).

The SNGAN/BigGAN family that works on small and long-tailed image sets. Any size whose
height and width are divisible by ``2**n`` works; ``n`` upsampling stages start from
the smallest size of at least 4 pixels (32x32: 4->8->16->32, 28x28: 7->14->28, 8x8: 4->8).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from .projection import projection_layers, projection_score


def n_stages(h: int, w: int, max_stages: int = 6) -> int:
    """How many 2x resolution stages fit: halve while both sides stay even and >= 4."""
    n = 0
    while n < max_stages and h % 2 == 0 and w % 2 == 0 and h // 2 >= 4 and w // 2 >= 4:
        h, w, n = h // 2, w // 2, n + 1
    return n


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm whose gain and bias come from the class (plain affine BN without classes)."""

    def __init__(self, channels: int, n_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=n_classes == 0)
        self.n_classes = n_classes
        if n_classes:
            self.gain = nn.Embedding(n_classes, channels)
            self.bias = nn.Embedding(n_classes, channels)
            nn.init.ones_(self.gain.weight)
            nn.init.zeros_(self.bias.weight)

    def forward(self, x: Tensor, y: Tensor | None) -> Tensor:
        out = self.bn(x)
        if self.n_classes:
            out = out * self.gain(y)[:, :, None, None] + self.bias(y)[:, :, None, None]
        return out


class GBlock(nn.Module):
    def __init__(self, cin: int, cout: int, n_classes: int, upsample: bool):
        super().__init__()
        self.upsample = upsample
        self.bn1 = ConditionalBatchNorm2d(cin, n_classes)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn2 = ConditionalBatchNorm2d(cout, n_classes)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if (cin != cout or upsample) else nn.Identity()

    def forward(self, x: Tensor, y: Tensor | None) -> Tensor:
        h = F.relu(self.bn1(x, y))
        if self.upsample:
            h = F.interpolate(h, scale_factor=2, mode="nearest")
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h), y)))
        return h + self.skip(x)


class ImageGenerator(nn.Module):
    """z (+ class) -> linear -> ``stages`` upsampling ResNet blocks -> tanh image."""

    def __init__(self, latent_dim: int, shape: tuple[int, int, int], width: int, n_classes: int):
        super().__init__()
        c, h, w = shape
        self.stages = n_stages(h, w)
        self.h0, self.w0 = h >> self.stages, w >> self.stages
        self.width = width
        self.linear = nn.Linear(latent_dim, width * self.h0 * self.w0)
        blocks = [GBlock(width, width, n_classes, upsample=True) for _ in range(self.stages)]
        if not blocks:  # too small or odd-sized to upsample: one block at full size
            blocks = [GBlock(width, width, n_classes, upsample=False)]
        self.blocks = nn.ModuleList(blocks)
        self.bn = nn.BatchNorm2d(width)
        self.to_img = nn.Conv2d(width, c, 3, padding=1)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        h = self.linear(z).view(z.shape[0], self.width, self.h0, self.w0)
        for block in self.blocks:
            h = block(h, y)
        return torch.tanh(self.to_img(F.relu(self.bn(h))))


class DBlock(nn.Module):
    def __init__(self, cin: int, cout: int, downsample: bool, first: bool):
        super().__init__()
        self.first, self.downsample = first, downsample
        self.conv1 = spectral_norm(nn.Conv2d(cin, cout, 3, padding=1))
        self.conv2 = spectral_norm(nn.Conv2d(cout, cout, 3, padding=1))
        learnable = cin != cout or downsample
        self.skip = spectral_norm(nn.Conv2d(cin, cout, 1)) if learnable else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        h = x if self.first else F.relu(x)
        h = self.conv2(F.relu(self.conv1(h)))
        if self.downsample:
            h = F.avg_pool2d(h, 2)
        if self.first:  # optimised first block: pool, then 1x1
            s = self.skip(F.avg_pool2d(x, 2) if self.downsample else x)
        else:
            s = self.skip(x)
            s = F.avg_pool2d(s, 2) if self.downsample else s
        return h + s


class ImageDiscriminator(nn.Module):
    """SN ResNet critic: ``stages`` downsampling blocks, one more block, sum-pool, projection."""

    def __init__(self, shape: tuple[int, int, int], width: int, n_classes: int):
        super().__init__()
        c, h, w = shape
        stages = n_stages(h, w)
        blocks = [DBlock(c, width, downsample=stages > 0, first=True)]
        blocks += [DBlock(width, width, downsample=True, first=False) for _ in range(stages - 1)]
        blocks.append(DBlock(width, width, downsample=False, first=False))
        self.blocks = nn.Sequential(*blocks)
        self.head, self.embed = projection_layers(width, n_classes, spectral_norm)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        h = F.relu(self.blocks(x)).sum(dim=(2, 3))
        return projection_score(h, self.head, self.embed, y)
