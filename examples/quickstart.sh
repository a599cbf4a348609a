#!/usr/bin/env bash
# nerkit quickstart: check the bundled sample data, train both recognizers, compare them on
# held-out posts, find entities in posts they never saw, and show how to annotate more.
# Run with `make quickstart` (it sets up .venv first).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=examples/hardwareswap
OUT=quickstart-output
LABELS=PRODUCT,PRICE,LOCATION,CONDITION,URL,USERNAME
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "1. Check the annotations (token boundaries, stray whitespace, inconsistent labels)" \
  nerkit data check "$DATA/train.jsonl" "$DATA/dev.jsonl" "$DATA/test.jsonl"

step "2. Train the averaged-perceptron recognizer (the epoch best on dev is kept)" \
  nerkit train "$DATA/train.jsonl" "$DATA/dev.jsonl" --model perceptron --output "$OUT/perceptron" --seed 0

step "3. Train the neural recognizer (embeddings -> BiLSTM -> CRF), from blank" \
  nerkit train "$DATA/train.jsonl" "$DATA/dev.jsonl" --model neural --output "$OUT/neural" --seed 0

for model in perceptron neural; do
  step "4. Evaluate the $model model on the 24 held-out test posts" \
    nerkit evaluate "$OUT/$model" "$DATA/test.jsonl" --json "$OUT/$model-test.json"
done

step "5. Both models side by side (F1 on the test posts)" python - "$OUT" <<'PY'
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

out = Path(sys.argv[1])
scores = {m: json.loads((out / f"{m}-test.json").read_text()) for m in ("perceptron", "neural")}
table = Table(title="Test F1 (exact span match)")
table.add_column("label")
for model in scores:
    table.add_column(model, justify="right")
for label in sorted(scores["perceptron"]["per_label"]):
    table.add_row(label, *(f"{100 * s['per_label'].get(label, {}).get('f1', 0):.1f}" for s in scores.values()))
table.add_section()
table.add_row("micro F1", *(f"{100 * s['f1']:.1f}" for s in scores.values()), style="bold")
table.add_row("words/s", *(f"{s['words_per_second']:,.0f}" for s in scores.values()))
Console().print(table)
PY

step "6. Predict entities in posts the models never saw (JSONL out)" \
  nerkit predict "$OUT/perceptron" "$DATA/unseen.txt" --output "$OUT/unseen-predictions.jsonl"

step "7. The same from Python" python - "$OUT" "$DATA/unseen.txt" <<'PY'
import sys

import nerkit

post = open(sys.argv[2], encoding="utf8").readline().strip()
print(post, "\n")
for model in ("perceptron", "neural"):
    nlp = nerkit.load(f"{sys.argv[1]}/{model}")
    print(f"{model}:")
    for ent in nlp(post).ents:
        print(f"  {ent.label:<10} {ent.text!r}  [{ent.start_char}:{ent.end_char}]")
PY

step "8. Predict the unseen posts into a SQLite table, one row per entity" \
  nerkit predict "$OUT/perceptron" "$DATA/unseen.txt" --to-sql "$OUT/posts.db" --table entities --overwrite

step "9. A few rows of that table" python - "$OUT/posts.db" <<'PY'
import sqlite3
import sys

with sqlite3.connect(sys.argv[1]) as con:
    rows = con.execute(
        "SELECT source_id, label, text, round(score, 2), model, model_version FROM entities "
        "ORDER BY id LIMIT 8"
    ).fetchall()
print(f"{'post':>4}  {'label':<10} {'text':<28} score  model")
for post, label, text, score, model, version in rows:
    print(f"{post:>4}  {label:<10} {text:<28} {score:<5}  {model} {version}")
PY

step "10. The same entities as a page you can open in a browser" \
  nerkit display "$OUT/perceptron" "$DATA/unseen.txt" --output "$OUT/unseen.html"

cat <<MSG

== 11. Serve the model, see it, annotate more
Serve it over HTTP (docs at /docs; a page to try texts at /view):

  nerkit serve $OUT/perceptron --port 8000
  curl -s localhost:8000/v1/predict -H 'content-type: application/json' -d '{"text": "[USA-TX] [H] RTX 3080 [W] PayPal"}'
  open http://127.0.0.1:8000/view      (or $OUT/unseen.html)

Store the posts and open the annotation app (it prints a URL with its access token):

  nerkit db import hws-raw $DATA/unseen.txt --db $OUT/nerkit.db
  nerkit annotate manual hws-gold db:hws-raw --label $LABELS --db $OUT/nerkit.db
  nerkit annotate teach hws-gold db:hws-raw --model $OUT/perceptron --db $OUT/nerkit.db

or let the model pre-annotate every post for you to correct:

  nerkit predict $OUT/perceptron db:hws-raw --to-db hws-raw --db $OUT/nerkit.db
  nerkit annotate correct hws-raw db:hws-raw --label $LABELS --db $OUT/nerkit.db

Then train straight from the store:

  nerkit train db:hws-gold $DATA/dev.jsonl --model perceptron --output $OUT/from-store --db $OUT/nerkit.db

See docs/annotate.md for the keys and the whole loop, docs/serve.md for the server.
MSG
