#!/usr/bin/env bash
# nerkit quickstart: check the bundled sample data, train a recognizer, evaluate it on held-out
# posts, and find entities in posts it never saw. Run with `make quickstart`.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=examples/hardwareswap
OUT=quickstart-output
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "1. Check the annotations (token boundaries, stray whitespace, inconsistent labels)" \
  nerkit data check "$DATA/train.jsonl" "$DATA/dev.jsonl" "$DATA/test.jsonl"

step "2. Train the averaged-perceptron recognizer (best model on dev is kept)" \
  nerkit train "$DATA/train.jsonl" "$DATA/dev.jsonl" --model perceptron --output "$OUT/perceptron" --seed 0

step "3. Evaluate on the held-out test posts" \
  nerkit evaluate "$OUT/perceptron" "$DATA/test.jsonl" --json "$OUT/perceptron-test.json"

step "4. Predict entities in posts the model never saw" \
  nerkit predict "$OUT/perceptron" "$DATA/unseen.txt" --output "$OUT/unseen-predictions.jsonl"

step "5. The same from Python" python - "$OUT/perceptron" "$DATA/unseen.txt" <<'PY'
import sys

import nerkit

nlp = nerkit.load(sys.argv[1])
post = open(sys.argv[2], encoding="utf8").readline().strip()
doc = nlp(post)
print(post, "\n")
for ent in doc.ents:
    print(f"  {ent.label:<10} {ent.text!r}  [{ent.start_char}:{ent.end_char}]")
PY
