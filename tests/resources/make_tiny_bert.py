"""Write tests/resources/tiny-bert: a randomly initialised 2-layer, 16-wide BERT with a small
lowercasing WordPiece tokenizer, saved as a Hugging Face directory (safetensors weights).

The transformer tests read it instead of a real model (fast, no download). Run this script to
write it again after a change: ``python tests/resources/make_tiny_bert.py``.
"""

from __future__ import annotations

import string
from pathlib import Path

OUT = Path(__file__).resolve().parent / "tiny-bert"


def main(out: Path = OUT) -> Path:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    pieces = string.ascii_lowercase + string.digits
    vocab = [
        *("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"),
        *(pieces + string.punctuation),
        *("##" + c for c in pieces),
        *("the", "ada", "london", "paris", "##s", "##ing", "##ed"),
    ]
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(out / "vocab.txt"), do_lower_case=True).save_pretrained(
        str(out)
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(str(out), safe_serialization=True)
    return out


if __name__ == "__main__":
    print(main())
