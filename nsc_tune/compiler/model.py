"""CompNet: a transformer encoder over the tokenized program, and heads emitting surrogate weights.

Each input slot's first-layer column comes from the encoder state at that slot's ``[IN]`` token;
each output slot's last-layer row, bias, location and scale from its ``[OUT]`` token; the shared
hidden layers from ``[CLS]``. Every generated tensor is a learned base plus a text-dependent delta,
so the base alone is a sensible (text-agnostic) surrogate and training starts from it.
Each slot token also carries its range's features (input domain, statically proven output bounds),
and a zero-initialised linear map adds the output ranges straight to the location/scale head.
With ``text_agnostic=True`` the encoder is replaced by learned per-slot embeddings: the paper's
baseline of one initialisation trained on all corpus I/O.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.attention import SDPBackend, sdpa_kernel

from nsc_tune.compiler.tokenizer import N_RANGE_FEATURES, N_VALUE_FEATURES, PAD, vocab_size
from nsc_tune.errors import NscTuneError
from nsc_tune.surrogate.mlp import SurrogateParams

#: Attention kernels CompNet may use. Not cuDNN's: it builds an execution plan for every new
#: sequence length (measured 9-23 ms of host time per call on an H200, and every pretraining
#: batch has a length of its own), which made pretraining host-bound.
ATTENTION_BACKENDS = [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION,
                      SDPBackend.MATH]

#: Output locations/scales span ~[-20, 20] (symlog / log units); the stats head's outputs are
#: scaled up so that a zero-initialised head reaches them in a reasonable number of steps.
STATS_SCALE = 4.0


class ModelConfigError(NscTuneError):
    """A CompNet config names a field it does not have or a size it cannot use."""


@dataclass(frozen=True)
class CompNetConfig:
    """Sizes of CompNet and of the surrogate it emits (plain data, stored with the weights)."""

    d_model: int = 128
    layers: int = 4
    heads: int = 4
    ff: int = 512
    max_len: int = 3072
    width: int = 64  # surrogate hidden width H
    depth: int = 2  # surrogate hidden layers
    max_slots: int = 64
    text_agnostic: bool = False
    vocab: int = 0
    range_features: int = N_RANGE_FEATURES  # 0: the model ignores slot ranges

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> CompNetConfig:
        """A stored config; those written before slot ranges existed mean ``range_features=0``."""
        return cls(**{"range_features": 0, **d})

    @classmethod
    def check_overrides(cls, text: str) -> dict:
        """The JSON object ``text`` (e.g. ``{"layers": 2}``) of config fields to override, or a
        ModelConfigError naming the field that cannot be used."""
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelConfigError(f"the model config {text!r} is not JSON ({exc}); write e.g. "
                                   '{"layers": 2}') from None
        names = [f.name for f in fields(cls)]
        if not isinstance(d, dict):
            raise ModelConfigError(f"the model config must be a JSON object of fields, got {text!r}"
                                   '; write e.g. {"layers": 2}')
        for key, value in d.items():
            least = 0 if key in ("vocab", "range_features") else 1
            if key not in names:
                raise ModelConfigError(f"the model config has no field {key!r}; fields are "
                                       f"{', '.join(names)}")
            if key == "text_agnostic":
                if not isinstance(value, bool):
                    raise ModelConfigError(f"text_agnostic={value!r}: pass true or false")
            elif isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ModelConfigError(f"{key}={value!r}: pass a whole number >= {least}")
        config = cls(**d)
        if config.d_model % config.heads:
            raise ModelConfigError(f"d_model={config.d_model} is not a multiple of "
                                   f"heads={config.heads}; pick sizes that divide")
        return d


def _sinusoids(length: int, dim: int) -> Tensor:
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)
    return table


def _head(d: int, out: int) -> nn.Sequential:
    """A small MLP head whose last layer starts at zero (so training starts from the base)."""
    head = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, out))
    nn.init.zeros_(head[2].weight)
    nn.init.zeros_(head[2].bias)
    return head


def _rows(x: Tensor, at: Tensor) -> Tensor:
    """``x[b, at[b, p]]`` for every batch row b: [B, L, d], [B, P] -> [B, P, d]."""
    return torch.gather(x, 1, at[..., None].expand(-1, -1, x.shape[-1]))


def read_positions(in_pos: Tensor, out_pos: Tensor) -> Tensor:
    """The positions whose states CompNet's heads read, [B, 1 + I + O]: the first token, then
    the input slots, then the output slots."""
    return torch.cat([torch.zeros_like(in_pos[:, :1]), in_pos, out_pos], 1)


class CompNet(nn.Module):
    """Program tokens -> batched surrogate parameters."""

    def __init__(self, config: CompNetConfig) -> None:
        super().__init__()
        if not config.vocab:
            config = CompNetConfig(**{**config.to_dict(), "vocab": vocab_size()})
        if config.text_agnostic and config.range_features:  # ranges come from the text
            config = CompNetConfig(**{**config.to_dict(), "range_features": 0})
        self.config = config
        d, h, depth = config.d_model, config.width, config.depth
        if config.text_agnostic:  # learned slot embeddings replace the encoder
            self.slot_in = nn.Parameter(torch.randn(config.max_slots, d) * 0.02)
            self.slot_out = nn.Parameter(torch.randn(config.max_slots, d) * 0.02)
            self.cls = nn.Parameter(torch.zeros(d))
        else:
            self.tok = nn.Embedding(config.vocab, d, padding_idx=PAD)
            self.num = nn.Linear(N_VALUE_FEATURES + config.range_features, d)
            with torch.no_grad():  # range columns start at zero: training starts from the text
                self.num.weight[:, N_VALUE_FEATURES:] = 0.0
            self.register_buffer("pos", _sinusoids(config.max_len, d), persistent=False)
            layer = nn.TransformerEncoderLayer(d, config.heads, config.ff, dropout=0.0,
                                               activation="gelu", batch_first=True,
                                               norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(d)
        # Bases (the text-free part of every generated tensor).
        self.base_w_in = nn.Parameter(torch.randn(h) / math.sqrt(1.0))
        self.base_b_in = nn.Parameter(torch.zeros(h))
        self.base_w_hidden = nn.Parameter(torch.randn(depth - 1, h, h) / math.sqrt(h))
        self.base_b_hidden = nn.Parameter(torch.zeros(depth - 1, h))
        self.base_w_out = nn.Parameter(torch.randn(h) / math.sqrt(h))
        self.head_in = _head(d, h)
        self.head_b_in = _head(d, h)
        self.head_hidden = _head(d, (depth - 1) * (h * h + h))
        self.head_out = _head(d, h + 1)
        self.head_stats = _head(d, 2)
        if config.range_features:
            self.range_stats = nn.Linear(config.range_features, 2)
            nn.init.zeros_(self.range_stats.weight)
            nn.init.zeros_(self.range_stats.bias)

    def embed(self, ids: Tensor, values: Tensor) -> Tensor:
        """The encoder's input: token, number-feature and position embeddings [B, L, d]."""
        feats = values[..., : self.num.in_features]
        return self.tok(ids) + self.num(feats) * (ids != PAD)[..., None] + self.pos[:ids.shape[1]]

    def encode(self, ids: Tensor, values: Tensor, at: Tensor | None = None) -> Tensor:
        """Token ids [B, L] and value features [B, L, F] -> contextual states [B, L, d], or
        [B, P, d] at the positions ``at`` [B, P] only."""
        return self.norm(self._attend(self.embed(ids, values), ids == PAD, at))

    def _attend(self, x: Tensor, pad: Tensor, at: Tensor | None = None) -> Tensor:
        """The encoder layers' forward pass through ``scaled_dot_product_attention``.

        Same weights and result as ``self.encoder`` (tested), but attention goes through the
        memory-efficient kernels instead of materialising [L, L] scores: 2x faster on a 2-core
        CPU for the 2,134 tokens of jmeint, and in training it never waits for the device (the
        module's forward asks whether anything is padded, a host sync every step). With ``at``,
        the last layer computes queries, the feed-forward part and the residual at those
        positions only (every position still serves as a key and value): the rest of its states
        would never be read."""
        b, length, d = x.shape
        heads, hd = self.config.heads, d // self.config.heads
        if torch.is_grad_enabled() or bool(pad.any()):
            mask = ~pad[:, None, None, :]
        else:  # inference with nothing padded: the unmasked kernels
            mask = None
        layers = list(self.encoder.layers)
        for i, layer in enumerate(layers):
            attn = layer.self_attn
            h = layer.norm1(x)
            if at is None or i < len(layers) - 1:
                qkv = F.linear(h, attn.in_proj_weight, attn.in_proj_bias)
                q, k, v = qkv.view(b, length, 3, heads, hd).permute(2, 0, 3, 1, 4)
            else:
                x = _rows(x, at)
                w, bias = attn.in_proj_weight, attn.in_proj_bias
                q = F.linear(_rows(h, at), w[:d], bias[:d])
                q = q.view(b, -1, heads, hd).transpose(1, 2)
                kv = F.linear(h, w[d:], bias[d:]).view(b, length, 2, heads, hd)
                k, v = kv.permute(2, 0, 3, 1, 4)
            with sdpa_kernel(ATTENTION_BACKENDS):
                a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            x = x + attn.out_proj(a.transpose(1, 2).reshape(b, -1, d))
            x = x + layer.linear2(F.gelu(layer.linear1(layer.norm2(x))))
        return x

    def forward(self, ids: Tensor, values: Tensor, in_pos: Tensor, in_mask: Tensor,
                out_pos: Tensor, out_mask: Tensor) -> SurrogateParams:
        """Emit surrogate parameters.

        Arguments:
            ids: [B, L] token ids (PAD-padded); values: [B, L, F] number features.
            in_pos / out_pos: [B, I] / [B, O] positions of the slot tokens (0 where padded).
            in_mask / out_mask: [B, I] / [B, O] True for real slots.
        """
        b, n_in, n_out = ids.shape[0], in_pos.shape[1], out_pos.shape[1]
        if self.config.text_agnostic:
            cls = self.cls.expand(b, -1)
            e_in = self.slot_in[:n_in].expand(b, -1, -1)
            e_out = self.slot_out[:n_out].expand(b, -1, -1)
        else:
            states = self.encode(ids, values, read_positions(in_pos, out_pos))
            cls, e_in, e_out = states[:, 0], states[:, 1: 1 + n_in], states[:, 1 + n_in:]
        h, depth = self.config.width, self.config.depth
        scale_in = 1.0 / torch.sqrt(in_mask.sum(1, keepdim=True).clamp(min=1).float())
        w_in = (self.base_w_in + self.head_in(e_in)) * scale_in[..., None]  # [B, I, H]
        w_in = (w_in * in_mask[..., None]).transpose(1, 2)
        b_in = self.base_b_in + self.head_b_in(cls)
        hid = self.head_hidden(cls).view(b, depth - 1, h * h + h)
        w_hidden = self.base_w_hidden + hid[..., : h * h].view(b, depth - 1, h, h)
        b_hidden = self.base_b_hidden + hid[..., h * h:]
        out = self.head_out(e_out)
        w_out = (self.base_w_out + out[..., :h]) * out_mask[..., None]
        b_out = out[..., h] * out_mask
        stats = self.head_stats(e_out)
        if self.config.range_features:
            start = N_VALUE_FEATURES
            r_out = _rows(values[..., start: start + self.config.range_features], out_pos)
            stats = stats + self.range_stats(r_out)
        stats = STATS_SCALE * stats * out_mask[..., None]
        return SurrogateParams(w_in.float(), b_in.float(), w_hidden.float(), b_hidden.float(),
                               w_out.float(), b_out.float(), stats[..., 0].float(),
                               stats[..., 1].float())
