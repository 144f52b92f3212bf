"""The MiniLM (BERT) encoder as plain numpy: the shipped safetensors weights and a forward pass.

This is the reference the ONNX graph is built from and checked against, the fallback when
onnxruntime is not installed, and what distils the static model. It computes what
sentence-transformers computes for all-MiniLM-L6-v2 (the tanh form of GELU differs from the
exact one by < 1e-5 in cosine).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
_GELU_C = np.float32(math.sqrt(2.0 / math.pi))
_MASKED = np.float32(-1e4)


@dataclass(frozen=True, slots=True)
class Layer:
    """One transformer layer; matrices are (in, out), query weights pre-scaled by 1/sqrt(d)."""

    qkv_w: F32
    qkv_b: F32
    out_w: F32
    out_b: F32
    ln1_g: F32
    ln1_b: F32
    ff_w: F32
    ff_b: F32
    ff_out_w: F32
    ff_out_b: F32
    ln2_g: F32
    ln2_b: F32


@dataclass(frozen=True, slots=True)
class BertWeights:
    """Everything the forward pass needs, loaded from a Hugging Face BERT model directory."""

    heads: int
    eps: float
    word: F32
    position: F32
    token_type: F32
    ln_g: F32
    ln_b: F32
    layers: tuple[Layer, ...]

    @property
    def hidden(self) -> int:
        return int(self.word.shape[1])

    @classmethod
    def load(cls, model_dir: Path) -> BertWeights:
        """Read config.json and model.safetensors from model_dir."""
        from safetensors.numpy import load_file

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        raw = load_file(str(model_dir / "model.safetensors"))
        tensors = {k.removeprefix("bert."): v.astype(np.float32) for k, v in raw.items()}
        heads = int(config["num_attention_heads"])
        scale = 1.0 / math.sqrt(int(config["hidden_size"]) // heads)
        layers = tuple(_layer(tensors, f"encoder.layer.{i}.", scale)
                       for i in range(int(config["num_hidden_layers"])))
        return cls(heads=heads, eps=float(config["layer_norm_eps"]),
                   word=tensors["embeddings.word_embeddings.weight"],
                   position=tensors["embeddings.position_embeddings.weight"],
                   token_type=tensors["embeddings.token_type_embeddings.weight"][0],
                   ln_g=tensors["embeddings.LayerNorm.weight"],
                   ln_b=tensors["embeddings.LayerNorm.bias"], layers=layers)


def _layer(t: dict[str, F32], p: str, scale: float) -> Layer:
    names = ("query", "key", "value")
    qkv_w = np.concatenate([t[f"{p}attention.self.{n}.weight"] for n in names]).T.copy()
    qkv_b = np.concatenate([t[f"{p}attention.self.{n}.bias"] for n in names])
    hidden = qkv_w.shape[0]
    qkv_w[:, :hidden] *= scale
    qkv_b[:hidden] *= scale

    def dense(name: str) -> tuple[F32, F32]:
        return t[f"{p}{name}.weight"].T.copy(), t[f"{p}{name}.bias"]

    def norm(name: str) -> tuple[F32, F32]:
        return t[f"{p}{name}.LayerNorm.weight"], t[f"{p}{name}.LayerNorm.bias"]

    return Layer(qkv_w, qkv_b, *dense("attention.output.dense"), *norm("attention.output"),
                 *dense("intermediate.dense"), *dense("output.dense"), *norm("output"))


def _layer_norm(x: F32, g: F32, b: F32, eps: float) -> F32:
    x = x - x.mean(-1, keepdims=True)
    x *= 1.0 / np.sqrt(np.mean(x * x, -1, keepdims=True) + np.float32(eps))
    x *= g
    x += b
    return x


def _gelu(x: F32) -> F32:
    inner = np.tanh(_GELU_C * (x + np.float32(0.044715) * x * x * x))
    inner += np.float32(1.0)
    inner *= x
    inner *= np.float32(0.5)
    return inner


def _attention(w: BertWeights, layer: Layer, h: F32, bias: F32, shape: tuple[int, int]) -> F32:
    batch, length = shape
    heads, size = w.heads, w.hidden // w.heads
    qkv = (h @ layer.qkv_w + layer.qkv_b).reshape(batch, length, 3, heads, size)
    q, k, v = qkv.transpose(2, 0, 3, 1, 4)
    scores = q @ k.transpose(0, 1, 3, 2)
    scores += bias
    scores -= scores.max(-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(-1, keepdims=True)
    context: F32 = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, w.hidden)
    return context


def hidden_states(w: BertWeights, ids: I64, mask: F32) -> F32:
    """The last hidden states (batch, length, hidden) of token ids under a 0/1 mask."""
    batch, length = ids.shape
    x = _layer_norm(w.word[ids] + w.position[:length] + w.token_type, w.ln_g, w.ln_b, w.eps)
    h = x.reshape(batch * length, w.hidden)
    bias = ((1.0 - mask) * _MASKED).astype(np.float32)[:, None, None, :]
    for layer in w.layers:
        a = _attention(w, layer, h, bias, (batch, length)) @ layer.out_w + layer.out_b
        a += h
        a = _layer_norm(a, layer.ln1_g, layer.ln1_b, w.eps)
        f = _gelu(a @ layer.ff_w + layer.ff_b) @ layer.ff_out_w + layer.ff_out_b
        f += a
        h = _layer_norm(f, layer.ln2_g, layer.ln2_b, w.eps)
    return h.reshape(batch, length, w.hidden)


def mean_pool(w: BertWeights, ids: I64, mask: F32) -> F32:
    """Mean of the last hidden states over the unmasked tokens (not normalised)."""
    m = mask[..., None]
    summed: F32 = (hidden_states(w, ids, mask) * m).sum(1)
    pooled: F32 = summed / np.maximum(m.sum(1), np.float32(1e-9))
    return pooled


class NumpyBert:
    """The forward pass over loaded weights, with the same methods as the ONNX runner."""

    def __init__(self, weights: BertWeights) -> None:
        self.weights = weights

    def mean_pool(self, ids: I64, mask: F32) -> F32:
        """Mean of the last hidden states over the unmasked tokens (not normalised)."""
        return mean_pool(self.weights, ids, mask)

    def hidden_states(self, ids: I64, mask: F32) -> F32:
        """The last hidden states (batch, length, hidden)."""
        return hidden_states(self.weights, ids, mask)
